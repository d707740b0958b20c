"""Read a CSV's columns and parse them: timestamps, and numbers checked cell by cell.

The delimiter is detected from the header (comma, semicolon, tab or |), a UTF-8 BOM is accepted,
and every problem is reported with the column and the line of the file it concerns. Rows come in
chunks, so a file of millions of rows is never held as text.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.config.coerce import nearest
from rnncli.errors import RnnCliError

DELIMITERS = (",", ";", "\t", "|")
NA_STRINGS = ["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "#N/A", "<NA>", "NaT"]


CHUNK_ROWS = 100_000  # rows parsed at a time: a file's text never sits in memory whole
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


@dataclass
class Chunk:
    """Consecutive rows of the file, parsed and checked."""

    times: pd.DatetimeIndex
    values: np.ndarray  # (rows, columns) float32, finite or NaN
    ids: np.ndarray | None  # the id of each row, as text
    lines: np.ndarray  # each row's line in the file (the header is line 1)


def read(path: str | Path, time_column: str, columns: list[str], id_column: str | None = None,
         chunk_rows: int | None = None) -> Iterator[Chunk]:
    """The CSV's rows, `chunk_rows` (CHUNK_ROWS) at a time, after checking that the columns exist."""
    path = Path(path)
    if not path.is_file():
        raise RnnCliError(f"data file '{path}' not found (data.path is read from the current folder, then from the config's folder); check the path or pass --data")
    header, delimiter = _sniff(path)
    wanted = [time_column, *([id_column] if id_column else []), *columns]
    missing = [c for c in wanted if c not in header]
    if missing:
        guess = nearest(missing[0], header[:10000])
        shown = ", ".join(name[:40] for name in header[:12]) + (", ..." if len(header) > 12 else "")
        raise RnnCliError(
            f"column '{missing[0][:80]}' is not in {path}" + (f" (did you mean '{guess}'?)" if guess else "")
            + f"; its columns are: {shown}"
        )
    text = {time_column: str, **({id_column: str} if id_column else {})}
    # an id such as "NA" (North America) is a name, not a missing value: only empty ids are missing
    na = {c: NA_STRINGS for c in [time_column, *columns]} | ({id_column: [""]} if id_column else {})
    first_line, empty = 2, True
    try:
        for frame in pd.read_csv(path, sep=delimiter, encoding="utf-8-sig", usecols=wanted, dtype=text, skipinitialspace=True,
                                 keep_default_na=False, na_values=na, chunksize=chunk_rows or CHUNK_ROWS):
            if frame.empty:
                continue
            lines = np.arange(first_line, first_line + len(frame))
            first_line += len(frame)
            empty = False
            yield _parse(frame, time_column, columns, id_column, lines)
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise RnnCliError(f"cannot parse {path} as CSV with delimiter {delimiter!r}: {detail}") from exc
    if empty:
        raise RnnCliError(f"{path} has a header but no data rows")


def _parse(frame: pd.DataFrame, time_column: str, columns: list[str], id_column: str | None, lines: np.ndarray) -> Chunk:
    times = parse_times(frame[time_column], time_column, lines)
    values = np.empty((len(frame), len(columns)), dtype=np.float32)
    for j, c in enumerate(columns):
        values[:, j] = numeric(frame[c], c, lines)
    ids = None
    if id_column:
        ids = frame[id_column].str.strip().to_numpy(dtype=object)
        empty = np.flatnonzero(pd.isna(ids) | (ids == ""))
        if empty.size:
            raise RnnCliError(f"id column '{id_column}' is empty at line {lines[empty[0]]} ({empty.size} such rows); give every row its series id")
    return Chunk(times, values, ids, lines)


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


def parse_times(raw: pd.Series, name: str, lines: np.ndarray) -> pd.DatetimeIndex:
    """Parse the time column, naming the line of the first value that is not a time.

    ISO timestamps without a zone (2021-01-01, 2021-01-01 06:00:00) are read by numpy, several
    times faster; anything else by pandas, which infers one format from the first value and
    parses the rows it cannot read (a column mixing dates and date-times, say) one by one.
    """
    first = raw.iloc[0] if len(raw) else None
    if isinstance(first, str) and ISO.match(first.strip()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy would quietly convert a "+01:00" to UTC: leave zones to pandas
                return pd.DatetimeIndex(raw.to_numpy(dtype=object).astype("datetime64[us]"))
        except (ValueError, TypeError, Warning):
            pass  # a bad, empty or zoned value somewhere: pandas finds and names it
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
    return pd.DatetimeIndex(parsed)


def _to_datetime(values: pd.Series, **kw) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return pd.to_datetime(values, errors="coerce", **kw)
        except (ValueError, TypeError):  # several UTC offsets: compare them in UTC
            return pd.to_datetime(values, errors="coerce", utc=True, **kw)


def numeric(raw: pd.Series, name: str, lines: np.ndarray) -> np.ndarray:
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
