"""CSV -> checked, regular time series: one per id in long-format files.

Reads the file (`readcsv`), parses the time column, checks that the value columns exist and are
numeric, splits the rows by `id_column`, and puts each series on its regular grid (`timegrid`):
sorted, in its time zone, repeated timestamps resolved, frequency found, gaps filled. Splitting,
scaling and windowing are left to `dataset.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnncli import readcsv, timegrid
from rnncli.errors import RnnCliError


@dataclass(frozen=True)
class Schema:
    """What to read from a CSV and how: plain values, from the config or from a checkpoint."""

    path: str
    time_column: str
    targets: tuple[str, ...]
    features: tuple[str, ...] = ()
    frequency: str | None = None
    missing: str = "interpolate"
    id_column: str | None = None
    timezone: str | None = None
    max_gap: int | None = None
    duplicates: str = "error"

    @property
    def columns(self) -> list[str]:
        return [*self.targets, *self.features]


@dataclass
class Series:
    """One regular series: `values[i]` holds every column at `times[i]` (targets first)."""

    times: pd.DatetimeIndex
    values: np.ndarray
    columns: list[str]
    frequency: str
    id: str | None = None
    filled: int = 0
    added_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "the series" if self.id is None else f"series '{self.id}'"


def load(schema: Schema) -> list[Series]:
    """Read and check `schema.path`; return its regular, gap-filled series (one per id)."""
    frame = readcsv.read(schema.path, schema.time_column, schema.columns, schema.id_column)
    times, lines = readcsv.parse_times(frame[schema.time_column], schema.time_column)
    values = np.column_stack([readcsv.numeric(frame[c], c, lines) for c in schema.columns])
    groups = _groups(frame, schema.id_column, lines)
    del frame
    series = [_regular(times[rows], values[rows], lines[rows], schema, key) for key, rows in groups]
    frequencies = {s.frequency for s in series}
    if len(frequencies) > 1:
        a, b = series[0], next(s for s in series if s.frequency != series[0].frequency)
        raise RnnCliError(f"{a.label} has frequency {a.frequency} but {b.label} has {b.frequency}; "
                          "one model needs one frequency: set data.frequency")
    return series


def _groups(frame: pd.DataFrame, id_column: str | None, lines: np.ndarray) -> list[tuple[str | None, np.ndarray]]:
    if id_column is None:
        return [(None, np.arange(len(frame)))]
    ids = frame[id_column].str.strip()
    empty = np.flatnonzero((ids.isna() | (ids == "")).to_numpy())
    if empty.size:
        raise RnnCliError(f"id column '{id_column}' is empty at line {lines[empty[0]]} ({empty.size} such rows); give every row its series id")
    codes, keys = pd.factorize(ids, sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    return [(str(key), order[bounds[k]:bounds[k + 1]]) for k, key in enumerate(keys)]


def _regular(times: pd.DatetimeIndex, values: np.ndarray, lines: np.ndarray, schema: Schema, key: str | None) -> Series:
    label = "the series" if key is None else f"series '{key}'"
    times, values, lines, notes = timegrid.sort(times, values, lines, label)
    times, more = timegrid.localize(times, schema.timezone, label)
    notes += more
    times, values, lines, more = timegrid.merge_duplicates(times, values, lines, schema.duplicates, label)
    notes += more
    for j, name in enumerate(schema.columns):
        if np.isnan(values[:, j]).all():
            raise RnnCliError(f"column '{name}' in {schema.path} has no values at all" + ("" if key is None else f" for {label}")
                              + "; fill it or leave it out of the config")
    freq = schema.frequency or timegrid.infer_frequency(times, label)
    grid, full, added = timegrid.to_grid(times, values, lines, freq, label)
    holes = np.isnan(full)
    count = int(holes.sum())
    if count:
        _check_holes(holes, grid, schema, label, count, added)
        timegrid.fill(full, holes, schema.missing)
        notes.append(f"{timegrid.prefix(label)}filled {timegrid.count(count, 'missing value')} ({timegrid.count(added, 'missing timestamp')}) by {schema.missing}")
    return Series(grid, full.astype(np.float32), schema.columns, freq, key, count, added, notes)


def _check_holes(holes: np.ndarray, grid: pd.DatetimeIndex, schema: Schema, label: str, count: int, added: int) -> None:
    if schema.missing == "error":
        row, col = map(int, np.argwhere(holes)[0])
        raise RnnCliError(f"{label}: {timegrid.count(count, 'value')} {'is' if count == 1 else 'are'} missing "
                          f"({timegrid.count(added, 'missing timestamp')}), the first at {grid[row]} in '{schema.columns[col]}'; "
                          "fill them in the CSV or set data.missing to interpolate or ffill")
    if schema.max_gap is not None:
        length, start, col = timegrid.longest_gap(holes)
        if length > schema.max_gap:
            raise RnnCliError(f"{label}: '{schema.columns[col]}' is missing for {length} steps in a row, from {grid[start]} to "
                              f"{grid[start + length - 1]}, more than data.max_gap={schema.max_gap}; fill that stretch, "
                              "raise data.max_gap, or start the data after it")
