"""Missing values on a series' regular grid: checked against what the config allows
(data.missing, data.max_fill, data.max_gap), then filled in place; each refusal names the column
and the stretch."""

from __future__ import annotations

import numpy as np

from rnncli.data import timegrid
from rnncli.data.series import Schema
from rnncli.data.timegrid import TimeAxis
from rnncli.errors import RnnCliError, clip, count


def check(holes: np.ndarray, axis: TimeAxis, schema: Schema, label: str, missing: int, added: int) -> None:
    """Refuse missing values the schema does not allow filling: any (data.missing error), more than
    data.max_fill of a column, or a run longer than data.max_gap; each named by where it is."""
    if schema.missing == "error":
        row, col = map(int, np.argwhere(holes)[0])
        raise RnnCliError(
            f"{label}: {count(missing, 'value')} {'is' if missing == 1 else 'are'} missing "
            f"({count(added, 'missing timestamp')}), the first at {axis[row]} in "
            f"'{clip(schema.columns[col])}'; "
            "fill them in the CSV or set data.missing to interpolate or ffill"
        )
    per_column = holes.sum(axis=0)
    worst = int(np.argmax(per_column))
    if per_column[worst] > schema.max_fill * len(holes):
        length, start, _ = longest_gap(holes[:, [worst]])
        what = (
            f"'{clip(schema.columns[worst])}' is missing {int(per_column[worst]):,} of its {len(holes):,} "
            f"values on the '{axis.freq}' grid ({per_column[worst] / len(holes):.0%})"
        )
        raise timegrid.overfilled(
            label, what, (axis[max(start - 1, 0)], axis[min(start + length, len(holes) - 1)]), schema.max_fill
        )
    if schema.max_gap is not None:
        length, start, col = longest_gap(holes)
        if length > schema.max_gap:
            raise RnnCliError(
                f"{label}: '{clip(schema.columns[col])}' is missing for {length} steps in a row, from "
                f"{axis[start]} to {axis[start + length - 1]}, more than data.max_gap={schema.max_gap}; "
                "fill that stretch, raise data.max_gap, or start the data after it"
            )


def longest_gap(holes: np.ndarray) -> tuple[int, int, int]:
    """(length, first row, column) of the longest run of missing values in any column."""
    best = (0, 0, 0)
    for j in np.flatnonzero(holes.any(axis=0)):
        edges = np.diff(np.concatenate([[0], holes[:, j].astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        k = int(np.argmax(ends - starts))
        if ends[k] - starts[k] > best[0]:
            best = (int(ends[k] - starts[k]), int(starts[k]), int(j))
    return best


def fill(values: np.ndarray, holes: np.ndarray, how: str, carried: list[int] | tuple = ()) -> None:
    """Fill NaNs in place, column by column: linear in time, or the last value seen (always, for the
    `carried` columns: categories, which have nothing between them)."""
    steps = np.arange(len(values))
    for j in np.flatnonzero(holes.any(axis=0)):
        known = ~holes[:, j]
        if how == "interpolate" and j not in carried:
            values[:, j] = np.interp(steps, steps[known], values[known, j])
        else:  # ffill; values before the first observation take the first one
            last = np.maximum.accumulate(np.where(known, steps, -1))
            first = int(np.argmax(known))
            values[:, j] = values[np.where(last < 0, first, last), j]
