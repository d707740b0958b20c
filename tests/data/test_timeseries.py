import numpy as np
import pandas as pd
import pytest

from rnncli.data import timegrid, timeseries
from rnncli.errors import RnnCliError


def schema(path, **kw):
    """These few-row files may fill most of a series; the limit on filling is tested on its own."""
    base = dict(path=str(path), time_column="t", targets=("y",), max_fill=0.9)
    base.update(kw)
    return timeseries.Schema(**base)


def write(tmp_path, text: str, name: str = "d.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_sorts_and_keeps_values_exactly(tmp_path):
    path = write(tmp_path, "t,y,x\n2021-01-03,3.5,30\n2021-01-01,1.5,10\n2021-01-02,2.5,20\n")
    s = timeseries.load(schema(path, features=("x",)))[0]
    assert list(s.times.index().strftime("%Y-%m-%d")) == ["2021-01-01", "2021-01-02", "2021-01-03"]
    np.testing.assert_array_equal(s.values, np.array([[1.5, 10], [2.5, 20], [3.5, 30]], dtype=np.float32))
    assert s.columns == ["y", "x"] and s.frequency == "D"
    assert any("sorted" in n for n in s.notes)


def test_gap_is_filled_by_linear_interpolation(tmp_path):
    path = write(tmp_path, "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-05,8\n2021-01-06,9\n")
    s = timeseries.load(schema(path, frequency="D"))[0]
    np.testing.assert_allclose(s.values[:, 0], [1, 2, 4, 6, 8, 9])
    assert (s.filled, s.added_rows) == (2, 2)
    assert s.warnings == [
        "filled 2 missing values (2 missing timestamps) by interpolate (33.3% of the series); the longest "
        "run 2 steps, 2021-01-03 00:00:00 to 2021-01-04 00:00:00 in 'y' (scores leave filled values out; "
        "data.max_gap refuses runs longer than it)"
    ]


def test_ffill_and_empty_cells(tmp_path):
    path = write(tmp_path, "t,y\n2021-01-01,\n2021-01-02,2\n2021-01-03,\n2021-01-04,5\n")
    s = timeseries.load(schema(path, frequency="D", missing="ffill"))[0]
    np.testing.assert_allclose(s.values[:, 0], [2, 2, 2, 5])  # a leading hole takes the first value seen
    assert s.filled == 2 and s.added_rows == 0


def test_missing_error_policy_names_the_first_hole(tmp_path):
    path = write(tmp_path, "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-04,8\n")
    with pytest.raises(
        RnnCliError, match=r"1 value is missing \(1 missing timestamp\), the first at 2021-01-03.*'y'"
    ):
        timeseries.load(schema(path, frequency="D", missing="error"))


@pytest.mark.parametrize(
    "freq, expected, season",
    [
        ("D", "D", 7),
        ("h", "h", 24),
        ("15min", "15min", 96),
        ("W-SUN", "W-SUN", 52),
        ("MS", "MS", 12),
        ("ME", "ME", 12),
        ("QS", "QS-JAN", 4),
        ("2D", "2D", 1),
    ],
)
def test_frequency_is_inferred_even_with_a_gap(freq, expected, season):
    times = pd.date_range("2020-01-01", periods=40, freq=freq)
    assert timegrid.infer_frequency(times, "t") == expected
    gappy = times.delete([5, 6])
    assert timegrid.infer_frequency(gappy, "t") in (expected, expected.split("-")[0])
    assert timegrid.season_of(expected) == season


def test_timestamps_off_the_grid_are_refused(tmp_path):
    path = write(
        tmp_path, "t,y\n2021-01-01 00:00,1\n2021-01-01 01:00,2\n2021-01-01 02:30,3\n2021-01-01 03:00,4\n"
    )
    with pytest.raises(RnnCliError, match=r"2021-01-01 02:30:00 \(line 4\) is not on the regular 'h' grid"):
        timeseries.load(schema(path, frequency="h"))


def test_bad_frequency_value_names_the_key(tmp_path):
    path = write(tmp_path, "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-03,3\n")
    with pytest.raises(RnnCliError, match=r"data.frequency: 'fortnightly' is not a pandas frequency"):
        timeseries.load(schema(path, frequency="fortnightly"))


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "t,y\n2021-01-01,1\n2021-01-02,2\nyesterday,3\n",
            r"time column 't' holds 'yesterday', which is not a date/time at line 4",
        ),
        ("t,y\n2021-01-01,1\n,2\n2021-01-03,3\n", r"time column 't' is empty at line 3"),
        (
            "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-02,5\n2021-01-03,3\n",
            r"timestamp 2021-01-02 00:00:00 appears more than once \(lines 3 and 4",
        ),
        (
            "t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-03,n/a?\n2021-01-04,4\n",
            r"column 'y' must be numeric, but line 4 holds 'n/a\?'",
        ),
    ],
    ids=["unparsable time", "empty time cell", "duplicate timestamp", "text in a numeric column"],
)
def test_a_bad_cell_is_named_with_its_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(RnnCliError, match=message):
        timeseries.load(schema(path))


def test_missing_column_suggests_the_nearest(tmp_path):
    path = write(tmp_path, "t,temp_max,wind\n2021-01-01,1,2\n")
    with pytest.raises(
        RnnCliError,
        match=r"column 'temp_mx' is not in .*did you mean 'temp_max'.*columns are: t, temp_max, wind",
    ):
        timeseries.load(schema(path, targets=("temp_mx",)))


def test_all_nan_target_is_refused(tmp_path):
    path = write(tmp_path, "t,y\n2021-01-01,\n2021-01-02,\n2021-01-03,\n")
    with pytest.raises(RnnCliError, match="column 'y' .* has no values"):
        timeseries.load(schema(path))


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("t,y\n", "header but no data rows"),
    ],
)
def test_empty_inputs(tmp_path, text, message):
    with pytest.raises(RnnCliError, match=message):
        timeseries.load(schema(write(tmp_path, text)))


def test_missing_file(tmp_path):
    with pytest.raises(RnnCliError, match="data file .* not found"):
        timeseries.load(schema(tmp_path / "nope.csv"))


def test_semicolon_delimiter_and_bom_are_read(tmp_path):
    path = write(tmp_path, "\ufefft;y\n2021-01-01;1.5\n2021-01-02;2.5\n2021-01-03;3.5\n")
    s = timeseries.load(schema(path))[0]
    np.testing.assert_array_equal(s.values[:, 0], [1.5, 2.5, 3.5])


def test_hourly_series_with_a_missing_hour(tmp_path):
    rows = [f"2023-03-01 {h:02d}:00,{h}" for h in range(24) if h != 7]
    s = timeseries.load(schema(write(tmp_path, "t,y\n" + "\n".join(rows) + "\n")))[0]
    assert s.frequency == "h" and len(s.times) == 24 and s.added_rows == 1
    assert s.values[7, 0] == pytest.approx(7.0)
