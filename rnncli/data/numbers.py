"""Cells of a value column read as numbers, as the file writes them: decimal commas or dots,
separators of thousands, empty cells as missing; text, infinite values and values float32 cannot
hold are refused by line, saying how to fix them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

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
DECIMAL_COMMA = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")  # 2,5 or 2.345.678,9
# a separator of thousands, beside the decimal one: 1,234,567.8 (decimal '.') or 1.234.567,8 (',')
THOUSANDS = {
    ".": re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"),
    ",": re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$"),
}
PRECISION = 2.0**-18  # changes below this share of the values' size: float32 keeps too few of their digits


def numeric(
    raw: pd.Series,
    name: str,
    lines: np.ndarray,
    decimal: str = ".",
    delimiter: str = ",",
    feature: bool = False,
) -> np.ndarray:
    """The column as float64; text, infinite values and values beyond float32 are refused by line
    (for a `feature`, the message says how to read it as categories)."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        text = raw.astype("string").str.strip()
        numbers = as_numbers(text, decimal)
        bad = np.flatnonzero((numbers.isna() & text.notna() & (text != "")).to_numpy())
        if bad.size:
            why = _not_numeric(raw, text, bad, name, lines, decimal, delimiter)
            if feature and why.endswith("leave the column out"):
                why += ", or list it in data.categorical to read its values as categories"
            raise RnnCliError(why)
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
