"""Gaps, repeated timestamps, time zones and daylight saving."""

import numpy as np
import pandas as pd
import pytest

from rnncli.data import timeseries
from rnncli.errors import RnnCliError


def load(tmp_path, text: str, **kw) -> timeseries.Series:
    """The file's one series; these few-row files may fill most of it (the limit is tested on its own)."""
    path = tmp_path / "t.csv"
    path.write_text(text)
    series = timeseries.load(timeseries.Schema(str(path), "t", ("y",), **{"max_fill": 0.9, **kw}))
    assert len(series) == 1
    return series[0]


def hours(start: str, n: int, skip: tuple[int, ...] = ()) -> str:
    return "t,y\n" + "".join(
        f"{t:%Y-%m-%d %H:%M},{i}\n"
        for i, t in enumerate(pd.date_range(start, periods=n, freq="h"))
        if i not in skip
    )


def test_max_gap_allows_short_gaps_and_names_a_long_one(tmp_path):
    text = "t,y\n" + "".join(f"2021-01-{d:02d},{d}\n" for d in range(1, 21) if d not in (5, 6, 7, 12))
    s = load(tmp_path, text, max_gap=3)
    assert s.filled == 4 and s.values[4:7, 0].tolist() == [5, 6, 7]
    with pytest.raises(
        RnnCliError,
        match=r"'y' is missing for 3 steps in a row, from 2021-01-05 00:00:00 to 2021-01-07 00:00:00, "
        r"more than data.max_gap=2",
    ):
        load(tmp_path, text, max_gap=2)


def test_max_gap_counts_empty_cells_too(tmp_path):
    text = "t,y\n" + "".join(f"2021-01-{d:02d},{'' if d in (3, 4) else d}\n" for d in range(1, 11))
    with pytest.raises(RnnCliError, match="missing for 2 steps in a row"):
        load(tmp_path, text, max_gap=1)


@pytest.mark.parametrize("how, expected", [("mean", [1.0, 3.0, 4.0]), ("last", [1.0, 4.0, 4.0])])
def test_repeated_timestamps_by_policy(tmp_path, how, expected):
    s = load(tmp_path, "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-03,4\n2021-01-02,4\n", duplicates=how)
    assert s.values[:, 0].tolist() == expected
    assert f"merged 1 repeated timestamp by {how}" in s.notes


def test_repeated_timestamps_are_an_error_by_default(tmp_path):
    with pytest.raises(RnnCliError, match=r"appears more than once .* set data.duplicates to mean or last"):
        load(tmp_path, "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-02,3\n2021-01-03,4\n")


def test_aware_timestamps_across_a_daylight_saving_change(tmp_path):
    # Paris, 2023-03-26: 01:00+01:00 is followed by 03:00+02:00, one hour later
    text = (
        "t,y\n2023-03-26 00:00+01:00,0\n2023-03-26 01:00+01:00,1\n2023-03-26 "
        "03:00+02:00,2\n2023-03-26 04:00+02:00,3\n"
    )
    s = load(tmp_path, text)
    assert s.frequency == "h" and s.added_rows == 0 and len(s.times) == 4
    assert str(s.times.tz) == "UTC"


def test_local_times_with_a_time_zone_keep_the_repeated_hour(tmp_path):
    # Berlin, 2023-10-29: clocks go back at 03:00, so local 02:00 happens twice
    text = "t,y\n" + "".join(
        f"2023-10-29 {h},{i}\n" for i, h in enumerate(["00:00", "01:00", "02:00", "02:00", "03:00", "04:00"])
    )
    s = load(tmp_path, text, timezone="Europe/Berlin")
    assert len(s.times) == 6 and s.added_rows == 0 and s.values[:, 0].tolist() == [0, 1, 2, 3, 4, 5]
    assert (s.times[1:] - s.times[:-1] == pd.Timedelta(hours=1)).all()
    assert any("daylight-saving change" in n for n in s.notes)


def test_local_times_without_a_time_zone_say_what_to_do(tmp_path):
    text = "t,y\n" + "".join(
        f"2023-10-29 {h},{i}\n" for i, h in enumerate(["00:00", "01:00", "02:00", "02:00", "03:00", "04:00"])
    )
    with pytest.raises(
        RnnCliError, match=r"appears more than once.*daylight-saving change, set data.timezone"
    ):
        load(tmp_path, text)
    merged = load(tmp_path, text, duplicates="mean")  # or merge the repeated hour, reported
    assert merged.values[2, 0] == 2.5 and any("merged 1 repeated timestamp" in n for n in merged.notes)


def test_the_skipped_spring_hour_of_naive_local_times_is_filled_and_reported(tmp_path):
    s = load(tmp_path, hours("2023-03-26 00:00", 6, skip=(2,)))
    assert s.added_rows == 1 and s.filled == 1 and s.values[2, 0] == pytest.approx(2.0)
    assert s.warnings == ["filled 1 missing value (1 missing timestamp) by interpolate (16.7% of the series)"]


def test_a_time_that_does_not_exist_in_the_zone_is_named(tmp_path):
    with pytest.raises(RnnCliError, match=r"2023-03-26 02:30:00 is a nonexistent time .* in Europe/Berlin"):
        load(
            tmp_path,
            "t,y\n2023-03-26 01:30,1\n2023-03-26 02:30,2\n2023-03-26 03:30,3\n",
            timezone="Europe/Berlin",
            frequency="h",
        )


def test_daily_local_dates_across_daylight_saving_stay_daily(tmp_path):
    # New York leaves daylight saving on 2023-11-05: that day lasts 25 hours, yet it is one daily step
    text = "t,y\n" + "".join(f"2023-11-{d:02d},{d}\n" for d in range(1, 10))
    s = load(tmp_path, text, timezone="America/New_York")
    assert s.frequency == "D" and s.added_rows == 0 and np.array_equal(s.values[:, 0], np.arange(1, 10))
    assert any("across 1 daylight-saving change" in n for n in s.notes)
