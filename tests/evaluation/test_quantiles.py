"""Quantile forecasts: the pinball loss, the median as the point forecast, conformalised quantile
regression that holds its coverage where the noise changes, and the quantiles in predict's CSV."""

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import write_config, write_values

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.commands import evaluate, predict
from rnncli.model.forecaster import Forecaster, ModelArgs
from rnncli.pipeline.run import train_run
from rnncli.training import losses


def test_pinball_loss_by_hand():
    pred = torch.tensor([[1.0, 2.0, 3.0]])  # the 0.1, 0.5 and 0.9 quantile forecasts of one value
    y = torch.tensor([2.5])
    # 0.1 * (2.5 - 1) = 0.15; 0.5 * (2.5 - 2) = 0.25; (1 - 0.9) * (3 - 2.5) = 0.05: their mean
    assert losses.pinball(pred, y, (0.1, 0.5, 0.9)).item() == pytest.approx((0.15 + 0.25 + 0.05) / 3)
    assert losses.pinball(
        pred.repeat(4, 1), y.repeat(4), (0.1, 0.5, 0.9), reduction="sum"
    ).item() == pytest.approx(4 * 0.15)
    members = pred.expand(3, 1, 3)  # an ensemble's members against the same actual values
    assert losses.pinball(members, y, (0.1, 0.5, 0.9)).item() == pytest.approx(0.15)
    trained_with = losses.get("pinball", (0.1, 0.5, 0.9))  # what training calls, batch after batch
    assert trained_with(pred, y).item() == pytest.approx(0.15) and trained_with(
        pred, y
    ).item() == pytest.approx(0.15)
    assert trained_with(
        pred.double().repeat(4, 1), y.double().repeat(4), reduction="sum"
    ).item() == pytest.approx(0.6)


def test_a_quantile_models_forecast_is_its_median_quantile():
    torch.manual_seed(0)
    model = Forecaster(
        ModelArgs(
            input_size=1,
            n_targets=1,
            horizon=2,
            cell="gru",
            hidden_size=8,
            normalize="last",
            normalized_columns=1,
            quantiles=(0.1, 0.5, 0.9),
        )
    ).eval()
    x = torch.randn(5, 12, 1)
    q = model.forecast_quantiles(x)
    assert (
        q.shape == (5, 2, 1, 3)
        and torch.equal(model.forecast(x), q[..., 1])
        and model(x).shape == (5, 2, 1, 3)
    )


@pytest.fixture(scope="module")
def heteroscedastic(tmp_path_factory):
    """A daily cycle whose noise swells and calms with it: sd 0.5 at its trough, 2.5 at its peak."""
    tmp = tmp_path_factory.mktemp("hetero")
    rng = np.random.default_rng(7)
    n = 24_000
    t = np.arange(n)
    phase = np.sin(2 * np.pi * t / 24)
    y = 5 * phase + rng.normal(0, 1, n) * (1.5 + phase)
    write_values(tmp / "h.csv", np.round(y, 4), freq="h", start="2020-01-01")
    cfg = write_config(
        tmp / "h.yaml",
        tmp / "h.csv",
        tmp / "runs",
        window={"lookback": 24, "horizon": 1},
        model={"cell": "gru", "hidden_size": 16, "quantiles": [0.05, 0.5, 0.95]},
        data={"val_fraction": 0.35, "test_fraction": 0.35},
        train={"loss": "pinball", "epochs": 4, "batch_size": 64, "lr": 0.01},
    )
    return tmp, train_run(config.load(cfg)).run_dir


def test_conformalised_quantiles_cover_as_asked_where_the_noise_changes(heteroscedastic):
    _tmp, run = heteroscedastic
    calibration = checkpoint.load(run / "checkpoints" / "best.pt")["conformal"]
    assert calibration["kind"] == "cqr" and calibration["n"] == 8400
    scores = evaluate.evaluate(run, coverage=0.9, plot=run.parent / "plot.png")
    iv = scores.metrics["intervals"]
    assert scores.metrics["n_windows"] >= 2000 and iv["widths"] == "conformalised quantiles"
    assert abs(iv["coverage"] - 0.9) <= 0.015, iv["coverage"]
    wide = evaluate.evaluate(run, coverage=0.8).metrics["intervals"]
    assert abs(wide["coverage"] - 0.8) <= 0.015 and wide["mean_width"] < iv["mean_width"]


def test_the_quantiles_are_in_predicts_csv_and_the_interval_follows_the_noise(heteroscedastic, cli):
    tmp, run = heteroscedastic
    done = cli("predict", run, "-n", "3", "-o", tmp / "q.csv")
    frame = pd.read_csv(tmp / "q.csv")
    assert done.code == 0 and list(frame.columns) == [
        "date",
        "y",
        "y_lower",
        "y_upper",
        "y_p5",
        "y_p50",
        "y_p95",
    ]
    first = frame.iloc[0]
    assert first["y_p5"] < first["y_p50"] < first["y_p95"] and first["y"] == pytest.approx(
        first["y_p50"], rel=1e-6
    )
    assert (
        frame[["y_lower", "y_p5"]].iloc[1:].isna().all().all()
    )  # past the model's horizon: no quantiles and no interval
    # wide where the noise is (the next step at the cycle's peak, sd 2.5) and narrow at its trough (sd 0.5)
    data = pd.read_csv(tmp / "h.csv")
    widths = {}
    for name, last in (
        ("peak", 24_000 - 24 * 30 + 5),
        ("trough", 24_000 - 24 * 30 + 17),
    ):  # the next row: t % 24 == 6 or 18
        data.iloc[:last].to_csv(tmp / f"{name}.csv", index=False)
        one = predict.predict(run, data_path=tmp / f"{name}.csv", horizon=1, coverage=0.9).frame.iloc[0]
        widths[name] = one["y_upper"] - one["y_lower"]
    assert widths["peak"] > 2.5 * widths["trough"], widths
