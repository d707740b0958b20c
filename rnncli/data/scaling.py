"""Affine scaling of each column, fitted on a series' training rows: standard, min-max or none;
before it, optionally, log1p of the target columns (data.transform: log).

A fitted `Scaler` is plain tensors (saved in checkpoints), per series id or shared by all series.
It also records, per series and column, whether the training rows were never negative (`floor`
0, else -inf): forecasts of such a target are kept at or above zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnncli.errors import RnnCliError


@dataclass
class Scaler:
    """Affine scaling per column, per series or shared: scaled = (value - loc) / scale.

    Row r of `loc` and `scale` belongs to the series `ids[r]`; a shared scaler has one row, id None.
    """

    kind: str
    loc: torch.Tensor  # (rows, columns)
    scale: torch.Tensor
    ids: list[str | None]
    log_columns: int = 0  # the leading columns (the targets) taken log1p of before scaling
    floor: torch.Tensor | None = (
        None  # (rows, columns): 0 where the training rows were never negative, else -inf
    )

    @classmethod
    def fit(
        cls,
        kind: str,
        train_parts: list[np.ndarray],
        ids: list[str | None] | None = None,
        per_series: bool = True,
        log_columns: int = 0,
        fixed: list[int] | tuple = (),
        shared: list[int] | tuple = (),
    ) -> Scaler:
        """Fit on the training rows of each series ((rows, columns) arrays), or of all together.
        The `fixed` columns (category indices) are left as they are; the `shared` ones (attributes
        constant within a series, which a series' own rows cannot scale) are scaled alike in every
        series, fitted on all the series' training rows together."""
        floors = [
            np.where(np.nanmin(part, axis=0) >= 0, 0.0, -np.inf) if len(part) else np.zeros(part.shape[1])
            for part in train_parts
        ]
        if log_columns:
            train_parts = [_logged(part, log_columns) for part in train_parts]
        if not per_series:
            train_parts, ids, floors = (
                [np.concatenate(train_parts)],
                [None],
                [np.min(np.stack(floors), axis=0)],
            )
        locs, scales = (np.stack(x) for x in zip(*(_fit_one(kind, part) for part in train_parts)))
        if len(shared) and len(train_parts) > 1:
            columns = list(shared)
            locs[:, columns], scales[:, columns] = _fit_one(kind, np.concatenate(train_parts)[:, columns])
        locs[:, list(fixed)], scales[:, list(fixed)] = 0.0, 1.0
        return cls(
            kind,
            torch.tensor(locs, dtype=torch.float32),
            torch.tensor(scales, dtype=torch.float32),
            list(ids) if ids is not None else [None],
            log_columns,
            torch.tensor(np.stack(floors), dtype=torch.float32),
        )

    def align(self, ids: list[str | None]) -> Scaler:
        """The rows for these series, in this order (a shared scaler serves any series)."""
        if self.ids == [None]:
            rows = [0] * len(ids)
        else:
            where = {key: r for r, key in enumerate(self.ids)}
            unknown = [key for key in ids if key not in where]
            if unknown:
                raise RnnCliError(
                    f"series '{unknown[0]}' was not in the training data, so its scaling is unknown; "
                    "forecast the series the model was trained on, or train with data.scale_per_series: "
                    "false"
                )
            rows = [where[key] for key in ids]
        floor = None if self.floor is None else self.floor[rows]
        return Scaler(self.kind, self.loc[rows], self.scale[rows], list(ids), self.log_columns, floor)

    def transform(self, values: np.ndarray, row: int = 0) -> np.ndarray:
        if self.log_columns:
            values = _logged(values, self.log_columns)
        return ((values - self.loc[row].numpy()) / self.scale[row].numpy()).astype(np.float32)

    def transform_(self, values: np.ndarray, row: int = 0) -> np.ndarray:
        """Scale float32 `values` in place (a long series is not copied) and return them."""
        if self.log_columns:
            _check_positive(values[:, : self.log_columns])
            np.log1p(values[:, : self.log_columns], out=values[:, : self.log_columns])
        values -= self.loc[row].numpy()
        values /= self.scale[row].numpy()
        return values

    def real(self, y: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """Scaled target values back in the data's units, given the rows' loc and scale (broadcast to y)."""
        out = y * scale + loc
        return torch.expm1(out) if self.log_columns else out

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "loc": self.loc.clone(), "scale": self.scale.clone(), "ids": list(self.ids)}
        if self.log_columns:
            out["log_columns"] = self.log_columns
        if self.floor is not None:
            out["floor"] = self.floor.clone()
        return out

    @classmethod
    def from_dict(cls, raw: dict) -> Scaler:
        floor = raw.get("floor")
        return cls(
            raw["kind"],
            raw["loc"].float(),
            raw["scale"].float(),
            list(raw.get("ids", [None])),
            int(raw.get("log_columns", 0)),
            None if floor is None else floor.float(),
        )


def _logged(values: np.ndarray, columns: int) -> np.ndarray:
    """A copy with log1p of the leading `columns`."""
    _check_positive(values[:, :columns])
    out = values.astype(np.float64 if values.dtype == np.float64 else np.float32, copy=True)
    out[:, :columns] = np.log1p(out[:, :columns])
    return out


def _check_positive(head: np.ndarray) -> None:
    """Refuse a negative value, whose log the transform cannot take."""
    if (head < 0).any():
        raise RnnCliError(
            f"data.transform=log needs target values that are never negative, but the data holds "
            f"{float(np.nanmin(head)):g}; use data.transform: none for data that can be negative"
        )


def _fit_one(kind: str, part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if kind == "standard":
        loc, scale = mean_std(part)
    elif kind == "minmax":
        loc, scale = part.min(axis=0), part.max(axis=0) - part.min(axis=0)
    else:
        loc, scale = np.zeros(part.shape[1]), np.ones(part.shape[1])
    return loc, np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)  # a constant column stays as is


def mean_std(part: np.ndarray, rows: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations in float64, a block of rows at a time (no full copy)."""
    mean = part.mean(axis=0, dtype=np.float64)
    square = sum(
        ((part[lo : lo + rows].astype(np.float64) - mean) ** 2).sum(axis=0)
        for lo in range(0, len(part), rows)
    )
    return mean, np.sqrt(square / max(len(part), 1))
