"""Calendar features: known ahead, given at each input step and for the times being forecast."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.commands import evaluate, predict
from rnncli.data import calendar
from rnncli.data.windows import Windows
from rnncli.model.forecaster import Forecaster, ModelArgs
from rnncli.pipeline.run import train_run


def test_encodings_place_each_time_on_its_cycle():
    times = pd.DatetimeIndex(["2021-01-01 00:00", "2021-07-02 06:00", "2020-12-31 18:00"])
    out = calendar.encode(times, ["dayofyear", "hour", "dayofweek", "month"])
    assert calendar.columns(["dayofyear", "hour"]) == [
        "dayofyear_sin",
        "dayofyear_cos",
        "hour_sin",
        "hour_cos",
    ]
    np.testing.assert_allclose(out[0, :2], [0, 1], atol=1e-6)  # 1 January starts the year
    np.testing.assert_allclose(
        out[1, :2], [math.sin(2 * math.pi * 182 / 365), math.cos(2 * math.pi * 182 / 365)], atol=1e-6
    )
    np.testing.assert_allclose(
        out[2, :2], [math.sin(2 * math.pi * 365 / 366), math.cos(2 * math.pi * 365 / 366)], atol=1e-6
    )
    np.testing.assert_allclose(out[1, 2:4], [1, 0], atol=1e-6)  # 06:00 is a quarter of the day
    np.testing.assert_allclose(
        out[0, 4:6], [math.sin(2 * math.pi * 4 / 7), math.cos(2 * math.pi * 4 / 7)], atol=1e-6
    )  # a Friday
    np.testing.assert_allclose(
        out[1, 6:8], [math.sin(math.pi), math.cos(math.pi)], atol=1e-6
    )  # July: half the year


def test_windows_hand_over_the_calendar_of_the_target_rows():
    # columns: target = row number, then one calendar pair = (100 + row, 200 + row)
    rows = torch.stack([torch.arange(12.0), 100 + torch.arange(12.0), 200 + torch.arange(12.0)], dim=1)
    one = Windows(rows, lookback=3, horizon=2, n_targets=1, many_to_many=False, n_known=2)
    _x, y, future = one.batch(torch.tensor([0]))
    assert y[0, :, 0].tolist() == [3, 4]
    assert future.tolist() == [[103, 203, 104, 204]]  # the calendar of rows 3 and 4, the targets
    many = Windows(rows, lookback=3, horizon=2, n_targets=1, many_to_many=True, n_known=2)
    _, y, future = many.batch(torch.tensor([0]))
    assert future.shape == (1, 3, 4)
    for t in range(3):  # step t forecasts rows t+1, t+2 and is told their calendar
        assert y[0, t, :, 0].tolist() == [t + 1, t + 2]
        assert future[0, t].tolist() == [101 + t, 201 + t, 102 + t, 202 + t]


def test_the_head_reads_the_future_calendar():
    torch.manual_seed(0)
    model = Forecaster(ModelArgs(input_size=3, n_targets=1, horizon=2, hidden_size=4, future_size=4)).eval()
    x = torch.randn(1, 5, 3)
    a = model.forecast(x, torch.zeros(1, 4))
    b = model.forecast(x, torch.ones(1, 4))
    assert model.head.in_features == 4 + 4 and not torch.equal(a, b)


@pytest.fixture(scope="module")
def calendar_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calendar")
    csv = write_csv(tmp / "s.csv", n=300)
    cfg = config.load(
        write_config(tmp / "c.yaml", csv, tmp / "runs", data={"calendar": ["dayofweek", "dayofyear"]}),
        ["train.epochs=2"],
    )
    return train_run(cfg).run_dir, csv


def test_recursive_forecast_uses_the_calendar_of_each_forecast_date(calendar_run):
    run, csv = calendar_run
    payload = checkpoint.load(run / "checkpoints" / "best.pt")
    model = checkpoint.build_model(payload)
    assert payload["model_args"]["future_size"] == 4 and payload["model_args"]["input_size"] == 5
    loc, scale = payload["scaler"]["loc"][0, 0].item(), payload["scaler"]["scale"][0, 0].item()
    source = pd.read_csv(csv)
    times = list(pd.to_datetime(source["date"]))
    values = list((source["y"].to_numpy() - loc) / scale)
    expected = []
    for _ in range(4):
        window_times = pd.DatetimeIndex(times[-14:])
        x = np.concatenate(
            [np.array(values[-14:])[:, None], calendar.encode(window_times, ["dayofweek", "dayofyear"])],
            axis=1,
        )
        target_time = pd.DatetimeIndex([times[-1] + pd.Timedelta(days=1)])
        future = torch.from_numpy(calendar.encode(target_time, ["dayofweek", "dayofyear"]))
        with torch.no_grad():
            out = model.forecast(torch.tensor(x, dtype=torch.float32)[None], future).item()
        expected.append(out * scale + loc)
        values.append(out)
        times.append(target_time[0])
    frame = predict.predict(run, horizon=4).frame
    np.testing.assert_allclose(frame["y"].to_numpy(), expected, rtol=1e-4)


def test_calendar_runs_are_scored_and_resumable(calendar_run):
    run, _ = calendar_run
    report = evaluate.evaluate(run).metrics
    assert report["n_windows"] == 30 and report["model"]["mae"] is not None
