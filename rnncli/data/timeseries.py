"""CSV -> checked, regular time series: one per id in long-format files.

Reads the file in chunks (`reading.py`), parses and checks every timestamp and value, splits the rows
by `id_column`, and puts each series on its regular grid (`timegrid.py`): sorted, in its time zone,
repeated timestamps resolved, frequency found, gaps filled. A series' timestamps are kept as a
`TimeAxis` (start, frequency, length), never as millions of stored values.

A file that is already sorted on a fixed step (hourly, daily, ...) with one series, the shape of
most long machine-written files, streams straight onto its grid: each chunk is placed as it is
read. Anything else (unsorted rows, repeats to merge, ids, local time zones, monthly steps) is
read whole and sorted out. Splitting, scaling and windowing are left to `prepared.py`.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from rnncli.data import categories, gaps, parquet, reading, timegrid
from rnncli.data.series import Schema, Series, label_of
from rnncli.data.timegrid import TimeAxis
from rnncli.errors import RnnCliError, clip, count


def load(schema: Schema) -> list[Series]:
    """Read and check `schema.path`; return its regular, gap-filled series (one per id)."""
    if schema.frequency is not None:
        timegrid.check_frequency(schema.frequency)
    vocabulary = categories.Vocabulary()
    series = None
    if schema.id_column is None and schema.timezone is None and not schema.wide:
        streamed = _stream(schema, vocabulary)
        series = [streamed] if streamed is not None else None
    if series is None:
        series = _read_whole(schema, vocabulary)
    for s in series:
        s.levels = vocabulary.levels
    _check_static(series, schema)
    frequencies = {s.frequency for s in series}
    if len(frequencies) > 1:
        a, b = series[0], next(s for s in series if s.frequency != series[0].frequency)
        raise RnnCliError(
            f"{a.label} has frequency {a.frequency} but {b.label} has {b.frequency}; "
            "one model needs one frequency: set data.frequency"
        )
    return series


TICK_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _stream(schema: Schema, vocabulary: categories.Vocabulary) -> Series | None:
    """Place each chunk on the grid as it is read; None when the file is not sorted on a fixed
    step (the caller then reads it whole, which also names whatever is wrong)."""
    grid, first, freq, rows = None, None, schema.frequency, 0
    for chunk in reading.read(schema, with_ids=False, vocabulary=vocabulary):
        times = chunk.times
        if times.tz is not None:
            return None
        if first is None:
            first = times[0]
            freq = freq or timegrid.infer_frequency(times[:100_000], "the series")
            step = timegrid.fixed_step(freq)
            if step is None:
                return None
            grid = _Grid(_estimate_rows(schema.path), len(schema.columns))
        unit = np.datetime_data(times.values.dtype)[
            0
        ]  # ticks in the file's own unit: ns overflows after 2262
        step_ticks, inexact = divmod(step.value, TICK_NS[unit])
        if inexact or not step_ticks:
            return None
        origin = first.to_datetime64().astype(f"datetime64[{unit}]").view(np.int64)
        pos, rest = np.divmod(times.values.view(np.int64) - origin, step_ticks)
        if rest.any() or (len(pos) > 1 and (np.diff(pos) <= 0).any()) or pos[0] < grid.rows:
            return None
        if pos[-1] + 1 > (grid.capacity * 1.5 + 1024) / (1 - schema.max_fill):
            # more gaps than the file's rows could leave within data.max_fill: the whole read names them
            return None
        grid.place(pos, chunk.values)
        rows += len(times)
    values = grid.values()
    return _complete(TimeAxis(first, freq, len(values)), values, len(values) - rows, schema, None, [])


class _Grid:
    """Rows of one series on its grid, growing as chunks arrive; unfilled rows stay NaN."""

    def __init__(self, capacity: int, columns: int):
        self.capacity = capacity  # the rows the file is estimated to hold
        self.data = np.full((max(capacity, 1024), columns), np.nan, dtype=np.float32)
        self.rows = 0

    def place(self, positions: np.ndarray, values: np.ndarray) -> None:
        end = int(positions[-1]) + 1
        if end > len(self.data):
            grown = np.full(
                (max(end, int(len(self.data) * 1.5)), self.data.shape[1]), np.nan, dtype=np.float32
            )
            grown[: self.rows] = self.data[: self.rows]
            self.data = grown
        self.data[positions] = values
        self.rows = end

    def values(self) -> np.ndarray:
        return self.data[: self.rows]


def _estimate_rows(path: str) -> int:
    """Data rows in a file, from its size and the length of its first lines (to size the grid once)."""
    if parquet.is_parquet(path):
        return parquet.rows(Path(path))
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    lines = head.count(b"\n")
    return int(os.path.getsize(path) / (len(head) / max(lines, 1)) * 1.02) + 16 if lines > 1 else 1024


def _read_whole(schema: Schema, vocabulary: categories.Vocabulary) -> list[Series]:
    chunks = list(reading.read(schema, vocabulary=vocabulary))
    if len({c.times.tz is None for c in chunks}) > 1:
        raise RnnCliError(
            f"time column '{clip(schema.time_column)}' mixes times with and without a time zone; write "
            "every timestamp the same way"
        )
    if len({str(c.times.tz) for c in chunks}) > 1:  # offsets that change between chunks: as in one, UTC
        for c in chunks:
            c.times = c.times.tz_convert("UTC")
    times = chunks[0].times.append([c.times for c in chunks[1:]]) if len(chunks) > 1 else chunks[0].times
    values = np.concatenate([c.values for c in chunks])
    lines = np.concatenate([c.lines for c in chunks])
    if schema.wide:  # each column its own series, named by the column
        return [
            _regular(times, values[:, [j]], lines, dataclasses.replace(schema, targets=(name,)), name)
            for j, name in enumerate(schema.wide)
        ]
    ids = union_categoricals([c.ids for c in chunks], sort_categories=True) if schema.id_column else None
    del chunks
    groups = _groups(ids, len(values))
    if schema.frequency is None and len(groups) > 1 and min(len(rows) for _, rows in groups) < 3:
        # a series too short to show its step takes the file's, from its longest series
        key, rows = max(groups, key=lambda group: len(group[1]))
        longest = timegrid.sort(times[rows], values[rows], lines[rows])[0]
        schema = dataclasses.replace(
            schema, frequency=timegrid.infer_frequency(longest.unique(), label_of(key))
        )
    return [_regular(times[rows], values[rows], lines[rows], schema, key) for key, rows in groups]


def _groups(ids: pd.Categorical | None, n: int) -> list[tuple[str | None, np.ndarray]]:
    """(id, its rows in file order) for each series, sorted by id."""
    if ids is None:
        return [(None, np.arange(n))]
    codes, keys = np.asarray(ids.codes), ids.categories
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    return [(str(key), order[bounds[k] : bounds[k + 1]]) for k, key in enumerate(keys)]


def _regular(
    times: pd.DatetimeIndex, values: np.ndarray, lines: np.ndarray, schema: Schema, key: str | None
) -> Series:
    label = label_of(key)
    times, values, lines, notes = timegrid.sort(times, values, lines)
    times, more = timegrid.localize(times, schema.timezone, label)
    notes += more
    times, values, lines, more = timegrid.merge_duplicates(times, values, lines, schema.duplicates, label)
    notes += more
    freq = schema.frequency or timegrid.infer_frequency(times, label)
    grid, full, added = timegrid.to_grid(times, values, lines, freq, label, schema.max_fill)
    return _complete(TimeAxis.of(grid, freq), full, added, schema, key, notes)


def _complete(
    axis: TimeAxis, values: np.ndarray, added: int, schema: Schema, key: str | None, notes: list[str]
) -> Series:
    """Refuse empty columns, check and fill the gaps, and make the Series (its rows after the last
    target value set apart, with future features: the values known ahead of a forecast)."""
    label = label_of(key)
    axis, values, ahead = _ahead(axis, values, schema)
    holes = np.isnan(values)
    for j, name in enumerate(schema.columns):
        if holes[:, j].all():
            raise RnnCliError(
                f"column '{clip(name)}' in {schema.path} has no values at all"
                + ("" if key is None else f" for {label}")
                + "; fill it or leave it out of the config"
            )
    filled = int(holes.sum())
    targets = holes[:, : len(schema.targets)]
    filled_at = np.argwhere(targets) if targets.any() else None
    warnings = []
    if filled:
        gaps.check(holes, axis, schema, label, filled, added)
        gaps.fill(values, holes, schema.missing, categories.positions(schema))
        share = holes.sum(axis=0).max() / len(values)
        length, start, col = gaps.longest_gap(holes)
        longest = (
            f"; the longest run {length} steps, {axis[start]} to {axis[start + length - 1]} in "
            f"'{clip(schema.columns[col], 40)}' (scores leave filled values out; data.max_gap "
            "refuses runs longer than it)"
            if length > 1
            else ""
        )
        warnings.append(
            f"filled {count(filled, 'missing value')} "
            f"({count(added, 'missing timestamp')}) by "
            f"{schema.missing} ({share:.1%} of the series){longest}"
        )
    made = Series(axis, values, schema.columns, key, filled, added, notes, warnings, filled_at=filled_at)
    made.ahead = ahead
    return made


def _ahead(
    axis: TimeAxis, values: np.ndarray, schema: Schema
) -> tuple[TimeAxis, np.ndarray, np.ndarray | None]:
    """A series with future features ends at its last row with a target value; the rows after it
    hold the future features' values ahead of a forecast from there (NaN where a cell is empty)."""
    if not schema.future_features:
        return axis, values, None
    measured = np.flatnonzero(~np.isnan(values[:, : len(schema.targets)]).all(axis=1))
    end = int(measured[-1]) + 1 if len(measured) else len(values)
    ahead = values[end:, schema.past_columns : schema.past_columns + len(schema.future_features)].copy()
    return TimeAxis(axis.start, axis.freq, end), values[:end], ahead


def _check_static(series: list[Series], schema: Schema) -> None:
    """Refuse a static feature that changes within a series, naming the series, the two values and
    the first timestamp where it changes."""
    first = schema.past_columns + len(schema.future_features)
    for j, name in enumerate(schema.static_features, start=first):
        for s in series:
            column = s.values[:, j]
            changed = np.flatnonzero(column != column[0])
            if len(changed):
                k = int(changed[0])
                a, b = (_shown(s, name, column[i]) for i in (0, k))
                raise RnnCliError(
                    f"static feature '{clip(name)}' must hold one value per series, but {s.label} has {a} "
                    f"at {s.times[0]} and {b} at {s.times[k]}; list it in data.features (or "
                    "data.future_features) if it changes over time"
                )


def _shown(s: Series, column: str, value: float) -> str:
    """A cell as the file wrote it: a category's name, or the number."""
    if column in s.levels:
        return repr(clip(s.levels[column][int(value)], 40))
    return f"{float(value):g}"
