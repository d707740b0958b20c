"""Reading long files: chunk by chunk, onto a time axis that stores no timestamps."""

import numpy as np
import pandas as pd
import pytest

from rnncli.data import reading, timeseries
from rnncli.data.timegrid import TimeAxis
from rnncli.errors import RnnCliError


@pytest.mark.parametrize(
    "freq, tz",
    [
        ("h", None),
        ("15min", "UTC"),
        ("D", None),
        ("W-SUN", None),
        ("MS", None),
        ("D", "America/New_York"),
        ("h", "Europe/Paris"),
    ],
)
def test_time_axis_equals_date_range(freq, tz):
    start = pd.Timestamp("2023-10-01", tz=tz)
    if freq == "W-SUN":
        start = pd.Timestamp("2023-10-01", tz=tz)  # a Sunday
    ref = pd.date_range(start, periods=400, freq=freq)
    axis = TimeAxis(start, freq, 400)
    assert len(axis) == 400 and axis.tz == ref.tz
    assert list(axis.index()) == list(ref)
    assert axis[0] == ref[0] and axis[-1] == ref[-1] and axis[np.int64(123)] == ref[123]
    assert list(axis[10:20]) == list(ref[10:20]) and list(axis[-5:]) == list(ref[-5:])
    assert list(axis[np.array([399, 0, 57])]) == list(ref[[399, 0, 57]])
    with pytest.raises(IndexError):
        axis[400]


def csv(tmp_path, rows: list[tuple[str, str]]):
    path = tmp_path / "s.csv"
    path.write_text("t,y\n" + "".join(f"{t},{y}\n" for t, y in rows))
    return timeseries.Schema(str(path), "t", ("y",))


def both_ways(schema, monkeypatch):
    """The series as streamed, and as read whole (the streaming path turned off)."""
    streamed = timeseries.load(schema)
    with monkeypatch.context() as m:
        m.setattr(timeseries, "_stream", lambda schema, vocabulary: None)
        whole = timeseries.load(schema)
    return streamed, whole


def hours(n: int, skip=(), start="2024-01-01"):
    return [
        (t.strftime("%Y-%m-%d %H:%M:%S"), f"{i}.5")
        for i, t in enumerate(pd.date_range(start, periods=n, freq="h"))
        if i not in skip
    ]


def test_streaming_equals_reading_whole_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 7)  # gaps fall inside chunks and across their edges
    schema = csv(tmp_path, hours(60, skip=(6, 7, 8, 20, 21, 50)))
    (streamed,), (whole,) = both_ways(schema, monkeypatch)
    assert isinstance(streamed.times, TimeAxis) and len(streamed.times) == len(whole.times) == 60
    assert list(streamed.times.index()) == list(whole.times.index())
    np.testing.assert_array_equal(streamed.values, whole.values)
    assert (
        (streamed.filled, streamed.added_rows, streamed.warnings)
        == (whole.filled, whole.added_rows, whole.warnings)
        == (
            6,
            6,
            [
                "filled 6 missing values (6 missing timestamps) by interpolate (10.0% of the series); the "
                "longest run 3 steps, 2024-01-01 06:00:00 to 2024-01-01 08:00:00 in 'y' (scores leave filled "
                "values out; data.max_gap refuses runs longer than it)"
            ],
        )
    )
    assert streamed.values[7, 0] == pytest.approx(7.5)


def test_files_that_cannot_stream_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 5)
    rows = hours(30)
    rows[10], rows[20] = rows[20], rows[10]  # out of order, across chunks
    (s,) = timeseries.load(csv(tmp_path, rows))
    assert (
        s.values[:, 0].tolist() == [i + 0.5 for i in range(30)]
        and "rows were not in time order; sorted them" in s.notes
    )
    repeated = hours(30)
    repeated.insert(12, repeated[11])
    with pytest.raises(RnnCliError, match=r"2024-01-01 11:00:00 appears more than once \(lines 13 and 14"):
        timeseries.load(csv(tmp_path, repeated))


def test_errors_in_later_chunks_name_their_line(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 4)
    rows = hours(20)
    rows[13] = (rows[13][0], "oops")
    with pytest.raises(RnnCliError, match=r"column 'y' must be numeric, but line 15 holds 'oops'"):
        timeseries.load(csv(tmp_path, rows))
    rows = hours(20)
    rows[17] = ("not a time", "1")
    with pytest.raises(RnnCliError, match=r"holds 'not a time', which is not a date/time at line 19"):
        timeseries.load(csv(tmp_path, rows))
    rows = hours(20)
    rows[9] = ("2024-01-01 09:30:00", "1")
    with pytest.raises(RnnCliError, match=r"2024-01-01 09:30:00 \(line 11\) is not on the regular 'h' grid"):
        timeseries.load(csv(tmp_path, rows))


def test_a_grid_estimate_too_small_grows(tmp_path, monkeypatch):
    monkeypatch.setattr(
        timeseries, "_estimate_rows", lambda path: 3
    )  # the grid starts at its floor of 1024 rows
    monkeypatch.setattr(reading, "CHUNK_ROWS", 500)
    (s,) = timeseries.load(csv(tmp_path, hours(3000, skip=(1500, 1501, 1502))))
    assert len(s.times) == 3000 and s.values[-1, 0] == 2999.5 and s.values[1501, 0] == pytest.approx(1501.5)


@pytest.mark.skipif(
    int(pd.__version__.split(".")[0]) < 3, reason="pandas before 3 holds timestamps in ns, which end in 2262"
)
def test_times_past_2262_stream_and_keep_their_place(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 50)
    schema = csv(
        tmp_path, hours(300, skip=(120,), start="2262-04-05")
    )  # nanoseconds since 1970 overflow on 2262-04-11
    monkeypatch.setattr(
        timeseries, "_read_whole", lambda schema, vocabulary: pytest.fail("a sorted hourly file must stream")
    )
    (s,) = timeseries.load(schema)
    assert len(s.times) == 300 and s.filled == 1
    assert str(s.times[-1]) == "2262-04-17 11:00:00" and str(s.times[120]) == "2262-04-10 00:00:00"
    assert list(s.times.index().strftime("%Y-%m-%d %H:%M:%S")) == [
        t for t, _ in hours(300, start="2262-04-05")
    ]
