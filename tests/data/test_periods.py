"""Periods written as statistics offices write them (`1998 Q1`, `2020M07`, `2019-W05`) are read as
their first day, found by `init` without being named, and a value that is not one is refused by line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnncli.data.timeparse import TimeParser


@pytest.mark.parametrize(
    ("written", "first_days"),
    [
        (
            ["1998 Q1", "1998 Q2", "1998-Q3", "1998Q4"],
            ["1998-01-01", "1998-04-01", "1998-07-01", "1998-10-01"],
        ),
        (["2020M07", "2020M08", "2020M12"], ["2020-07-01", "2020-08-01", "2020-12-01"]),
        (["2019-W05", "2019-W06", "2020-W01"], ["2019-01-28", "2019-02-04", "2019-12-30"]),
    ],
)
def test_periods_read_as_their_first_day(written, first_days):
    parsed = TimeParser("period").parse(pd.Series(written), np.arange(2, 2 + len(written)))
    assert list(parsed) == list(pd.to_datetime(first_days))


def test_a_value_that_is_not_a_period_is_refused_by_line():
    with pytest.raises(Exception, match="'1998 Q5'.*line 3"):
        TimeParser("period").parse(pd.Series(["1998 Q1", "1998 Q5"]), np.array([2, 3]))


def test_init_finds_a_column_of_quarters_and_its_frequency(tmp_path, cli):
    quarters = [f"{y} Q{q}" for y in range(2000, 2020) for q in range(1, 5)]
    values = 100 + 10 * np.sin(np.arange(len(quarters)) * np.pi / 2)
    pd.DataFrame({"period": quarters, "visitors": values.round(2)}).to_csv(tmp_path / "q.csv", index=False)
    made = cli("init", tmp_path / "q.csv", "--horizon", "4", "--output", tmp_path / "q.yaml")
    assert made.code == 0, made
    assert "time column period: frequency QS-JAN, season 4" in made.out
