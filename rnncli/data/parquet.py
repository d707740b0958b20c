"""Parquet files, read as their CSV would be: the same columns, a batch of rows at a time, times
and names as text (the CSV's reading and checks then apply unchanged), numbers as numbers. So
the same data as CSV and as Parquet gives the same series, and the same run.

pyarrow is an optional extra (`rnncli[parquet]`), imported only when a Parquet file is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.errors import RnnCliError

SUFFIXES = (".parquet", ".pq")


def is_parquet(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def _file(path: Path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise RnnCliError(
            f"reading the Parquet file {path} needs pyarrow: pip install 'rnncli[parquet]' (or save it as "
            "CSV)"
        ) from None
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow's own errors: not a Parquet file, damaged
        raise RnnCliError(f"cannot read {path} as Parquet ({type(exc).__name__}: {exc})") from None


def names(path: Path) -> list[str]:
    return list(_file(path).schema_arrow.names)


def rows(path: Path) -> int:
    return _file(path).metadata.num_rows


def frames(path: Path, columns: list[str], text: list[str], batch: int) -> Iterator[pd.DataFrame]:
    """`columns` of the file, `batch` rows at a time; the `text` ones (times, ids) as the text a CSV
    would hold, NA where empty."""
    for part in _file(path).iter_batches(batch_size=batch, columns=columns):
        frame = part.to_pandas()
        for name in text:
            frame[name] = as_text(frame[name])
        yield frame


def head(path: Path, count: int) -> pd.DataFrame:
    """The first `count` rows, every column as text (what `init` looks at)."""
    first = next(_file(path).iter_batches(batch_size=count), None)
    if first is None:
        return pd.DataFrame(columns=names(path))
    frame = first.to_pandas()
    return pd.DataFrame({name: as_text(frame[name]) for name in frame.columns})


def as_text(column: pd.Series) -> pd.Series:
    """A column as a CSV writes it: timestamps in ISO form (with their offset, and fractions of a
    second only where there are some), whole floats without '.0', NA where empty."""
    if pd.api.types.is_datetime64_any_dtype(column):
        has_fraction = bool(
            (column.dropna().dt.microsecond != 0).any() or (column.dropna().dt.nanosecond != 0).any()
        )
        pattern = (
            "%Y-%m-%d %H:%M:%S" + (".%f" if has_fraction else "") + ("%z" if column.dt.tz is not None else "")
        )
        out = column.dt.strftime(pattern)
        if column.dt.tz is not None:  # +0100 -> +01:00
            out = out.str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
        return out.astype("string")
    if pd.api.types.is_float_dtype(column):
        whole = column.dropna()
        if len(whole) and bool(np.all(np.mod(whole, 1) == 0)):
            return column.astype("Int64").astype("string")
    return column.astype("string")
