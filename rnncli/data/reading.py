"""Read a CSV's columns and parse them: timestamps, and numbers checked cell by cell.

The header line is read first (`header.py`: the delimiter, the names, the columns asked for), a
UTF-8 BOM is accepted, and every problem is reported with the column
and the line of the file it concerns. Timestamps are read with one format for the whole column
(`timeparse.py`), or assembled from year, month, day (hour, minute, second) columns. Rows come in
chunks, so a file of millions of rows is never held as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.data import parquet
from rnncli.data.categories import Vocabulary
from rnncli.data.header import check_columns, check_file, sniff, unique_names
from rnncli.data.numbers import NA_STRINGS, numeric
from rnncli.data.series import KEY_JOIN, Schema
from rnncli.data.timeparse import TimeParser
from rnncli.errors import RnnCliError, clip, count, quote

CHUNK_ROWS = 100_000  # rows parsed at a time: a file's text never sits in memory whole
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


def read(
    schema: Schema, with_ids: bool = True, chunk_rows: int | None = None, vocabulary: Vocabulary | None = None
) -> Iterator[Chunk]:
    """The CSV's rows, `chunk_rows` (CHUNK_ROWS) at a time, after checking that the columns exist.
    A categorical column's cells are read as their indices in `vocabulary` (which collects them)."""
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
    vocabulary = vocabulary if vocabulary is not None else Vocabulary()
    empty = True
    try:
        for frame, lines in _numbered(_frames(path, schema, header, delimiter, id_columns, chunk_rows)):
            empty = False
            yield _parse(frame, schema, id_columns, lines, parser, delimiter, vocabulary)
    except (pd.errors.ParserError, ValueError) as exc:
        detail = clip(str(exc).strip().splitlines()[-1], 200)
        raise RnnCliError(f"cannot parse {path} as CSV with delimiter {delimiter!r}: {detail}") from exc
    if empty:
        raise RnnCliError(f"{path} has a header but no data rows")


def _frames(
    path: Path, schema: Schema, header: list[str], delimiter: str, id_columns: list[str], rows: int | None
) -> Iterator[pd.DataFrame]:
    """The columns asked for, as text where they are names (times, ids), CHUNK_ROWS rows at a time."""
    text = {c: str for c in [*schema.time_columns, *id_columns, *schema.categorical]}
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
    vocabulary: Vocabulary,
) -> Chunk:
    if schema.time_parts:
        times = assemble_times(frame, schema.time_parts, lines)
    else:
        times = parser.parse(frame[schema.time_column], lines)
    values = np.empty((len(frame), len(schema.read_columns)), dtype=np.float32)
    for j, c in enumerate(schema.read_columns):
        if c in schema.categorical:
            values[:, j] = vocabulary.code(frame[c], c)
        else:
            feature = c not in schema.targets and not schema.wide
            values[:, j] = numeric(frame[c], c, lines, schema.decimal, delimiter, feature)
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
