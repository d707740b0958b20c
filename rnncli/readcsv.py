"""Read a CSV's columns and parse them: timestamps, and numbers checked cell by cell.

The delimiter is detected from the header (comma, semicolon, tab or |), a UTF-8 BOM is accepted,
and every problem is reported with the column and the line of the file it concerns.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.coerce import nearest
from rnncli.errors import RnnCliError

DELIMITERS = (",", ";", "\t", "|")
NA_STRINGS = ["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "#N/A", "<NA>", "NaT"]


def read(path: str | Path, time_column: str, columns: list[str], id_column: str | None = None) -> pd.DataFrame:
    """The CSV's time, id and value columns (time and id as text), after checking they exist."""
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
    try:
        text = {time_column: str, **({id_column: str} if id_column else {})}
        # an id such as "NA" (North America) is a name, not a missing value: only empty ids are missing
        na = {c: NA_STRINGS for c in [time_column, *columns]} | ({id_column: [""]} if id_column else {})
        frame = pd.read_csv(path, sep=delimiter, encoding="utf-8-sig", usecols=wanted, dtype=text, skipinitialspace=True,
                            keep_default_na=False, na_values=na)
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


def parse_times(raw: pd.Series, name: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
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
