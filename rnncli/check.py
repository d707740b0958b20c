"""Preflight: read and prepare the config's data exactly as training would, and report on it.

`preflight(cfg)` is what `rnncli check` shows and what `train` runs before it starts: per series its
span, frequency, rows, filled values and windows per split; then warnings about what would make a
model or its scores untrustworthy (short validation or test parts, constant columns, extreme
values). Errors are raised as RnnCliError, as training would raise them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from rnncli import data, timegrid
from rnncli.config import Config
from rnncli.dataset import Prepared, WindowSpec, prepare

SHORT_PART = 20  # fewer windows than this in a validation or test part make its scores noisy
OUTLIER_SD = 10


@dataclass
class SeriesSummary:
    id: str | None
    first: str
    last: str
    rows: int
    filled: int
    windows: dict[str, int]


@dataclass
class Preflight:
    prepared: Prepared
    season: int
    series: list[SeriesSummary]
    warnings: list[str] = field(default_factory=list)


def schema_of(cfg: Config) -> data.Schema:
    d = cfg.data
    return data.Schema(d.path, d.time_column, tuple(d.target), tuple(d.features), d.frequency, d.missing, d.id_column, d.timezone,
                       d.max_gap, d.duplicates)


def spec_of(cfg: Config) -> WindowSpec:
    w, d = cfg.window, cfg.data
    return WindowSpec(w.lookback, w.horizon, w.mode == "many_to_many", d.val_fraction, d.test_fraction, tuple(d.calendar))


def preflight(cfg: Config) -> Preflight:
    """Prepare the data as training would; summarise each series and collect warnings."""
    prepared = prepare(schema_of(cfg), spec_of(cfg), cfg.data.scaler, cfg.data.scale_per_series)
    season = cfg.data.season or timegrid.season_of(prepared.frequency)
    summaries = [_summary(prepared, k) for k in range(len(prepared.series))]
    warnings = [*_short_parts(prepared, summaries), *_columns(prepared)]
    return Preflight(prepared, season, summaries, warnings)


def _summary(prepared: Prepared, k: int) -> SeriesSummary:
    s, (n_train, n_val, n_test) = prepared.series[k], prepared.layout.parts[k]
    lookback, horizon = prepared.spec.lookback, prepared.spec.horizon
    windows = {"train": n_train - lookback - horizon + 1, "val": n_val - horizon + 1, "test": n_test - horizon + 1}
    return SeriesSummary(s.id, _when(s.times[0]), _when(s.times[-1]), len(s.times), s.filled, windows)


def _when(t) -> str:
    """A timestamp as short as it can be: the date alone for daily data at midnight."""
    return str(t.date()) if t == t.normalize() and t.tz is None else str(t)


def _short_parts(prepared: Prepared, summaries: list[SeriesSummary]) -> list[str]:
    out = []
    for s in summaries:
        for part, key in (("val", "data.val_fraction"), ("test", "data.test_fraction")):
            if s.windows[part] < SHORT_PART:
                label = "the data" if s.id is None else f"series '{s.id}'"
                out.append(f"{label} has only {s.windows[part]} {part} windows: its {part} scores will be noisy "
                           f"(raise {key} or add data)")
    return out


def _columns(prepared: Prepared, rows: int = 1 << 20) -> list[str]:
    """Constant columns in a training part, and target values beyond OUTLIER_SD standard
    deviations; computed a block of rows at a time, so a long series is never copied whole."""
    out = []
    n_columns = len(prepared.columns) - prepared.windows.n_calendar
    values, nt = prepared.windows.values, prepared.n_targets
    for k, s in enumerate(prepared.series):
        lo, hi, n_train = prepared.layout.offsets[k], prepared.layout.offsets[k + 1], prepared.layout.parts[k][0]
        label = "" if s.id is None else f"series '{s.id}': "
        train = values[lo : lo + n_train, :n_columns]
        for j in torch.nonzero(train.amax(0) == train.amin(0)).flatten().tolist():
            out.append(f"{label}column '{prepared.columns[j]}' is constant in the training part; it tells the model nothing")
        blocks = [(a, min(a + rows, hi)) for a in range(lo, hi, rows)]
        mean = sum(values[a:b, :nt].double().sum(0) for a, b in blocks) / (hi - lo)
        sd = torch.sqrt(sum(((values[a:b, :nt].double() - mean) ** 2).sum(0) for a, b in blocks) / (hi - lo))
        for j in range(nt):
            if sd[j] <= 0:
                continue
            count, row = 0, None
            for a, b in blocks:
                hits = torch.nonzero((values[a:b, j].double() - mean[j]).abs() > OUTLIER_SD * sd[j]).flatten()
                row = a + int(hits[0]) if row is None and len(hits) else row
                count += len(hits)
            if count:
                first = values[row, j].double() * prepared.scaler.scale[k, j].double() + prepared.scaler.loc[k, j].double()
                out.append(f"{label}{timegrid.count(count, 'value')} of target '{prepared.columns[j]}' lie beyond "
                           f"{OUTLIER_SD} standard deviations (the first {first.item():g} at {s.times[row - lo]}); check for data errors")
    return out
