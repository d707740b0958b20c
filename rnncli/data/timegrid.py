"""Put one series on a regular time grid: order, time zone, repeated timestamps, frequency, gaps.

Each function takes plain arrays (timestamps, values (rows, columns), the file line of each row) and
returns new ones with notes for the user; a problem it cannot repair is an RnnCliError naming the
series, column and line.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from rnncli.errors import RnnCliError, quote


class TimeAxis:
    """The timestamps of a regular series, start + i * step for i < length, without storing them.

    Indexing gives a Timestamp, a slice or an array of positions gives a DatetimeIndex of just
    those times, so a series of 10 M steps costs nothing until a part of it is asked for.
    """

    def __init__(self, start: pd.Timestamp, freq: str, length: int):
        self.start, self.freq, self.length = pd.Timestamp(start), freq, int(length)
        self.step = fixed_step(freq, self.start.tz)

    @classmethod
    def of(cls, times: pd.DatetimeIndex, freq: str) -> TimeAxis:
        return cls(times[0], freq, len(times))

    def __len__(self) -> int:
        return self.length

    @property
    def tz(self):
        return self.start.tz

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            i = int(key) + self.length if key < 0 else int(key)
            if not 0 <= i < self.length:
                raise IndexError(f"position {key} of a time axis of {self.length}")
            return self._at(np.array([i]))[0]
        if isinstance(key, slice):
            return self._at(np.arange(*key.indices(self.length)))
        return self._at(np.asarray(key))

    def index(self) -> pd.DatetimeIndex:
        """Every timestamp, as one DatetimeIndex."""
        return self._at(np.arange(self.length))

    def _at(self, positions: np.ndarray) -> pd.DatetimeIndex:
        if self.step is not None:  # in microseconds where the step allows: nanoseconds overflow 292 years on
            unit, per = (
                ("us", self.step.value // 1000) if self.step.value % 1000 == 0 else ("ns", self.step.value)
            )
            return pd.DatetimeIndex(self.start + pd.to_timedelta(positions.astype(np.int64) * per, unit=unit))
        stop = int(positions.max()) + 1 if len(positions) else 0
        return pd.date_range(self.start, periods=stop, freq=self.freq)[positions]


def fixed_step(freq: str, tz=None) -> pd.Timedelta | None:
    """The frequency as a fixed time step, or None where steps vary (months; days in a local zone)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        return pd.Timedelta(offset)
    name = offset.rule_code.split("-")[0]
    local = tz is not None and str(tz) not in ("UTC", "UTC+00:00")
    if name in ("D", "W") and not local:
        return pd.Timedelta(days=offset.n * (7 if name == "W" else 1))
    return None


def sort(times: pd.DatetimeIndex, values: np.ndarray, lines: np.ndarray):
    if times.is_monotonic_increasing:
        return times, values, lines, []
    order = np.argsort(times.values, kind="stable")  # stable: repeated local hours keep their file order
    return times[order], values[order], lines[order], ["rows were not in time order; sorted them"]


def localize(times: pd.DatetimeIndex, timezone: str | None, label: str) -> tuple[pd.DatetimeIndex, list[str]]:
    """Read naive times as local times of `timezone` (or convert aware ones to it).

    The hour repeated when clocks go back is told apart by its order in the file; the skipped hour
    when clocks go forward simply does not occur. Absolute time then runs without gaps or repeats.
    """
    if timezone is None:
        return times, []
    notes = []
    if times.tz is None:
        try:
            local = times.tz_localize(timezone, ambiguous="infer", nonexistent="raise")
        except ValueError as exc:
            if "nonexistent" in str(exc):
                raise RnnCliError(
                    f"{label}: {str(exc).split(' Try')[0]} in {timezone}; fix that timestamp"
                ) from exc
            local = times.tz_localize(timezone, ambiguous=False, nonexistent="raise")
            notes.append("an ambiguous local time (clocks going back) was read as standard time")
    else:
        local = times.tz_convert(timezone)
    offsets = pd.Series(local).map(lambda t: t.utcoffset())
    changes = int((offsets != offsets.shift()).sum()) - 1
    if changes:
        notes.append(
            f"times read in {timezone}, across {changes} daylight-saving change{'s' if changes > 1 else ''}"
        )
    return local, notes


def merge_duplicates(times: pd.DatetimeIndex, values: np.ndarray, lines: np.ndarray, how: str, label: str):
    """Resolve repeated timestamps per `how`: error, mean (of each column) or last (in file order)."""
    repeated = times.duplicated(keep=False)
    if not repeated.any():
        return times, values, lines, []
    first = np.flatnonzero(times.duplicated())[0]
    if how == "error":
        hint = (
            " (if these are local times around a daylight-saving change, set data.timezone, e.g. "
            "Europe/Paris)"
            if times.tz is None
            and times[first].minute == 0
            and (times[first] - times[first].normalize()) < pd.Timedelta(hours=4)
            else ""
        )
        raise RnnCliError(
            f"{label}: timestamp {times[first]} appears more than once (lines {lines[first - 1]} and "
            f"{lines[first]}; {int(times.duplicated().sum())} repeats in all){hint}; keep one row per "
            "timestamp or set data.duplicates to mean or last"
        )
    count = int(times.duplicated().sum())
    if how == "last":
        keep = ~times.duplicated(keep="last")
        times, values, lines = times[keep], values[keep], lines[keep]
    else:
        merged = pd.DataFrame(values, index=times).groupby(level=0, sort=True).mean()  # NaN-aware, per column
        lines = pd.Series(lines, index=times).groupby(level=0, sort=True).first().to_numpy()
        times, values = pd.DatetimeIndex(merged.index), merged.to_numpy()
    return times, values, lines, [f"merged {count} repeated timestamp{'s' if count != 1 else ''} by {how}"]


def infer_frequency(times: pd.DatetimeIndex, label: str) -> str:
    """The pandas offset alias of the series' step (D, h, 15min, W-SUN, MS, ...), gaps allowed."""
    if len(times) < 3:
        raise RnnCliError(
            f"{label} has {len(times)} rows: too few to infer the frequency; add data or set data.frequency"
        )
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
    cycles = {
        "W": 52,
        "MS": 12,
        "ME": 12,
        "M": 12,
        "QS": 4,
        "QE": 4,
        "Q": 4,
        "YS": 1,
        "YE": 1,
        "Y": 1,
        "B": 5,
    }
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


MAX_ROWS = 2**31 - 1  # rows one series may hold on its grid


def check_frequency(freq: str) -> None:
    """A pandas frequency of at least one positive step, or one clear line."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError) as exc:
        raise RnnCliError(
            f"data.frequency: {quote(freq)} is not a pandas frequency (e.g. D, h, 15min, W-SUN, MS)"
        ) from exc
    if offset.n <= 0 or (isinstance(offset, pd.offsets.Tick) and pd.Timedelta(offset) <= pd.Timedelta(0)):
        raise RnnCliError(
            f"data.frequency: {quote(freq)} is not a step forward in time; give a positive step (e.g. D, "
            "2h, 15min)"
        )


def to_grid(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    lines: np.ndarray,
    freq: str,
    label: str,
    max_fill: float = 1.0,
):
    """Reindex onto the regular grid of `freq`; missing rows become NaN. Returns (grid, values, rows added).
    A grid that would invent more than `max_fill` of the series is refused before it is made."""
    check_frequency(freq)
    step = fixed_step(freq, times.tz)
    if step is not None:  # a fixed step: the grid's length by arithmetic, before a row of it exists
        rows = int((times[-1] - times[0]) // step) + 1
        if rows - len(times) > max_fill * rows or rows > MAX_ROWS:
            k = int(np.argmax(np.diff(times.asi8))) if len(times) > 1 else 0
            what = (
                f"its {len(times):,} timestamps leave {rows - len(times):,} of the {rows:,} steps of "
                f"its '{freq}' grid empty ({1 - len(times) / rows:.0%})"
            )
            raise overfilled(label, what, (times[k], times[min(k + 1, len(times) - 1)]), max_fill)
    try:
        grid = pd.date_range(times[0], times[-1], freq=freq)
    except ValueError as exc:
        raise RnnCliError(
            f"data.frequency: {quote(freq)} is not a pandas frequency (e.g. D, h, 15min, W-SUN, MS)"
        ) from exc
    pos = grid.get_indexer(times)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise RnnCliError(
            f"{label}: timestamp {times[i]} (line {lines[i]}) is not on the regular '{freq}' grid that "
            f"starts at {times[0]}; set data.frequency to the data's real step"
        )
    full = np.full((len(grid), values.shape[1]), np.nan, dtype=np.float32)
    full[pos] = values
    return grid, full, len(grid) - len(times)


def overfilled(label: str, what: str, span: tuple, max_fill: float) -> RnnCliError:
    """The error for a series whose gaps would be filled beyond data.max_fill: `what` says how many."""
    first, last = (str(t).removesuffix(" 00:00:00") for t in span)
    return RnnCliError(
        f"{label}: {what}, the longest gap from {first} to {last}: more than data.max_fill={max_fill:g} "
        "may be made up; check data.frequency and the timestamps (a misread date, a stray row), fill the "
        "gaps in the CSV, or raise data.max_fill"
    )
