"""What a CSV holds, for `rnncli init`: its time column, its layout, its id column and its targets.

`detect(path, ...)` reads the head of the file (the delimiter, the header, up to SAMPLE rows) and
decides, each with a reason, whatever the user did not say:

- the time column: one whose values all read as dates or times (preferring a name such as date,
  time or month), or columns named year, month (day, hour, ...) to assemble;
- a long file (several series stacked, an id column naming each): the time column repeats, and a
  text column tells the repeats apart; a wide file: several numeric columns beside one time
  column, each its own series; otherwise one series;
- the targets: the numeric columns, less constant ones and counters (0, 1, 2, ...), each left out
  with its reason; and a decimal comma, where a ';' file's numbers are written with one.

Bad or ambiguous files get the same one-line errors as `rnncli check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.data import header, numbers, parquet, reading
from rnncli.data.categories import Vocabulary
from rnncli.data.series import KEY_JOIN, Schema
from rnncli.data.timeparse import TimeParser
from rnncli.errors import RnnCliError, clip, nearest

SAMPLE = 50_000  # rows read to decide
TIME_NAMES = re.compile(
    r"^(ds|date|dates|time|times|timestamp|datetime|day|week|month|period|stamp|when)$", re.IGNORECASE
)
PART_NAMES = ("year", "month", "day", "hour", "minute", "second")


@dataclass
class FileLayout:
    """What the file holds, decided; `reasons` says why, key by key, for the config's comments."""

    time_column: str | list[str]
    targets: list[str]
    id_column: str | list[str] | None = None  # a list: the columns whose values together name a series
    layout: str = "long"
    decimal: str = "."
    left_out: dict[str, str] = field(default_factory=dict)  # column: why it is not a target
    numeric: list[str] = field(default_factory=list)  # the numeric columns (targets among them)

    @property
    def keys(self) -> list[str]:
        """The columns that name a series (none for one series)."""
        return [self.id_column] if isinstance(self.id_column, str) else list(self.id_column or [])

    features: list[str] = field(default_factory=list)  # past covariates
    future_features: list[str] = field(default_factory=list)  # covariates known ahead
    counters: list[str] = field(default_factory=list)  # numeric columns that count rows: 0, 1, 2, ...
    text: list[str] = field(default_factory=list)  # columns of text (neither times nor keys)
    static_features: list[str] = field(default_factory=list)  # per-series attributes
    categorical: list[str] = field(default_factory=list)  # the covariates of text
    past_candidates: list[str] = field(default_factory=list)  # past features for the validation part to weigh
    reasons: dict[str, str] = field(default_factory=dict)  # config key: why


def detect(
    path: str | Path,
    time_column: str | list[str] | None = None,
    targets: list[str] | None = None,
    id_column: str | None = None,
    time_format: str | None = None,
) -> FileLayout:
    """Decide the file's layout from its head; what is given is taken as it is (`time_format`: how
    the time column writes its timestamps, which then finds it)."""
    path = Path(path)
    header.check_file(path)
    names, delimiter = (parquet.names(path), ",") if parquet.is_parquet(path) else header.sniff(path)
    head = _head(path, names, delimiter)
    if head.empty:
        raise RnnCliError(f"{path} has a header but no data rows")
    if len(head.columns) == 1:  # a time column and a value at least
        raise header.one_column(path)
    given = [time_column] if isinstance(time_column, str) else list(time_column or [])
    header.check_columns(path, list(head.columns), [*given, *([id_column] if id_column else [])])
    out = FileLayout(time_column or "", [])
    out.time_column = time_column or _time_column(head, out, time_format)
    times = [out.time_column] if isinstance(out.time_column, str) else out.time_column
    decimal = "," if delimiter == ";" and _decimal_comma(head, times) else "."
    if decimal == ",":
        out.decimal, out.reasons["data.decimal"] = ",", "the numbers are written with a decimal comma"
    numeric = {c: _numbers(head[c], decimal) for c in head.columns if c not in times}
    numeric = {c: v for c, v in numeric.items() if v is not None}
    out.id_column = id_column or _id_column(head, times, numeric, out)
    out.numeric = [c for c in numeric if c not in out.keys]
    out.counters = [c for c, v in numeric.items() if c not in out.keys and _counter(v)]
    _targets(out, numeric, targets, [c for c in head.columns if c not in times and c not in out.keys])
    return out


def _head(path: Path, names: list[str], delimiter: str) -> pd.DataFrame:
    """The file's first SAMPLE rows, every cell as text."""
    if parquet.is_parquet(path):
        return parquet.head(path, SAMPLE)
    try:
        return pd.read_csv(
            path,
            sep=delimiter,
            encoding="utf-8-sig",
            dtype=str,
            nrows=SAMPLE,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=numbers.NA_STRINGS,
            header=0,
            names=header.unique_names(names),
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise RnnCliError(
            f"cannot parse {path} as CSV with delimiter {delimiter!r}: {clip(str(exc).splitlines()[-1], 200)}"
        ) from exc


def _time_column(head: pd.DataFrame, out: FileLayout, time_format: str | None = None) -> str | list[str]:
    parts = [next((c for c in head.columns if c.strip().lower() == name), None) for name in PART_NAMES]
    if parts[0] and parts[1]:
        given = [c for c in parts[: next((k for k, c in enumerate(parts) if c is None), len(parts))]]
        out.reasons["data.time_column"] = f"the timestamps are split over the columns {', '.join(given)}"
        return given
    if parts[0] and _whole_years(head[parts[0]]):
        out.reasons["data.time_column"] = "its values are years"
        return parts[0]
    dated = []
    for column in head.columns:
        values = head[column].dropna()
        share = max(numbers.as_numbers(values, mark).notna().mean() for mark in (".", ","))
        if len(values) == 0 or share > 0.5:
            continue  # numbers are values, not times (a year alone is refused as a time by check too)
        try:
            TimeParser(column, time_format).parse(
                values.reset_index(drop=True), np.arange(2, len(values) + 2)
            )
        except RnnCliError as exc:
            if any(words in str(exc) for words in ("day-first", "before the year", "mixes date formats")):
                raise  # dates, written ambiguously: the same line check would give
            continue
        dated.append(column)
    if not dated:
        raise RnnCliError(
            f"no column of {', '.join(clip(c, 30) for c in head.columns[:12])} holds dates or times in "
            "every row; give the time column with --time-column, and how its timestamps are written with "
            "--time-format (e.g. '%Y/%j') if they are not read"
        )
    chosen = next((c for c in dated if TIME_NAMES.match(c.strip())), dated[0])
    out.reasons["data.time_column"] = "its values are dates/times" + (
        f" (so are {', '.join(c for c in dated if c != chosen)})" if len(dated) > 1 else ""
    )
    return chosen


def _whole_years(values: pd.Series) -> bool:
    """A column named year whose every value is a whole year (four digits), rising."""
    years = pd.to_numeric(values.dropna(), errors="coerce")
    return bool(
        len(years) and years.notna().all() and years.between(1000, 9999).all() and (years % 1 == 0).all()
    ) and bool(years.is_monotonic_increasing or len(years.unique()) < len(years))


def _decimal_comma(head: pd.DataFrame, times: list[str]) -> bool:
    cells = pd.concat([head[c].dropna().astype(str).str.strip() for c in head.columns if c not in times])
    return len(cells) > 0 and bool(cells.str.match(numbers.DECIMAL_COMMA).mean() > 0.5)


def _numbers(values: pd.Series, decimal: str) -> np.ndarray | None:
    """The column as numbers, when (nearly) every filled cell is one; else None (text)."""
    read = numbers.as_numbers(values.dropna(), decimal)
    return read.to_numpy(dtype=float, na_value=np.nan) if len(read) and read.notna().mean() >= 0.99 else None


def _id_column(
    head: pd.DataFrame, times: list[str], numeric: dict, out: FileLayout
) -> str | list[str] | None:
    """A long file's key: when the time repeats, the smallest set of text columns (one, two or three,
    in the file's order) whose values make (key, time) unique."""
    from itertools import combinations

    stamp = head[times].astype(str).agg(" ".join, axis=1)
    if not stamp.duplicated().any():
        return None
    text = [c for c in head.columns if c not in times and c not in numeric]
    for size in (1, 2, 3):
        for key in combinations(text, size):
            if not head[list(key)].assign(_t=stamp).duplicated().any():
                named = ", ".join(f"'{clip(c, 40)}'" for c in key)
                out.reasons["data.id_column"] = (
                    f"the time column repeats; the values of {named} tell the series apart"
                    + ("" if size == 1 else " together: no fewer columns do")
                )
                return key[0] if size == 1 else list(key)
    raise RnnCliError(
        "timestamps repeat in the time column, but no text column (nor two or three together) tells the "
        "series apart; give --id-column (or set data.duplicates to merge repeats)"
    )


def _targets(out: FileLayout, numeric: dict, given: list[str] | None, others: list[str]) -> None:
    if given:
        missing = [c for c in given if c not in numeric]
        if missing:
            guess = None if missing[0] in others else nearest(missing[0], list(numeric))
            raise RnnCliError(
                f"--target {clip(missing[0])}: "
                + ("not a numeric column" if missing[0] in others else "no such column")
                + (f" (did you mean '{clip(guess)}'?)" if guess else "")
                + f"; the numeric columns are: {', '.join(clip(c, 30) for c in numeric) or 'none'}"
            )
        out.targets, out.reasons["data.target"] = list(given), "as given"
    else:
        for column, values in numeric.items():
            if np.nanmax(values) == np.nanmin(values):
                out.left_out[column] = "constant"
            elif _counter(values):
                out.left_out[column] = "a counter (0, 1, 2, ...), not a measurement"
            else:
                out.targets.append(column)
        if not out.targets:
            left = "; ".join(f"{clip(c, 30)}: {why}" for c, why in out.left_out.items())
            raise RnnCliError(
                "no numeric column to forecast"
                + (f" (left out: {left}; name it with --target to forecast it anyway)" if left else "")
            )
    for column in others:
        if column not in numeric and column not in out.keys:
            out.left_out[column] = "text, not numbers"
            out.text.append(column)
    if out.id_column is None and len(out.targets) > 1 and not given:
        out.layout = "wide"
        out.reasons["data.layout"] = (
            f"{len(out.targets)} numeric columns beside one time column: each its own series of one model"
        )
    elif not given:
        out.reasons["data.target"] = "the numeric column" + ("s" if len(out.targets) > 1 else "")


def _counter(values) -> bool:
    """A column that only counts rows (0, 1, 2, ...): an index, not a measurement."""
    values = np.asarray(values, dtype=float)
    return len(values) > 2 and bool(np.isfinite(values).all()) and bool(np.allclose(np.diff(values), 1))


@dataclass
class CovariateFacts:
    """What the whole file says of the candidate covariates."""

    ahead: list[str]  # columns with values on rows after their series' last target value
    after: int  # the most such rows a series has
    static: list[str]  # columns constant within every series (of several)
    levels: dict[str, int]  # each text column's count of categories
    constant: list[str] = field(default_factory=list)  # columns of one value throughout


def covariate_facts(path: Path, layout: FileLayout, numeric: list[str], text: list[str]) -> CovariateFacts:
    """Read the whole file's candidate covariates (`numeric` ones and `text` ones) and say which
    have values after the targets' end, which are constant within every series, and how many
    categories each text column has."""
    candidates = [*numeric, *text]
    if not candidates or layout.layout != "long":
        return CovariateFacts([], 0, [], {}, [])
    parts = [layout.time_column] if isinstance(layout.time_column, str) else list(layout.time_column)
    schema = Schema(
        str(path),
        parts[0] if len(parts) == 1 else "_".join(parts),
        tuple(layout.targets),
        tuple(candidates),
        id_column=KEY_JOIN.join(layout.keys) or None,
        decimal=layout.decimal,
        time_parts=tuple(parts) if len(parts) > 1 else (),
        id_parts=tuple(layout.keys) if len(layout.keys) > 1 else (),
        categorical=tuple(text),
    )
    vocabulary = Vocabulary()
    frames = []
    for chunk in reading.read(schema, vocabulary=vocabulary):
        frame = pd.DataFrame(chunk.values, columns=schema.columns)
        frame["_time"] = chunk.times
        frame["_id"] = np.asarray(chunk.ids.astype(str)) if chunk.ids is not None else ""
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    ends = rows[rows[list(layout.targets)].notna().any(axis=1)].groupby("_id")["_time"].max()
    after = rows["_time"] > rows["_id"].map(ends)
    ahead = [c for c in candidates if after.any() and rows.loc[after, c].notna().any()]
    per_series = rows.groupby("_id")[candidates].nunique(dropna=True)
    static = (
        [c for c in candidates if (per_series[c] <= 1).all() and rows[c].nunique() > 1]
        if rows["_id"].nunique() > 1
        else []
    )
    counts = {c: len(vocabulary.levels.get(c, [])) for c in text}
    most = int(rows.loc[after, "_id"].value_counts().max()) if after.any() else 0
    return CovariateFacts(ahead, most, static, counts, [c for c in candidates if rows[c].nunique() <= 1])
