"""Affine scaling of each column, fitted on a series' training rows: standard, min-max or none.

A fitted `Scaler` is plain tensors (saved in checkpoints), per series id or shared by all series.
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

    @classmethod
    def fit(cls, kind: str, train_parts: list[np.ndarray], ids: list[str | None] | None = None, per_series: bool = True) -> Scaler:
        """Fit on the training rows of each series ((rows, columns) arrays), or of all together."""
        if not per_series:
            train_parts, ids = [np.concatenate(train_parts)], [None]
        locs, scales = zip(*(_fit_one(kind, part) for part in train_parts))
        return cls(kind, torch.tensor(np.stack(locs), dtype=torch.float32), torch.tensor(np.stack(scales), dtype=torch.float32),
                   list(ids) if ids is not None else [None])

    def align(self, ids: list[str | None]) -> Scaler:
        """The rows for these series, in this order (a shared scaler serves any series)."""
        if self.ids == [None]:
            rows = [0] * len(ids)
        else:
            where = {key: r for r, key in enumerate(self.ids)}
            unknown = [key for key in ids if key not in where]
            if unknown:
                raise RnnCliError(f"series '{unknown[0]}' was not in the training data, so its scaling is unknown; forecast the series "
                                  "the model was trained on, or train with data.scale_per_series: false")
            rows = [where[key] for key in ids]
        return Scaler(self.kind, self.loc[rows], self.scale[rows], list(ids))

    def transform(self, values: np.ndarray, row: int = 0) -> np.ndarray:
        return ((values - self.loc[row].numpy()) / self.scale[row].numpy()).astype(np.float32)

    def transform_(self, values: np.ndarray, row: int = 0) -> np.ndarray:
        """Scale float32 `values` in place (a long series is not copied) and return them."""
        values -= self.loc[row].numpy()
        values /= self.scale[row].numpy()
        return values

    def to_dict(self) -> dict:
        return {"kind": self.kind, "loc": self.loc.clone(), "scale": self.scale.clone(), "ids": list(self.ids)}

    @classmethod
    def from_dict(cls, raw: dict) -> Scaler:
        return cls(raw["kind"], raw["loc"].float(), raw["scale"].float(), list(raw.get("ids", [None])))


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
    square = sum(((part[lo : lo + rows].astype(np.float64) - mean) ** 2).sum(axis=0) for lo in range(0, len(part), rows))
    return mean, np.sqrt(square / max(len(part), 1))
