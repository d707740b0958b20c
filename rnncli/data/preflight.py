"""Preflight: what the prepared data holds, and what would make a model or its scores untrustworthy.

`review(prepared)` gives per series its span, rows, filled values and windows per split, then
warnings (short validation or test parts, constant columns, extreme values). `rnncli check` shows
it; `train` prints its warnings before it starts. Both prepare the data with `inputs.prepared_of`,
exactly as training does, so a config that checks clean trains on what was checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import torch

from rnncli.data import timegrid
from rnncli.data.messages import grouped
from rnncli.data.prepared import Prepared
from rnncli.errors import count

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
    parts: dict[str, tuple[str, str, int]]  # per part: its first and last timestamp, and its rows


@dataclass
class Preflight:
    prepared: Prepared
    series: list[SeriesSummary]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, nothing to fix


def review(prepared: Prepared) -> Preflight:
    """Summarise each series of the prepared data and collect the warnings."""
    summaries = [_summary(prepared, k) for k in range(len(prepared.series))]
    short, noisy = _short_parts(prepared, summaries)
    return Preflight(prepared, summaries, [*prepared.warnings, *short, *_columns(prepared)], noisy)


def _summary(prepared: Prepared, k: int) -> SeriesSummary:
    s, (n_train, n_val, n_test) = prepared.series[k], prepared.layout.parts[k]
    lookback, horizon = prepared.spec.lookback, prepared.spec.horizon
    windows = {
        "train": n_train - lookback - horizon + 1,
        "val": n_val - horizon + 1,
        "test": n_test - horizon + 1,
    }
    pad = s.padded  # rows added before the data: not shown as the data's
    starts = {"train": pad, "val": n_train, "test": n_train + n_val}
    daily = _daily(s)
    parts = {
        part: (_when(s.times[first], daily), _when(s.times[first + rows - 1], daily), rows)
        for (part, first), rows in zip(starts.items(), (n_train - pad, n_val, n_test))
    }
    return SeriesSummary(
        s.id,
        _when(s.times[pad], daily),
        _when(s.times[-1], daily),
        len(s.times) - pad,
        s.filled,
        windows,
        parts,
    )


def _daily(s) -> bool:
    """Steps of a day or more, at midnight, without a time zone: dates alone say it all."""
    step = timegrid.fixed_step(s.frequency, s.times.tz)
    first = s.times[0]
    return (step is None or step >= pd.Timedelta(days=1)) and first == first.normalize() and first.tz is None


def _when(t, daily: bool) -> str:
    return str(t.date()) if daily else str(t)


def _short_parts(prepared: Prepared, summaries: list[SeriesSummary]) -> tuple[list[str], list[str]]:
    """(warnings, notes) about validation and test parts too short for steady scores: a warning
    where the split as a whole is short; a note where only each series' own scores are noisy, the
    mean over many series resting on enough windows."""
    found, noted = [], []
    for part in ("val", "test"):
        key = f"data.{part}_steps" if getattr(prepared.spec, f"{part}_steps") else f"data.{part}_fraction"
        short = [s for s in summaries if s.windows[part] < SHORT_PART]
        total = sum(s.windows[part] for s in summaries)

        def windows(s, part=part) -> str:
            return count(s.windows[part], f"{part} window")

        if len(summaries) > 1 and total >= SHORT_PART:
            noted += [
                (
                    s.id,
                    f"only {windows(s)}: its own {part} scores are noisy; the mean over series rests on "
                    f"{total:,}",
                )
                for s in short
            ]
        else:
            found += [
                (s.id, f"only {windows(s)}: its {part} scores will be noisy (raise {key} or add data)")
                for s in short
            ]
    return grouped(found), grouped(noted)


def _columns(prepared: Prepared, rows: int = 1 << 20) -> list[str]:
    """Constant columns in a training part, and target values beyond OUTLIER_SD standard
    deviations; computed a block of rows at a time, so a long series is never copied whole."""
    found = []
    n_columns = prepared.n_values  # the availability column of padded data is no column of the user's
    values, nt = prepared.windows.values, prepared.n_targets
    for k, s in enumerate(prepared.series):
        lo, hi, n_train = (
            prepared.layout.offsets[k],
            prepared.layout.offsets[k + 1],
            prepared.layout.parts[k][0],
        )
        train = values[lo : lo + n_train, :n_columns]
        for j in torch.nonzero(train.amax(0) == train.amin(0)).flatten().tolist():
            found.append(
                (
                    s.id,
                    f"column '{prepared.columns[j]}' is constant in the training part; it tells the model "
                    "nothing",
                )
            )
        blocks = [(a, min(a + rows, hi)) for a in range(lo, hi, rows)]
        mean = sum(values[a:b, :nt].double().sum(0) for a, b in blocks) / (hi - lo)
        sd = torch.sqrt(sum(((values[a:b, :nt].double() - mean) ** 2).sum(0) for a, b in blocks) / (hi - lo))
        for j in range(nt):
            if sd[j] <= 0:
                continue
            far, row = 0, None
            for a, b in blocks:
                hits = torch.nonzero((values[a:b, j].double() - mean[j]).abs() > OUTLIER_SD * sd[j]).flatten()
                row = a + int(hits[0]) if row is None and len(hits) else row
                far += len(hits)
            if far:
                first = (
                    values[row, j].double() * prepared.scaler.scale[k, j].double()
                    + prepared.scaler.loc[k, j].double()
                )
                found.append(
                    (
                        s.id,
                        f"{count(far, 'value')} of target '{prepared.columns[j]}' lie beyond "
                        f"{OUTLIER_SD} standard deviations (the first {first.item():g} at "
                        f"{s.times[row - lo]}); check for data errors",
                    )
                )
    return grouped(found)
