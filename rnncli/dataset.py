"""From a checked series to what training and forecasting consume: scaled rows, splits, windows.

`prepare` is the one path from a CSV (via `data.load`) to a `Prepared` set, used alike by `train`,
`predict` and `evaluate`, so the three always see the same rows, split and scaling. The scaler is
fitted on the training rows, or taken from a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from rnncli import data
from rnncli.errors import RnnCliError
from rnncli.windows import Index, Layout, Scaler, Windows, check_length, split_rows


@dataclass(frozen=True)
class WindowSpec:
    lookback: int
    horizon: int
    many_to_many: bool
    val_fraction: float
    test_fraction: float


@dataclass
class Prepared:
    windows: Windows
    layout: Layout
    scaler: Scaler
    spec: WindowSpec
    times: list[pd.DatetimeIndex]  # per series
    columns: list[str]
    n_targets: int
    frequency: str
    notes: list[str]
    filled: int

    def index(self, split: str) -> Index:
        return self.layout.index(split, self.spec.lookback, self.spec.horizon)

    def unscale(self, y: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
        """Target values (B, ..., targets) of the windows at `starts`, back in real units."""
        series = self.layout.series_of(starts.to(self.scaler.loc.device)).to(y.device)
        loc = self.scaler.loc.to(y.device)[series, : self.n_targets]
        scale = self.scaler.scale.to(y.device)[series, : self.n_targets]
        shape = (len(series),) + (1,) * (y.dim() - 2) + (self.n_targets,)
        return y * scale.view(shape) + loc.view(shape)

    @property
    def targets(self) -> list[str]:
        return self.columns[: self.n_targets]


def prepare(schema: data.Schema, spec: WindowSpec, scaler: Scaler | str) -> Prepared:
    """Load `schema.path`, split each series in time order, scale it, and index its windows.

    `scaler` is a kind to fit on the training rows ("standard", "minmax", "none"), or a fitted
    scaler (from a checkpoint) to apply as it is.
    """
    series = data.load(schema)
    check_length(len(series.times), spec.lookback, spec.horizon, spec.val_fraction, spec.test_fraction, f"{schema.path}")
    parts = [split_rows(len(series.times), spec.val_fraction, spec.test_fraction)]
    if isinstance(scaler, str):
        scaler = Scaler.fit(scaler, [series.values[: parts[0][0]]])
    elif scaler.loc.shape[1] != len(schema.columns):
        raise RnnCliError(f"the checkpoint's scaler has {scaler.loc.shape[1]} columns but the data has {len(schema.columns)}")
    values = torch.from_numpy(scaler.transform(series.values, 0))
    layout = Layout(offsets=[0, len(series.times)], parts=parts)
    windows = Windows(values, spec.lookback, spec.horizon, len(schema.targets), spec.many_to_many)
    return Prepared(windows, layout, scaler, spec, [series.times], list(schema.columns), len(schema.targets),
                    series.frequency, series.notes, series.filled)

