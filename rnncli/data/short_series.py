"""Short series in a file of many: trained on with what they have, or left out with a reason.

A series whose training part cannot hold one window (lookback + horizon rows) is padded at its
start: `pad` rows before its first, on its own time grid, holding its first value, so that one
window ends its training part. The padded rows are marked unavailable (a 0 in the availability
column the model reads; 1 elsewhere): window normalisation leaves them out of its statistics,
and no training window has a padded target. The baselines are fitted on the real rows alone.
A series that cannot hold a horizon of targets with one real input, and a validation and a test
stretch, is left out; all such are named in one warning. A file of one series is never padded:
its length is refused with what would fit (`splits.check_length`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rnncli.data.series import Series
from rnncli.data.splits import rows_of, split
from rnncli.data.timegrid import TimeAxis
from rnncli.errors import RnnCliError, clip

SHOWN = 5  # series named in a warning about many


def parts_of(
    series: list[Series], spec, label_of
) -> tuple[list, list[tuple[int, int, int]], list[int], list[str]]:
    """(the series kept, their parts, the padding each needs, warnings): a series too short for the
    window is padded when it can be, else left out (only in a file of several; one is refused)."""
    kept, parts, pads, left_out = [], [], [], []
    for s in series:
        try:
            parts.append(split(s.times, spec.lookback, spec.horizon, spec.sizes, spec.borders, label_of(s)))
            kept.append(s)
            pads.append(0)
            continue
        except RnnCliError:
            if len(series) == 1:
                raise
        if trainable(s, spec, label_of(s)):
            n_train, n_val, n_test = rows_of(s.times, spec.sizes, spec.borders, label_of(s))
            kept.append(s)
            pads.append(spec.lookback + spec.horizon - n_train)
            parts.append((n_train + pads[-1], n_val, n_test))
        else:
            left_out.append(s)
    if not kept:
        raise RnnCliError(
            "no series of the file holds a training, a validation and a test stretch of "
            f"window.horizon={spec.horizon} "
            f"(the longest has {max(len(s.times) for s in series)} rows); forecast fewer steps or add data"
        )
    return kept, parts, pads, _warnings(series, pads, kept, left_out, spec)


def trainable(s: Series, spec, label: str) -> bool:
    """Whether training can use the series, padded if need be: a horizon of targets after one real
    input in its training part, and a horizon in each of its validation and test parts."""
    n_train, n_val, n_test = rows_of(s.times, spec.sizes, spec.borders, label)
    return n_train >= spec.horizon + 1 and n_val >= spec.horizon and n_test >= spec.horizon


def _warnings(series, pads, kept, left_out, spec) -> list[str]:
    out = []
    padded = [s for s, pad in zip(kept, pads) if pad]
    if padded:
        out.append(
            f"{_count(padded)} shorter than window.lookback + horizon ({spec.lookback + spec.horizon} "
            f"training rows) {'was' if len(padded) == 1 else 'were'} padded at the start and trained on "
            f"what they have: {names(padded)}"
        )
    if left_out:
        out.append(
            f"{_count(left_out)} of {len(series)} too short for a horizon of {spec.horizon} in each part "
            f"{'was' if len(left_out) == 1 else 'were'} "
            f"left out of training and scoring ({names(left_out)}); predict forecasts them with Theta"
        )
    return out


def _count(series: list) -> str:
    return f"{len(series)} series"


def names(series: list) -> str:
    """The first SHOWN series' names, and how many more."""
    names = ", ".join(clip(str(s.id), 30) for s in series[:SHOWN])
    return names + (f" and {len(series) - SHOWN} more" if len(series) > SHOWN else "")


def padded(s: Series, pad: int) -> Series:
    """The series with `pad` rows before its first, on its grid, holding its first values."""
    if pad <= 0:
        return s
    values = np.concatenate([np.repeat(s.values[:1], pad, axis=0), s.values])
    start = (
        s.times.start - pad * s.times.step
        if s.times.step is not None
        else pd.date_range(end=s.times.start, periods=pad + 1, freq=s.frequency)[0]
    )
    return dataclasses.replace(
        s, times=TimeAxis(start, s.frequency, len(s.times) + pad), values=values, padded=pad
    )


def available(lengths: list[int], pads: list[int]) -> np.ndarray:
    """The availability column of the concatenated rows: 0 for padding, 1 for data."""
    out = np.ones(sum(lengths), dtype=np.float32)
    start = 0
    for n, pad in zip(lengths, pads):
        out[start : start + pad] = 0
        start += n
    return out
