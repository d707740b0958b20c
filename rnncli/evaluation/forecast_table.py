"""Forecasts as tables: each series' forecast in real units, after its time column, with its
interval and quantile columns; Theta's for a series the model cannot read; the last stretch of
history to plot beside them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from rnncli.data.ahead import future_times
from rnncli.data.prepared import Prepared
from rnncli.data.series import KEY_JOIN, Schema, Series


@dataclass
class Forecast:
    frame: pd.DataFrame  # [id,] time, targets, and <target>_lower / <target>_upper with intervals
    history: list[tuple[str | None, pd.DataFrame]]  # per series, its last `tail` rows: time and targets
    coverage: float | None
    notes: list[str]
    warnings: list[str] = field(default_factory=list)  # about the data read: values filled in
    id_columns: tuple[str, ...] = ()  # the column(s) that tell the series apart, in long-format data

    def keys(self, frame: pd.DataFrame | None = None) -> pd.Series | None:
        """Each row's series, as one value (the key columns' values joined); None for one series."""
        frame = self.frame if frame is None else frame
        if not self.id_columns:
            return None
        return frame[list(self.id_columns)].astype(str).agg(KEY_JOIN.join, axis=1)


def fallback(
    schema: Schema, series: list, horizon: int, season: int, columns: list[str]
) -> list[pd.DataFrame]:
    """Theta's forecasts for the series the model cannot read, in the forecast table's columns."""
    from rnncli.evaluation import theta

    out = []
    for s in series:
        values = {
            target: (
                theta.forecast([s.values[:, j]], horizon, season)[0]
                if len(s.times) > 1
                else np.repeat(s.values[-1, j], horizon)
            )
            for j, target in enumerate(schema.targets)
        }
        frame = pd.DataFrame({schema.time_column: future_times(s, horizon), **values})
        out.append(frame.reindex(columns=columns))
    return out


def frame(
    schema: Schema,
    levels: tuple[float, ...],
    prepared: Prepared,
    k: int,
    scaled: torch.Tensor,
    reach: tuple[torch.Tensor, torch.Tensor] | None,
    quantiles: torch.Tensor | None,
) -> pd.DataFrame:
    """Series k's forecast in real units from its scaled one, with its interval columns (`reach`
    below and above) and a quantile model's quantiles at `levels` (<target>_p5, _p50, ...), after
    its time column; kept at or above zero for a target never negative in training (unless
    predict.clip_negative is off)."""
    targets, scaler = list(schema.targets), prepared.scaler
    loc, scale = scaler.loc[k, : len(targets)].double(), scaler.scale[k, : len(targets)].double()
    floor = prepared.floor(torch.tensor([prepared.layout.offsets[k]]), torch.device("cpu"))
    floors = None if floor is None else floor[0, 0]  # (targets,)
    frame = pd.DataFrame(_at_least(scaler.real(scaled, loc, scale), floors).numpy(), columns=targets)
    for j, target in enumerate(targets):
        least = None if floors is None else floors[j]
        if reach is not None:
            lower, upper = _bounds(
                scaler,
                scaled[:, j],
                reach[0][:, j],
                reach[1][:, j],
                loc[j],
                scale[j],
                frame[target],
                asymmetric=quantiles is not None,
            )
            frame[f"{target}_lower"] = _at_least(lower, least).numpy()
            frame[f"{target}_upper"] = _at_least(upper, least).numpy()
        for i, p in enumerate(() if quantiles is None else levels):
            values = torch.full((len(scaled),), float("nan"), dtype=torch.float64)
            reached = min(len(scaled), quantiles.shape[0])
            values[:reached] = scaler.real(quantiles[:reached, j, i], loc[j], scale[j])
            frame[f"{target}_p{p * 100:g}"] = _at_least(values, least).numpy()
    frame.insert(0, schema.time_column, future_times(prepared.series[k], len(scaled)))
    return frame


def _bounds(
    scaler, scaled, below, above, loc, scale, point, asymmetric: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """An interval's bounds in real units from its reach below and above the scaled forecast."""
    below, above = below.double(), above.double()
    if scaler.log_columns or asymmetric:  # not symmetric in real units: each bound mapped back
        return scaler.real(scaled - below, loc, scale), scaler.real(scaled + above, loc, scale)
    point = torch.tensor(point.to_numpy())
    return point - below * scale, point + above * scale


def _at_least(values: torch.Tensor, floor: torch.Tensor | None) -> torch.Tensor:
    return values if floor is None else torch.maximum(values, floor.to(values.dtype))


def tail(s: Series, schema: Schema, rows: int) -> pd.DataFrame:
    """A series' last `rows` rows of targets, in real units, after its time column (for plotting)."""
    frame = pd.DataFrame(s.values[-rows:, : len(schema.targets)], columns=list(schema.targets))
    frame.insert(0, schema.time_column, s.times[-rows:])
    return frame
