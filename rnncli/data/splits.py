"""Chronological splits: each series' rows into training, validation and test parts.

By fractions (the last `test_fraction` of the rows test, the `val_fraction` before them validate),
by steps (the last `test_steps` rows test and the `val_steps` before them validate, in every series
alike: the split for many series of different lengths that end together), or by timestamps: the training
part ends at `train_end`, validation at `val_end` and test at
`test_end` (each the last timestamp of its part; rows after `test_end` are left out), so a
published protocol or a business calendar can be written down exactly. A window belongs to the
part its forecast falls in; its inputs may reach back into the part before.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rnncli.data.timegrid import TimeAxis
from rnncli.errors import RnnCliError

BORDER_KEYS = ("data.train_end", "data.val_end", "data.test_end")


@dataclass(frozen=True)
class Borders:
    """The last timestamp of each part, as written in the config (None: not given)."""

    train_end: str | None = None
    val_end: str | None = None
    test_end: str | None = None

    @property
    def given(self) -> bool:
        return self.train_end is not None

    def as_list(self) -> list[str | None]:
        return [self.train_end, self.val_end, self.test_end]


def split(
    times: TimeAxis, lookback: int, horizon: int, sizes: tuple, borders: Borders, label: str = "the series"
) -> tuple[int, int, int]:
    """(train, val, test) rows of one series, refused with the reason when a part is too short.
    `sizes`: (val_fraction, test_fraction[, val_steps, test_steps]); steps, when given, win."""
    if not borders.given:
        check_length(len(times), lookback, horizon, *sizes, label=label)
        return split_rows(len(times), *sizes)
    parts = _at_borders(times, borders, label)
    need = (lookback + horizon, horizon, horizon)
    for (name, key), rows, least in zip(
        (("training", "data.train_end"), ("validation", "data.val_end"), ("test", "data.test_end")),
        parts,
        need,
    ):
        if rows < least:
            raise RnnCliError(
                f"{label}: its {name} part ({_span(times, parts, name)}) has {rows} rows, fewer than the "
                f"{least} one window needs (lookback {lookback}, horizon {horizon}); move {key} or shorten "
                "the window"
            )
    return parts


def rows_of(
    times: TimeAxis, sizes: tuple, borders: Borders, label: str = "the series"
) -> tuple[int, int, int]:
    """(train, val, test) rows of one series, unchecked: however short its parts are."""
    return _at_borders(times, borders, label) if borders.given else split_rows(len(times), *sizes)


def split_rows(
    n: int,
    val_fraction: float,
    test_fraction: float,
    val_steps: int | None = None,
    test_steps: int | None = None,
) -> tuple[int, int, int]:
    """Rows in the (train, val, test) parts of a series of `n` rows, in time order."""
    n_test = round(n * test_fraction) if test_steps is None else test_steps
    n_val = round(n * val_fraction) if val_steps is None else val_steps
    return n - n_val - n_test, n_val, n_test


def check_length(
    n: int,
    lookback: int,
    horizon: int,
    val_fraction: float,
    test_fraction: float,
    val_steps: int | None = None,
    test_steps: int | None = None,
    label: str = "the series",
) -> None:
    """Refuse a series too short for one window in each part, saying how many rows it needs."""
    steps = (val_steps, test_steps)
    if fits(n, lookback, horizon, val_fraction, test_fraction, *steps):
        return
    need = max(lookback + horizon, 3)
    while not fits(need, lookback, horizon, val_fraction, test_fraction, *steps):
        need += max(1, need // 100)
    n_train, n_val, n_test = split_rows(n, val_fraction, test_fraction, *steps)
    fix = (
        _whatfits(n, lookback, horizon, val_fraction, test_fraction)
        if steps == (None, None)
        else f"set window.lookback={max(1, n_train - horizon)} or less, or smaller data.val_steps / "
        "data.test_steps, or add data"
    )
    raise RnnCliError(
        f"{label} has {n} rows (train {n_train}, val {n_val}, test {n_test}): too few for "
        f"window.lookback={lookback} "
        f"and window.horizon={horizon}, which need at least {need} rows with these "
        f"{'fractions' if steps == (None, None) else 'steps'} "
        f"(training part >= lookback + horizon, val and test parts >= horizon); {fix}"
    )


def _whatfits(n: int, lookback: int, horizon: int, val_fraction: float, test_fraction: float) -> str:
    """The settings that would let a series of n rows train: a shorter lookback, smaller fractions, or
    both."""
    ways = []
    shorter = next(
        (k for k in range(min(lookback - 1, n), 0, -1) if fits(n, k, horizon, val_fraction, test_fraction)),
        None,
    )
    if shorter is not None:
        ways.append(f"window.lookback={shorter}")
    least = next(
        (f / 100 for f in range(1, 50) if round(n * f / 100) >= horizon), None
    )  # the smallest fraction holding a horizon
    if (
        least is not None
        and least < max(val_fraction, test_fraction)
        and fits(n, lookback, horizon, least, least)
    ):
        ways.append(f"data.val_fraction={least:g} and data.test_fraction={least:g}")
    if not ways and least is not None:
        both = next(
            (k for k in range(min(lookback - 1, n), 0, -1) if fits(n, k, horizon, least, least)), None
        )
        if both is not None:
            ways.append(
                f"window.lookback={both} with data.val_fraction={least:g} and data.test_fraction={least:g}"
            )
    return ("set " + " or ".join(ways) + ", or add data") if ways else "add data or shorten window.horizon"


def fits(
    n: int,
    lookback: int,
    horizon: int,
    val_fraction: float,
    test_fraction: float,
    val_steps: int | None = None,
    test_steps: int | None = None,
) -> bool:
    """A series of n rows holds a training, a validation and a test window."""
    n_train, n_val, n_test = split_rows(n, val_fraction, test_fraction, val_steps, test_steps)
    return n_train >= lookback + horizon and n_val >= horizon and n_test >= horizon


def _at_borders(times: TimeAxis, borders: Borders, label: str) -> tuple[int, int, int]:
    """Rows up to and including each border (the last part runs to the end without test_end)."""
    ends = [
        count_until(times, _timestamp(border, key, times, label)) if border is not None else len(times)
        for border, key in zip(borders.as_list(), BORDER_KEYS)
    ]
    return ends[0], ends[1] - ends[0], ends[2] - ends[1]


def count_until(times: TimeAxis, moment: pd.Timestamp) -> int:
    """How many of the times are at or before `moment`."""
    if len(times) == 0 or moment < times[0]:
        return 0
    if times.step is not None:  # a fixed step: arithmetic, not millions of timestamps
        return min(len(times), int((moment - times.start) // times.step) + 1)
    return int(times.index().searchsorted(moment, side="right"))


def _timestamp(text: str, key: str, times: TimeAxis, label: str) -> pd.Timestamp:
    moment = pd.Timestamp(text)
    if moment.tz is None and times.tz is not None:
        return moment.tz_localize(times.tz)
    if moment.tz is not None and times.tz is None:
        raise RnnCliError(
            f"config key {key}: {text!r} has a time zone but the times of {label} have none; write it "
            "without one"
        )
    return moment


def _span(times: TimeAxis, parts: tuple[int, int, int], name: str) -> str:
    first = {"training": 0, "validation": parts[0], "test": parts[0] + parts[1]}[name]
    rows = parts[("training", "validation", "test").index(name)]
    return f"{times[first]} to {times[first + rows - 1]}" if rows else "empty"
