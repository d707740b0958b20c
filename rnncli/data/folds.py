"""Rolling-origin folds: where each fold of a backtest trains, validates and tests.

The config's own split gives the lengths: its test part (T rows) and validation part (V rows), by
fractions or by timestamps, measured on the series that ends last. Fold k of K tests the T rows
that end (K - k) * step rows before the end of the data (the last fold's test stretch ends at the
end), validates on the V rows before them, and trains on every row before those; rows after its
test stretch are left out. Each fold is written as timestamp borders, so every series of a long
file is cut at the same times and each fold is an ordinary run split by timestamps
(`pipeline.inputs.config_of_fold` writes them as data.train_end, val_end and test_end).

An early fold of a short series may train on fewer rows than the config's window needs. Its
lookback is then shortened to what its training part allows (as many training windows as steps
in view, as `rnncli init` chooses for a short series; SHORTEST_LOOKBACK steps at least), and the
fold says so; the fold is refused only when even that does not fit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rnncli.data import short_series
from rnncli.data.series import Series
from rnncli.data.splits import Borders, split
from rnncli.data.windows import WindowSpec
from rnncli.errors import RnnCliError

SHORTEST_LOOKBACK = 4  # the fewest steps in view a fold's lookback is shortened to


@dataclass(frozen=True)
class Fold:
    k: int  # 1 .. K
    borders: Borders  # the last timestamp of its training, validation and test parts
    spans: dict  # "train", "val", "test": [first, last] timestamps, as text
    lookback: int  # the config's, or shorter where the fold's training part is short

    def shortened(self, lookback: int) -> str | None:
        """Why this fold's lookback is not the config's `lookback`, in one line; None when it is."""
        if self.lookback == lookback:
            return None
        return (
            f"fold {self.k}: lookback {self.lookback} instead of {lookback}, as its training part "
            f"({self.spans['train'][0]} to {self.spans['train'][1]}) is too short for a window of {lookback}"
        )


@dataclass(frozen=True)
class Plan:
    folds: list[Fold]
    test_rows: int
    val_rows: int
    step: int


def plan(
    series: list[Series], spec: WindowSpec, folds: int, step: int | None = None, shorten: bool = True
) -> Plan:
    """The folds' borders, checked against every series: one clear error, before anything trains,
    when a fold would lack a training, validation or test window, naming how many folds fit.
    `spec` gives the window and the config's own split, whose part lengths each fold keeps; with
    `shorten` false, every fold keeps the config's lookback."""
    if folds < 1:
        raise RnnCliError(f"--folds must be at least 1, got {folds}")
    reference = max(series, key=lambda s: s.times[-1])  # the series that ends last sets the fold ends
    _, val_rows, test_rows = split(
        reference.times, spec.lookback, spec.horizon, spec.sizes, spec.borders, reference.label
    )
    step = test_rows if step is None else step
    if step < 1:
        raise RnnCliError(f"--step must be at least 1 step, got {step}")
    times, n = reference.times, len(reference.times)
    first = str(min(s.times[0] for s in series))  # every fold trains from the first row of the data
    made = []
    for k in range(1, folds + 1):
        end = n - 1 - (folds - k) * step  # the last row of fold k's test stretch
        rows = (end - test_rows - val_rows, end - test_rows, end)
        if rows[0] < 0:
            raise _too_many(
                folds, step, spec, n, val_rows, test_rows, f"fold {k} would begin before the data", shorten
            )
        spans = {
            "train": [first, str(times[rows[0]])],
            "val": [str(times[rows[0] + 1]), str(times[rows[1]])],
            "test": [str(times[rows[1] + 1]), str(times[rows[2]])],
        }
        lookback = _lookback(spec, rows[0] + 1) if shorten else spec.lookback
        made.append(Fold(k, Borders(*(str(times[r]) for r in rows)), spans, lookback))
    for (
        fold
    ) in made:  # every fold must hold a window in each part (a short series of many is padded or left out)
        try:
            short_series.parts_of(
                series,
                dataclasses.replace(spec, borders=fold.borders, lookback=fold.lookback),
                lambda s: s.label,
            )
        except RnnCliError as exc:
            raise _too_many(
                folds, step, spec, n, val_rows, test_rows, f"fold {fold.k}: {exc}", shorten
            ) from None
    return Plan(made, test_rows, val_rows, step)


def _lookback(spec: WindowSpec, train_rows: int) -> int:
    """The lookback of a fold that trains on `train_rows` rows of the reference series: the
    config's when a window of it fits, else as many steps as leave that many training windows."""
    if train_rows >= spec.lookback + spec.horizon:
        return spec.lookback
    return min(spec.lookback, max(SHORTEST_LOOKBACK, (train_rows - spec.horizon + 1) // 2))


def _too_many(
    folds: int, step: int, spec: WindowSpec, n: int, val_rows: int, test_rows: int, why: str, shorten: bool
) -> RnnCliError:
    least = min(spec.lookback, SHORTEST_LOOKBACK if shorten else spec.lookback) + spec.horizon
    fit = max(0, (n - test_rows - val_rows - least) // step + 1)
    return RnnCliError(
        f"--folds {folds} with --step {step}: {why}; at most {fit} fold{'s' if fit != 1 else ''} fit "
        f"({test_rows} test and {val_rows} validation rows per fold, {least} training rows at least); "
        "use fewer folds or a smaller --step"
    )
