"""CSV -> a checked, regular time series.

Reads the file (delimiter detected, UTF-8 with or without BOM), parses the time column, checks that
the value columns exist and are numeric, sorts by time, refuses repeated timestamps, finds the
frequency, puts the rows on a regular grid and fills the gaps. Every problem is reported with the
column and line it concerns. Splitting, scaling and windowing are left to `windows.py`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.coerce import nearest
from rnncli.errors import RnnCliError

DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Schema:
    """What to read from a CSV: plain values, taken from the config or from a checkpoint."""

    path: str
    time_column: str
    targets: tuple[str, ...]
    features: tuple[str, ...] = ()
    frequency: str | None = None
    missing: str = "interpolate"

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
    filled: int = 0
    added_rows: int = 0
    notes: list[str] = field(default_factory=list)


def load(schema: Schema) -> Series:
    """Read and check `schema.path`; return its regular, gap-filled series."""
    frame = _read(schema)
    times, lines = _parse_times(frame[schema.time_column], schema.time_column)
    values = np.column_stack([_numeric(frame[c], c, lines) for c in schema.columns])
    del frame
    notes: list[str] = []
    if not times.is_monotonic_increasing:
        order = np.argsort(times.values, kind="stable")
        times, values, lines = times[order], values[order], lines[order]
        notes.append(f"rows were not in time order; sorted them by '{schema.time_column}'")
    _refuse_duplicates(times, lines)
    for j, name in enumerate(schema.columns):
        if np.isnan(values[:, j]).all():
            raise RnnCliError(f"column '{name}' in {schema.path} has no values at all; fill it or leave it out of the config")
    freq = schema.frequency or infer_frequency(times, schema.time_column)
    series = regularize(times, values, lines, freq, schema)
    series.notes[:0] = notes
    return series


def _read(schema: Schema) -> pd.DataFrame:
    path = Path(schema.path)
    if not path.is_file():
        raise RnnCliError(f"data file '{path}' not found (data.path is read from the current folder, then from the config's folder); check the path or pass --data")
    header, delimiter = _sniff(path)
    missing = [c for c in [schema.time_column, *schema.columns] if c not in header]
    if missing:
        guess = nearest(missing[0], header[:10000])
        shown = ", ".join(name[:40] for name in header[:12]) + (", ..." if len(header) > 12 else "")
        raise RnnCliError(
            f"column '{missing[0][:80]}' is not in {path}" + (f" (did you mean '{guess}'?)" if guess else "")
            + f"; its columns are: {shown}"
        )
    try:
        frame = pd.read_csv(path, sep=delimiter, encoding="utf-8-sig", usecols=[schema.time_column, *schema.columns],
                            dtype={schema.time_column: str}, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise RnnCliError(f"cannot parse {path} as CSV with delimiter {delimiter!r}: {detail}") from exc
    if frame.empty:
        raise RnnCliError(f"{path} has a header but no data rows")
    return frame


def _sniff(path: Path) -> tuple[list[str], str]:
    """The header's column names and the delimiter that splits it best."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline(1 << 20).rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from exc
    if not first.strip():
        raise RnnCliError(f"{path} is empty: it needs a header line and rows of data")
    delimiter = max(DELIMITERS, key=first.count)
    header = [name.strip().strip('"') for name in first.split(delimiter)]
    return header, delimiter


def _parse_times(raw: pd.Series, name: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Parse the time column; return it with each row's line number in the file.

    The fast path infers one format from the first value; rows it cannot read (a column mixing
    `2021-01-01` and `2021-01-01 06:00`, say) are parsed again one by one.
    """
    lines = np.arange(2, len(raw) + 2)  # line 1 is the header
    parsed = _to_datetime(raw)
    retry = parsed.isna() & raw.notna()
    if retry.any():
        again = _to_datetime(raw[retry], format="mixed")
        if (parsed.dt.tz is None) != (again.dt.tz is None) and again.notna().any():
            i = int(np.flatnonzero(retry.to_numpy())[0])
            raise RnnCliError(f"time column '{name}' mixes times with and without a time zone (line {lines[i]}: {raw.iloc[i]!r}); "
                              "write every timestamp the same way")
        if parsed.dt.tz is not None:
            parsed, again = parsed.dt.tz_convert("UTC"), again.dt.tz_convert("UTC")
        parsed = pd.concat([parsed[~retry], again]).sort_index()
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = bad[0]
        value = raw.iloc[i]
        what = "is empty" if pd.isna(value) or not str(value).strip() else f"holds {value!r}, which is not a date/time"
        raise RnnCliError(f"time column '{name}' {what} at line {lines[i]} ({bad.size} such rows); fix or remove those rows")
    return pd.DatetimeIndex(parsed), lines


def _to_datetime(values: pd.Series, **kw) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return pd.to_datetime(values, errors="coerce", **kw)
        except (ValueError, TypeError):  # several UTC offsets: compare them in UTC
            return pd.to_datetime(values, errors="coerce", utc=True, **kw)


def _numeric(raw: pd.Series, name: str, lines: np.ndarray) -> np.ndarray:
    """The column as float64; text, infinite values and values beyond float32 are refused by line."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        numbers = pd.to_numeric(raw, errors="coerce")
        text = raw.astype("string").str.strip()
        bad = np.flatnonzero((numbers.isna() & text.notna() & (text != "")).to_numpy())
        if bad.size:
            i = bad[0]
            raise RnnCliError(f"column '{name}' must be numeric, but line {lines[i]} holds {raw.iloc[i]!r} ({bad.size} such rows); "
                              "fix those cells or leave the column out")
        values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    huge = np.flatnonzero(np.abs(values) > np.finfo(np.float32).max)
    if huge.size:
        i = huge[0]
        raise RnnCliError(f"column '{name}' holds {raw.iloc[i]!r} at line {lines[i]}: infinite or too large (beyond ±3.4e38); "
                          "fix or empty those cells")
    return values


def _refuse_duplicates(times: pd.DatetimeIndex, lines: np.ndarray) -> None:
    dup = np.flatnonzero(times.duplicated())
    if dup.size:
        i = dup[0]
        raise RnnCliError(f"timestamp {times[i]} appears more than once (lines {lines[i - 1]} and {lines[i]}; {dup.size} repeats in all); keep one row per timestamp")


def infer_frequency(times: pd.DatetimeIndex, name: str) -> str:
    """The pandas offset alias of the series' step (D, h, 15min, W-SUN, MS, ...), gaps allowed."""
    if len(times) < 3:
        raise RnnCliError(f"'{name}' has {len(times)} rows: too few to infer the frequency; add data or set data.frequency")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = pd.infer_freq(times)
    if found is not None:
        return pd.tseries.frequencies.to_offset(found).freqstr
    steps = pd.Series(times[1:] - times[:-1])
    step = steps.mode().iloc[0]
    calendar = _calendar_frequency(times, step)
    if calendar:
        return calendar
    if step <= pd.Timedelta(0):
        raise RnnCliError(f"cannot infer the frequency of '{name}'; set data.frequency (e.g. D, h, 15min, W-SUN, MS)")
    if step % pd.Timedelta(days=1) == pd.Timedelta(0):
        return f"{step.days}D" if step.days > 1 else "D"
    return pd.tseries.frequencies.to_offset(step).freqstr


def _calendar_frequency(times: pd.DatetimeIndex, step: pd.Timedelta) -> str | None:
    """Monthly, quarterly, yearly or weekly steps, which a fixed time delta cannot describe."""
    days = step / pd.Timedelta(days=1)
    start = all(times.is_month_start)
    end = all(times.is_month_end)
    if 28 <= days <= 31 and (start or end):
        return "MS" if start else "ME"
    if 89 <= days <= 92 and (start or end):
        return "QS" if start else "QE"
    if 365 <= days <= 366 and (start or end):
        return "YS" if start else "YE"
    if days == 7:
        return f"W-{times[0].day_name()[:3].upper()}"
    return None


def season_of(frequency: str) -> int:
    """Steps in one natural cycle: hourly 24, daily 7, weekly 52, monthly 12, quarterly 4."""
    offset = pd.tseries.frequencies.to_offset(frequency)
    name = offset.rule_code.split("-")[0]
    cycles = {"W": 52, "MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "YS": 1, "YE": 1, "Y": 1, "B": 5}
    if name in cycles:
        return cycles[name] if offset.n == 1 else 1
    try:  # the step of one period; pandas versions differ on whether a Day offset converts to a Timedelta
        stamps = pd.date_range("2001-01-01", periods=2, freq=offset)
    except ValueError:
        return 1
    step = stamps[1] - stamps[0]
    if step == pd.Timedelta(days=1):
        return 7
    day = pd.Timedelta(days=1)
    return int(day / step) if step < day and day % step == pd.Timedelta(0) else 1


def regularize(times: pd.DatetimeIndex, values: np.ndarray, lines: np.ndarray, freq: str, schema: Schema) -> Series:
    """Reindex onto the regular grid of `freq` and fill missing values per `schema.missing`."""
    try:
        grid = pd.date_range(times[0], times[-1], freq=freq)
    except ValueError as exc:
        raise RnnCliError(f"data.frequency: {freq!r} is not a pandas frequency (e.g. D, h, 15min, W-SUN, MS)") from exc
    pos = grid.get_indexer(times)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise RnnCliError(f"timestamp {times[i]} (line {lines[i]}) is not on the regular '{freq}' grid that starts at {times[0]}; set data.frequency to the data's real step")
    full = np.full((len(grid), values.shape[1]), np.nan)
    full[pos] = values
    added = len(grid) - len(times)
    holes = np.isnan(full)
    count = int(holes.sum())
    notes = []
    if count:
        if schema.missing == "error":
            row, col = map(int, np.argwhere(holes)[0])
            raise RnnCliError(f"{_count(count, 'value')} {'is' if count == 1 else 'are'} missing ({_count(added, 'missing timestamp')}), "
                              f"the first at {grid[row]} in '{schema.columns[col]}'; "
                              "fill them in the CSV or set data.missing to interpolate or ffill")
        _fill(full, holes, schema.missing)
        notes.append(f"filled {_count(count, 'missing value')} ({_count(added, 'missing timestamp')}) by {schema.missing}")
    return Series(grid, full.astype(np.float32), schema.columns, freq, filled=count, added_rows=added, notes=notes)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _fill(values: np.ndarray, holes: np.ndarray, how: str) -> None:
    """Fill NaNs in place, column by column: linear in time, or the last value seen."""
    steps = np.arange(len(values))
    for j in np.flatnonzero(holes.any(axis=0)):
        known = ~holes[:, j]
        if how == "interpolate":
            values[:, j] = np.interp(steps, steps[known], values[known, j])
        else:  # ffill; values before the first observation take the first one
            last = np.maximum.accumulate(np.where(known, steps, -1))
            first = int(np.argmax(known))
            values[:, j] = values[np.where(last < 0, first, last), j]
