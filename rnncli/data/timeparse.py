"""Read a time column with one format, the same for every row, or refuse it.

`TimeParser` decides how a file's timestamps are written on its first chunk of rows and reads
every later chunk the same way:

- `data.time_format` (strftime codes) when the user gives it: every row must match it;
- ISO timestamps (2021-01-01, 2021-01-01 06:00:00) read by numpy, several times faster;
- day and month as numbers (13/01/2020, 01.02.2020, 1-2-20): day-first when any first field is
  above 12, month-first when any second field is; a column with both is refused, and one where
  every date reads both ways is read the way that gives a regular series, or refused when both do;
- periods as statistics offices write them: quarters (`1998 Q1`, `1998-Q1`, `1998Q1`), months
  (`2020M07`) and ISO weeks (`2019-W05`), each read as the period's first day (a week's Monday);
- anything else in the one format pandas infers from the first value, with the rows it cannot
  read (a column mixing dates and date-times) read one by one in the same day/month order.

A timestamp read before the year 1678 is a misread (a year-month such as `1-01` read as the
year 1), and refused with a pointer to `data.time_format`.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from rnncli.errors import RnnCliError, clip, count, quote

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[ T])")
PERIODS = {  # a period's text -> (year, number): the first day of that quarter, month or ISO week
    "quarter": re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE),
    "month": re.compile(r"^\s*(\d{4})\s*M(0?[1-9]|1[0-2])\s*$", re.IGNORECASE),
    "week": re.compile(r"^\s*(\d{4})\s*-?\s*W(0?[1-9]|[1-4]\d|5[0-3])\s*$", re.IGNORECASE),
}
EARLIEST_YEAR = 1678  # pandas' own first year at nanosecond resolution: nothing a CSV of measurements holds


class TimeParser:
    """Parses the chunks of one time column with the way of writing decided on the first."""

    def __init__(self, name: str, time_format: str | None = None):
        self.name, self.format = name, time_format
        self.given = time_format is not None
        self.iso: bool | None = None
        self.dayfirst: bool | None = None
        self.period: str | None = None  # "quarter", "month" or "week": a column of periods
        self.shape: str | None = None  # how the first value writes its date: "Y-9-9", "9/9/Y"
        self.example: tuple[int, str] | None = None  # its line and text, to name in a refusal

    def parse(self, raw: pd.Series, lines: np.ndarray) -> pd.DatetimeIndex:
        """The chunk's timestamps, naming the line of the first value that is not one."""
        if self.iso is None:
            self._decide(raw, lines)
        if self.iso:
            parsed = _iso(raw)
            if parsed is not None:
                return parsed
        parsed = periods(raw, self.period) if self.period else self._formatted(raw, lines)
        self._check(parsed, raw, lines)
        return pd.DatetimeIndex(parsed)

    def _decide(self, raw: pd.Series, lines: np.ndarray) -> None:
        present = raw.dropna().astype(str).str.strip()
        first = present.iloc[0] if len(present) else ""
        self.shape = date_shape(first)
        self.example = (int(lines[raw.notna().to_numpy()][0]), first) if len(present) else None
        self.iso = not self.given and bool(ISO.match(first))
        self.period = None if self.given else next((k for k, p in PERIODS.items() if p.match(first)), None)
        if self.given or self.iso or self.period:
            return
        fields = present.str.extract(DAY_MONTH)
        if fields[0].notna().any():
            self.dayfirst = _day_first(fields, present, lines[raw.notna().to_numpy()], self.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.format = pd.tseries.api.guess_datetime_format(first, dayfirst=bool(self.dayfirst))

    def _formatted(self, raw: pd.Series, lines: np.ndarray) -> pd.Series:
        """Read with the decided format; rows it does not fit read one by one (unless the user gave it)."""
        parsed = (
            _to_datetime(raw, format=self.format)
            if self.format
            else _to_datetime(raw, dayfirst=bool(self.dayfirst))
        )
        retry = parsed.isna() & raw.notna()
        if not retry.any() or self.given:
            return parsed
        again = _to_datetime(raw[retry], format="mixed", dayfirst=bool(self.dayfirst))
        self._same_shape(raw[retry][again.notna()], lines[retry.to_numpy()][again.notna().to_numpy()])
        if (parsed.dt.tz is None) != (again.dt.tz is None) and again.notna().any() and parsed.notna().any():
            i = int(np.flatnonzero(retry.to_numpy())[0])
            raise RnnCliError(
                f"time column '{clip(self.name)}' mixes times with and without a time zone (line {lines[i]}: "
                f"{quote(raw.iloc[i])}); write every timestamp the same way"
            )
        if parsed.dt.tz is not None or again.dt.tz is not None:
            parsed, again = _utc(parsed), _utc(again)
        return pd.concat([parsed[~retry], again]).sort_index()

    def _same_shape(self, values: pd.Series, lines: np.ndarray) -> None:
        """Rows the decided format did not read, and that are dates, are read one by one only where they
        write their date as the first value does (a time added, a zone, fractions of a second): a date written
        another way ('17/01/2023' among ISO dates) is refused, never guessed."""
        text = values.astype(str).str.strip()
        shapes = text.map(date_shape)
        other = np.flatnonzero(((shapes != self.shape) & values.notna()).to_numpy())
        if other.size and self.example is not None:
            i = other[0]
            raise RnnCliError(
                f"time column '{clip(self.name)}' mixes date formats: line {self.example[0]} holds "
                f"{quote(self.example[1])} and line {lines[i]} holds {quote(text.iloc[i])} "
                f"({count(other.size, 'row')} written another way); write every date the same way, or set "
                "data.time_format"
            )

    def _check(self, parsed: pd.Series, raw: pd.Series, lines: np.ndarray) -> None:
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size:
            i = bad[0]
            value = raw.iloc[i]
            fix = "fix or remove those rows"
            if pd.isna(value) or not str(value).strip():
                what = "is empty"
            elif self.given:
                what = f"holds {quote(value)}, which does not match data.time_format {quote(self.format)},"
            else:
                what, fix = (
                    f"holds {quote(value)}, which is not a date/time",
                    f"{fix}, or set data.time_format if it is one (e.g. '%d/%m/%Y')",
                )
            raise RnnCliError(
                f"time column '{clip(self.name)}' {what} at line {lines[i]} "
                f"({count(bad.size, 'such row')}); {fix}"
            )
        if not self.given and len(parsed):
            early = np.flatnonzero((parsed.dt.year < EARLIEST_YEAR).to_numpy())
            if early.size:
                i = early[0]
                raise RnnCliError(
                    f"time column '{clip(self.name)}' reads {quote(raw.iloc[i])} (line {lines[i]}) as "
                    f"{parsed.iloc[i].date()}, before the year {EARLIEST_YEAR}, the first rnncli reads; if "
                    "the column counts periods from a start (year 1, month 1), write it from a real start "
                    f"instead (e.g. {parsed.iloc[i].year + 2000:04d}-{parsed.iloc[i].month:02d} for this "
                    "row: the forecast's timestamps continue from it), else write full dates (2001-01 for "
                    "a year and a month)"
                )


def date_shape(text: str) -> str:
    """How a timestamp writes its date: its first word (before a space or a T), four-digit numbers
    as Y, other numbers as 9 ("2023-01-05 10:00" is "Y-9-9", "05/01/2023" is "9/9/Y")."""
    word = re.split(r"[ T]", str(text).strip(), maxsplit=1)[0]
    return re.sub(r"\d+", "9", re.sub(r"\d{4}", "Y", word))


def _day_first(fields: pd.DataFrame, present: pd.Series, lines: np.ndarray, name: str) -> bool:
    """Whether numeric dates put the day first: from the fields above 12, else from which reading
    is regular; refused when the column says both or neither."""
    first, second = pd.to_numeric(fields[0]), pd.to_numeric(fields[2])
    over_first, over_second = (
        np.flatnonzero((first > 12).to_numpy()),
        np.flatnonzero((second > 12).to_numpy()),
    )
    if over_first.size and over_second.size:
        i, j = over_first[0], over_second[0]
        raise RnnCliError(
            f"time column '{name}' mixes day-first and month-first dates (line {lines[i]}: "
            f"{quote(present.iloc[i])}, "
            f"line {lines[j]}: {quote(present.iloc[j])}); write every date the same way, or set "
            "data.time_format"
        )
    if over_first.size or over_second.size:
        return bool(over_first.size)
    readings = {
        dayfirst: _to_datetime(present, dayfirst=dayfirst, format="mixed") for dayfirst in (True, False)
    }
    regular = [dayfirst for dayfirst, times in readings.items() if _regular(times)]
    if len(regular) == 1:
        return regular[0]
    example = quote(present.iloc[0])
    raise RnnCliError(
        f"time column '{name}': every date, such as {example}, reads both day-first and month-first "
        f"({'both readings are regular' if regular else 'neither reading is regular'}); say which with "
        "data.time_format, e.g. '%d/%m/%Y' or '%m/%d/%Y'"
    )


def _regular(times: pd.Series) -> bool:
    """The timestamps, sorted, lie on one pandas frequency."""
    unique = pd.DatetimeIndex(times.dropna()).sort_values().unique()
    if len(unique) < 3 or len(unique) < len(times.dropna()):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.infer_freq(unique) is not None


def _iso(raw: pd.Series) -> pd.DatetimeIndex | None:
    """ISO timestamps without a zone, read by numpy; None when a value is anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "error"
            )  # numpy would quietly convert a "+01:00" to UTC: leave zones to pandas
            return pd.DatetimeIndex(raw.to_numpy(dtype=object).astype("datetime64[us]"))
    except (ValueError, TypeError, Warning):
        return None  # a bad, empty or zoned value somewhere: pandas finds and names it


def _to_datetime(values: pd.Series, **kw) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return pd.to_datetime(values, errors="coerce", **kw)
        except (ValueError, TypeError):  # several UTC offsets: compare them in UTC
            return pd.to_datetime(values, errors="coerce", utc=True, **kw)


def _utc(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert("UTC") if times.dt.tz is not None else times.dt.tz_localize("UTC")


def periods(raw: pd.Series, kind: str) -> pd.Series:
    """A column of periods (PERIODS[kind]) as their first days; NaT where a value is not one."""
    parts = raw.astype("string").str.extract(PERIODS[kind])
    year, number = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    if kind == "week":
        text = (
            year.astype("Int64").astype("string")
            + "-W"
            + number.astype("Int64").astype("string").str.zfill(2)
            + "-1"
        )
        return _to_datetime(text, format="%G-W%V-%u")
    month = (number - 1) * 3 + 1 if kind == "quarter" else number
    frame = pd.DataFrame({"year": year, "month": month, "day": 1})
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    ok = frame.notna().all(axis=1)
    out[ok] = pd.to_datetime(frame[ok].astype("int64"))
    return out
