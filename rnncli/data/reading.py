"""Read a CSV's columns and parse them: timestamps, and numbers checked cell by cell.

The header line is read first (`header.py`: the delimiter, the names, the columns asked for), a
UTF-8 BOM is accepted, and every problem is reported with the column
and the line of the file it concerns. Timestamps are read with one format for the whole column
(`timeparse.py`), or assembled from year, month, day (hour, minute, second) columns. Rows come in
chunks, so a file of millions of rows is never held as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.data import parquet
from rnncli.data.header import check_columns, check_file, sniff, unique_names
from rnncli.data.series import KEY_JOIN, Schema
from rnncli.data.timeparse import TimeParser
from rnncli.errors import RnnCliError, clip, count, quote

NA_STRINGS = [
    "",
    "NA",
    "N/A",
    "n/a",
    "NaN",
    "nan",
    "-NaN",
    "-nan",
    "NULL",
    "null",
    "None",
    "#N/A",
    "<NA>",
    "NaT",
]
CHUNK_ROWS = 100_000  # rows parsed at a time: a file's text never sits in memory whole
DECIMAL_COMMA = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")  # 2,5 or 2.345.678,9
# a separator of thousands, beside the decimal one: 1,234,567.8 (decimal '.') or 1.234.567,8 (',')
THOUSANDS = {
    ".": re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"),
    ",": re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$"),
}
PRECISION = 2.0**-18  # changes below this share of the values' size: float32 keeps too few of their digits
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")


@dataclass
class Chunk:
    """Consecutive rows of the file, parsed and checked."""

    times: pd.DatetimeIndex
    values: np.ndarray  # (rows, columns) float32, finite or NaN
    ids: (
        pd.Categorical | None
    )  # the id of each row: a code per row into the chunk's ids as text (not a string per row)
    lines: np.ndarray  # each row's line in the file (the header is line 1)


def read(schema: Schema, with_ids: bool = True, chunk_rows: int | None = None) -> Iterator[Chunk]:
    """The CSV's rows, `chunk_rows` (CHUNK_ROWS) at a time, after checking that the columns exist."""
    path = Path(schema.path)
    check_file(path)
    header, delimiter = (parquet.names(path), ",") if parquet.is_parquet(path) else sniff(path)
    if schema.decimal == "," and delimiter == "," and not parquet.is_parquet(path):
        raise RnnCliError(
            f"data.decimal is ',' but {path} separates its columns with commas too; a file with decimal "
            "commas separates columns with ';' (or tabs)"
        )
    id_columns = schema.id_columns if with_ids and not schema.wide else []
    wanted = [*schema.time_columns, *id_columns, *schema.read_columns]
    check_columns(path, header, wanted)
    parser = TimeParser(schema.time_column, schema.time_format)
    empty = True
    try:
        for frame, lines in _numbered(_frames(path, schema, header, delimiter, id_columns, chunk_rows)):
            empty = False
            yield _parse(frame, schema, id_columns, lines, parser, delimiter)
    except (pd.errors.ParserError, ValueError) as exc:
        detail = clip(str(exc).strip().splitlines()[-1], 200)
        raise RnnCliError(f"cannot parse {path} as CSV with delimiter {delimiter!r}: {detail}") from exc
    if empty:
        raise RnnCliError(f"{path} has a header but no data rows")


def _frames(
    path: Path, schema: Schema, header: list[str], delimiter: str, id_columns: list[str], rows: int | None
) -> Iterator[pd.DataFrame]:
    """The columns asked for, as text where they are names (times, ids), CHUNK_ROWS rows at a time."""
    text = {c: str for c in [*schema.time_columns, *id_columns]}
    wanted = [*schema.time_columns, *id_columns, *schema.read_columns]
    if parquet.is_parquet(path):
        return parquet.frames(path, list(dict.fromkeys(wanted)), list(text), rows or CHUNK_ROWS)
    # an id such as "NA" (North America) is a name, not a missing value: only empty ids are missing
    na = {c: NA_STRINGS for c in [*schema.time_columns, *schema.read_columns]} | {c: [""] for c in id_columns}
    return pd.read_csv(
        path,
        sep=delimiter,
        encoding="utf-8-sig",
        header=0,
        names=unique_names(header),
        usecols=wanted,
        dtype=text,
        skipinitialspace=True,
        keep_default_na=False,
        na_values=na,
        decimal=schema.decimal,
        chunksize=rows or CHUNK_ROWS,
        skip_blank_lines=False,  # counted, so that every line number an error names is the file's
    )


def _numbered(frames: Iterator[pd.DataFrame]) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Each chunk's rows with their line in the file (the header is line 1), blank lines left out."""
    first_line = 2
    for frame in frames:
        lines = np.arange(first_line, first_line + len(frame))
        first_line += len(frame)
        blank = frame.isna().all(axis=1).to_numpy()  # a blank line, or one with nothing read
        if blank.any():
            frame, lines = frame[~blank], lines[~blank]
        if not frame.empty:
            yield frame, lines


def _parse(
    frame: pd.DataFrame,
    schema: Schema,
    id_columns: list[str],
    lines: np.ndarray,
    parser: TimeParser,
    delimiter: str,
) -> Chunk:
    if schema.time_parts:
        times = assemble_times(frame, schema.time_parts, lines)
    else:
        times = parser.parse(frame[schema.time_column], lines)
    values = np.empty((len(frame), len(schema.read_columns)), dtype=np.float32)
    for j, c in enumerate(schema.read_columns):
        values[:, j] = numeric(frame[c], c, lines, schema.decimal, delimiter)
    return Chunk(times, values, _ids(frame, id_columns, lines) if id_columns else None, lines)


def _ids(frame: pd.DataFrame, id_columns: list[str], lines: np.ndarray) -> pd.Categorical:
    """Each row's series: its id column's value, or its key columns' values joined by KEY_JOIN."""
    parts = []
    for column in id_columns:
        text = frame[column].str.strip()
        empty = np.flatnonzero((text.isna() | (text == "")).to_numpy())
        if empty.size:
            raise RnnCliError(
                f"id column '{clip(column)}' is empty at line {lines[empty[0]]} "
                f"({count(empty.size, 'such row')}); give every row its series id"
            )
        joined = (
            np.flatnonzero(text.str.contains(KEY_JOIN, regex=False).to_numpy()) if len(id_columns) > 1 else []
        )
        if len(joined):
            raise RnnCliError(
                f"id column '{clip(column)}' holds {quote(text.iloc[joined[0]])} at line {lines[joined[0]]}: "
                f"'{KEY_JOIN}' joins the values of a key of several columns; write those values without it"
            )
        parts.append(text)
    key = parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1:], sep=KEY_JOIN)
    return pd.Categorical(key)


def assemble_times(frame: pd.DataFrame, parts: tuple[str, ...], lines: np.ndarray) -> pd.DatetimeIndex:
    """Timestamps from the columns of year, month, day, hour, minute, second (in that order; those
    left out are the first day, hour 0, ...), each cell a whole number."""
    units = {}
    for unit, column in zip(TIME_PARTS, parts):
        text = frame[column].astype("string").str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        bad = np.flatnonzero((numbers.isna() | (numbers % 1 != 0)).fillna(True).to_numpy())
        if bad.size:
            i = bad[0]
            raise RnnCliError(
                f"time column '{clip(column)}' (the {unit}) holds {quote(frame[column].iloc[i])} at line "
                f"{lines[i]}, not a whole number ({count(bad.size, 'such row')}); fix those cells"
            )
        units[unit] = numbers.astype("int64")
    units.setdefault("day", pd.Series(1, index=frame.index))
    table = pd.DataFrame(units)
    times = pd.to_datetime(table, errors="coerce")
    bad = np.flatnonzero(times.isna().to_numpy())
    if bad.size:
        i = bad[0]
        written = ", ".join(f"{unit} {table[unit].iloc[i]}" for unit in table.columns)
        raise RnnCliError(
            f"time columns {', '.join(clip(c, 40) for c in parts)} at line {lines[i]} ({written}) are not "
            f"a date ({count(bad.size, 'such row')}); fix those cells"
        )
    return pd.DatetimeIndex(times)


def numeric(
    raw: pd.Series, name: str, lines: np.ndarray, decimal: str = ".", delimiter: str = ","
) -> np.ndarray:
    """The column as float64; text, infinite values and values beyond float32 are refused by line."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        text = raw.astype("string").str.strip()
        numbers = as_numbers(text, decimal)
        bad = np.flatnonzero((numbers.isna() & text.notna() & (text != "")).to_numpy())
        if bad.size:
            raise RnnCliError(_not_numeric(raw, text, bad, name, lines, decimal, delimiter))
        values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    huge = np.flatnonzero(np.abs(values) > np.finfo(np.float32).max)
    if huge.size:
        i = huge[0]
        raise RnnCliError(
            f"column '{clip(name)}' holds {quote(raw.iloc[i])} at line {lines[i]}: infinite or too large "
            "(beyond ±3.4e38); fix or empty those cells"
        )
    _check_precision(values, raw, name, lines)
    return values


def _check_precision(values: np.ndarray, raw: pd.Series, name: str, lines: np.ndarray) -> None:
    """Refuse what float32, in which rnncli holds and trains on values, cannot tell apart: a value
    too close to zero to be held (it would become 0), and changes too small beside the values'
    size (1e8 + 0.5: about seven significant digits are kept)."""
    size = np.abs(values)
    tiny = np.flatnonzero((size > 0) & (size < np.finfo(np.float32).tiny))
    if tiny.size:
        i = tiny[0]
        raise RnnCliError(
            f"column '{clip(name)}' holds {quote(raw.iloc[i])} at line {lines[i]}: too close to zero to be "
            "held (below 1.2e-38, it would read as 0); multiply the column by a power of ten"
        )
    finite = values[np.isfinite(values)]
    if len(finite) < 2:
        return
    low, high, top = float(finite.min()), float(finite.max()), float(np.abs(finite).max())
    if 0 < high - low < top * PRECISION:
        raise RnnCliError(
            f"column '{clip(name)}' varies from {low:.10g} to {high:.10g}: changes that small beside values "
            f"that large are lost in the 7 significant digits rnncli computes with; subtract a constant "
            f"from the column (e.g. {float(f'{low:.2g}'):g}) so that what changes is what is left"
        )


def as_numbers(text: pd.Series, decimal: str = ".") -> pd.Series:
    """Cells of text as numbers (NaN where one is not), read as the file writes them: with `decimal`
    as the decimal separator and the other one between thousands only (1,234.5 or 1.234,5); with
    a decimal comma, a '.' anywhere else (1.5) is not a number."""
    text = text.astype("string").str.strip()
    grouped = text.str.match(THOUSANDS[decimal]).fillna(False)
    other = "," if decimal == "." else "."
    plain = text.where(~grouped, text.str.replace(other, "", regex=False))
    if decimal == ",":
        plain = plain.where(grouped | ~plain.str.contains(".", regex=False).fillna(False), None)
        plain = plain.str.replace(",", ".", regex=False)
    return pd.to_numeric(plain, errors="coerce")


def _not_numeric(
    raw: pd.Series,
    text: pd.Series,
    bad: np.ndarray,
    name: str,
    lines: np.ndarray,
    decimal: str,
    delimiter: str,
) -> str:
    """Why a column is not numbers, naming the first bad cell; a decimal comma is recognised and named."""
    i = bad[0]
    cells = text.iloc[bad]
    if decimal == "," and bool(cells.str.contains(".", regex=False).all()):
        return (
            f"column '{clip(name)}' holds {quote(raw.iloc[i])} at line {lines[i]} "
            f"({count(bad.size, 'such row')}): with data.decimal ',' a '.' can only separate thousands "
            "(1.234,5); fix those cells, or set data.decimal: '.' if the file's decimals are dots"
        )
    if decimal == "." and bool(cells.str.match(DECIMAL_COMMA).all()):
        fix = (
            "as in this ';'-separated file; set data.decimal: ',' to read them"
            if delimiter != ","
            else "save the file with ';' between columns and set data.decimal: ','"
        )
        return (
            f"column '{clip(name)}' holds {quote(raw.iloc[i])} at line {lines[i]} "
            f"({count(bad.size, 'such row')}): numbers written with a decimal comma; {fix}"
        )
    return (
        f"column '{clip(name)}' must be numeric, but line {lines[i]} holds {quote(raw.iloc[i])} "
        f"({count(bad.size, 'such row')}); fix those cells or leave the column out"
    )
