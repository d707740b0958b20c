"""data.transform: log and the floor at zero: values round-trip, forecasts and bounds never go
below zero for a target that never did, and negative data is refused for a log."""

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import write_config

from rnncli import config
from rnncli.commands import evaluate, predict
from rnncli.data.scaling import Scaler
from rnncli.errors import RnnCliError
from rnncli.pipeline.inputs import prepared_of
from rnncli.pipeline.run import train_run


def growing(tmp_path, n=240, low=0.5):
    t = np.arange(n)
    y = low + np.exp(t / 80) * (
        1.2 + np.sin(2 * np.pi * t / 7)
    )  # multiplicative season on growth, close to zero early
    csv = tmp_path / "g.csv"
    pd.DataFrame(
        {"date": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"), "y": np.round(y, 5)}
    ).to_csv(csv, index=False)
    return write_config(tmp_path / "c.yaml", csv, tmp_path / "runs"), y


def test_log_transform_round_trips_and_scales_the_logs(tmp_path):
    cfg_path, y = growing(tmp_path)
    prepared = prepared_of(config.load(cfg_path, ["data.transform=log"]))
    logged = np.log1p(np.round(y, 5))[:192]
    assert prepared.scaler.log_columns == 1
    assert float(prepared.scaler.loc[0, 0]) == pytest.approx(logged.mean(), rel=1e-5)
    starts = torch.arange(0, 10)
    back = prepared.unscale(
        prepared.windows.gather(starts)[:, :1, :1], starts
    )  # the first row of each window, in real units
    np.testing.assert_allclose(back[:, 0, 0].numpy(), np.round(y, 5)[:10], rtol=1e-5)
    state = Scaler.from_dict(prepared.fitted_scaler.to_dict())
    assert state.log_columns == 1 and torch.equal(state.floor, prepared.fitted_scaler.floor)


def test_log_transform_is_refused_on_negative_data(tmp_path):
    cfg_path, _ = growing(tmp_path, low=-2.0)
    with pytest.raises(RnnCliError, match="data.transform=log needs target values that are never negative"):
        prepared_of(config.load(cfg_path, ["data.transform=log"]))


def test_forecasts_and_bounds_of_a_never_negative_target_stay_at_or_above_zero(tmp_path):
    cfg_path, _ = growing(tmp_path, low=0.0)
    run = train_run(
        config.load(
            cfg_path,
            [
                "train.epochs=1",
                "window.horizon=3",
                "train.lr=0.05",
                "predict.coverage=0.99",
                "predict.intervals=fixed",
            ],
        )
    ).run_dir
    frame = predict.predict(
        run, horizon=3
    ).frame  # the steps intervals were calibrated for (99% needs 99 windows: the horizon)
    assert (frame[["y", "y_lower"]].to_numpy() >= 0).all() and (
        frame["y_lower"] == 0
    ).any()  # clipped, not merely positive
    metrics = evaluate.evaluate(run).metrics
    assert metrics["model"]["mae"] is not None
    off = train_run(
        config.load(
            cfg_path,
            [
                "train.epochs=1",
                "window.horizon=3",
                "train.lr=0.05",
                "predict.coverage=0.99",
                "predict.intervals=fixed",
                "predict.clip_negative=false",
            ],
        )
    ).run_dir
    assert (predict.predict(off, horizon=3).frame["y_lower"] < 0).any()  # the key turns it off


def test_a_target_with_negative_training_values_is_not_clipped(tmp_path):
    cfg_path, _ = growing(tmp_path, low=-3.0)
    prepared = prepared_of(config.load(cfg_path))
    assert prepared.floor(torch.tensor([0]), torch.device("cpu"))[0, 0, 0] == -np.inf
