"""Splits by timestamps: exact borders, rows after the test part left out, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import prepare_file, rows, write_config, write_csv

from rnncli import config
from rnncli.data import timeseries
from rnncli.data.splits import Borders, count_until, split
from rnncli.data.timegrid import TimeAxis
from rnncli.data.windows import WindowSpec
from rnncli.errors import RnnCliError
from rnncli.pipeline.inputs import prepared_of

ROOT = Path(__file__).resolve().parents[2]


def hourly(tmp_path, **data):
    csv = write_csv(tmp_path / "h.csv", n=500, freq="h", start="2022-03-01")
    return write_config(
        tmp_path / "h.yaml", csv, tmp_path / "runs", data=data, window={"lookback": 24, "horizon": 6}
    )


def test_parts_end_at_the_given_timestamps_and_later_rows_are_unused(tmp_path):
    cfg = config.load(
        hourly(
            tmp_path, train_end="2022-03-10 23:00", val_end="2022-03-14 23:00", test_end="2022-03-18 11:00"
        )
    )
    prepared = prepared_of(cfg)
    assert prepared.layout.parts == [
        (240, 96, 84)
    ]  # 10 days, 4 days, 3.5 days; the last 80 hours are left out
    assert len(prepared.index("train")) == 240 - 24 - 6 + 1
    assert len(prepared.index("val")) == 96 - 6 + 1 and len(prepared.index("test")) == 84 - 6 + 1
    last_test_start = int(prepared.index("test").all().max())
    assert (
        prepared.series[0].times[last_test_start + 24 + 6 - 1]
        == prepared.series[0].times[0] + (420 - 1) * prepared.series[0].times.step
    )
    # the scaler saw the training rows alone: their scaled mean is 0
    assert abs(float(prepared.windows.values[:240, 0].mean())) < 1e-5


def test_without_test_end_the_test_part_runs_to_the_end(tmp_path):
    prepared = prepared_of(
        config.load(hourly(tmp_path, train_end="2022-03-10 23:00", val_end="2022-03-14 23:00"))
    )
    assert prepared.layout.parts == [(240, 96, 164)]


def test_check_prints_each_parts_first_and_last_timestamp(cli, tmp_path):
    result = cli(
        "check",
        hourly(
            tmp_path, train_end="2022-03-10 23:00", val_end="2022-03-14 23:00", test_end="2022-03-18 11:00"
        ),
    )
    assert result.code == 0, result
    assert rows(result.out)[1:] == [
        ["-", "train", "2022-03-01 00:00:00", "2022-03-10 23:00:00", "240", "211"],
        ["-", "val", "2022-03-11 00:00:00", "2022-03-14 23:00:00", "96", "91"],
        ["-", "test", "2022-03-15 00:00:00", "2022-03-18 11:00:00", "84", "79"],
    ]
    assert "split by data.train_end, val_end, test_end" in result.out


def test_the_literature_split_of_etth2(tmp_path):
    # rows [0, 8640) train, [8640, 11520) validate, [11520, 14400) test; 2881 - H test windows
    schema = timeseries.Schema(str(ROOT / "data" / "ETTh2.csv"), "date", ("OT",))
    borders = Borders("2017-06-25 23:00", "2017-10-23 23:00", "2018-02-20 23:00")
    for horizon in (96, 720):
        prepared = prepare_file(schema, WindowSpec(336, horizon, False, 0.1, 0.1, (), borders), "standard")
        assert prepared.layout.parts == [(8640, 2880, 2880)]
        assert len(prepared.index("test")) == 2881 - horizon and len(prepared.index("val")) == 2881 - horizon


def test_count_until_on_a_fixed_step_and_a_calendar_step():
    import pandas as pd

    hours = TimeAxis(pd.Timestamp("2022-01-01"), "h", 100)
    assert count_until(hours, pd.Timestamp("2022-01-01 09:00")) == 10
    assert count_until(hours, pd.Timestamp("2022-01-01 09:30")) == 10
    assert (
        count_until(hours, pd.Timestamp("2021-12-31")) == 0
        and count_until(hours, pd.Timestamp("2030-01-01")) == 100
    )
    months = TimeAxis(pd.Timestamp("2022-01-01"), "MS", 24)
    assert count_until(months, pd.Timestamp("2022-12-31")) == 12


@pytest.mark.parametrize(
    "data, words",
    [
        ({"train_end": "2022-03-10 23:00"}, ["data.val_end", "both needed"]),
        ({"train_end": "2022-03-10", "val_end": "2022-03-09"}, ["data.val_end", "after data.train_end"]),
        ({"train_end": "10 March", "val_end": "2022-03-14"}, ["data.train_end", "a timestamp such as"]),
    ],
)
def test_bad_borders_are_refused_by_key(tmp_path, data, words):
    with pytest.raises(RnnCliError) as err:
        config.load(hourly(tmp_path, **data))
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_part_too_short_for_a_window_is_named_with_its_span(tmp_path):
    cfg = config.load(hourly(tmp_path, train_end="2022-03-10 23:00", val_end="2022-03-11 02:00"))
    with pytest.raises(
        RnnCliError,
        match=r"validation part \(2022-03-11 00:00:00 to 2022-03-11 02:00:00\) has 3 rows, fewer than "
        r"the 6 one window needs.*move data.val_end",
    ):
        prepared_of(cfg)


def test_borders_split_every_series_of_a_long_file_at_the_same_time(tmp_path):
    import numpy as np
    import pandas as pd

    frames = [
        pd.DataFrame(
            {
                "t": pd.date_range(start, periods=n, freq="D").strftime("%Y-%m-%d"),
                "id": key,
                "y": np.arange(n, dtype=float),
            }
        )
        for key, start, n in (("a", "2022-01-01", 100), ("b", "2022-01-21", 80))
    ]
    pd.concat(frames).to_csv(tmp_path / "l.csv", index=False)
    schema = timeseries.Schema(str(tmp_path / "l.csv"), "t", ("y",), id_column="id")
    prepared = prepare_file(
        schema,
        WindowSpec(7, 1, False, 0.1, 0.1, (), Borders("2022-03-01", "2022-03-20", "2022-04-05")),
        "standard",
    )
    assert prepared.layout.parts == [(60, 19, 16), (40, 19, 16)]  # a: Jan 1 - Mar 1; b: Jan 21 - Mar 1


def test_split_by_fractions_is_unchanged():
    import pandas as pd

    times = TimeAxis(pd.Timestamp("2021-01-01"), "D", 1461)
    assert split(times, 30, 1, (0.1, 0.1), Borders()) == (1169, 146, 146)


def test_a_too_short_series_names_the_lookback_or_fractions_that_fit():
    from rnncli.data.splits import check_length

    with pytest.raises(
        RnnCliError,
        match=r"36 rows .* set window.lookback=18 with data.val_fraction=0.16 and data.test_fraction=0.16",
    ):
        check_length(36, 30, 6, 0.1, 0.1)
    with pytest.raises(
        RnnCliError, match=r"set window.lookback=27 or data.val_fraction=0.02 and data.test_fraction=0.02"
    ):
        check_length(36, 30, 1, 0.1, 0.1)


@pytest.mark.parametrize("lookback, horizon", [(10**9, 7), (21, 10**9), (10**9, 10**9)])
def test_an_absurd_size_is_refused_after_a_bounded_search(monkeypatch, lookback, horizon):
    from rnncli.data import splits

    calls, real = [], splits.fits
    monkeypatch.setattr(splits, "fits", lambda *a, **k: calls.append(a) or real(*a, **k))
    with pytest.raises(RnnCliError, match="too few for") as caught:
        splits.check_length(300, lookback, horizon, 0.1, 0.1)
    assert len(calls) < 5_000  # before: one call per lookback below 1e9
    if lookback == 10**9 and horizon == 7:
        assert "set window.lookback=233" in str(caught.value)
