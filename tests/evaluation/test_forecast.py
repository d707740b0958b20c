import json

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import CLASSICAL, write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.commands import evaluate, predict
from rnncli.errors import RnnCliError
from rnncli.pipeline.run import train_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One run on a 240-day series, shared by the tests of this module (they only read it)."""
    tmp = tmp_path_factory.mktemp("trained")
    csv_path = write_csv(tmp / "series.csv")
    cfg = config.load(write_config(tmp / "c.yaml", csv_path, tmp / "runs"), ["train.epochs=2"])
    return train_run(cfg).run_dir, csv_path


def manual_forecast(run, rows: np.ndarray) -> np.ndarray:
    """Scale, run the network, unscale: the forecast computed by hand from the checkpoint."""
    payload = checkpoint.load(run / "checkpoints" / "best.pt")
    model = checkpoint.build_model(payload)
    loc, scale = payload["scaler"]["loc"][0].double(), payload["scaler"]["scale"][0].double()
    x = ((torch.tensor(rows, dtype=torch.float64) - loc) / scale).float()[None]
    with torch.no_grad():
        out = model(x)[0].double()
    return (out * scale[0] + loc[0]).numpy()


def test_predict_continues_the_timestamps_and_matches_a_manual_forward(trained):
    run, csv_path = trained
    frame = predict.predict(run, horizon=1).frame
    source = pd.read_csv(csv_path)
    assert list(frame.columns) == ["date", "y", "y_lower", "y_upper"]
    assert frame["date"].iloc[0] == pd.Timestamp(source["date"].iloc[-1]) + pd.Timedelta(days=1)
    expected = manual_forecast(run, source[["y"]].to_numpy()[-14:])
    assert frame["y"].iloc[0] == pytest.approx(expected[0, 0], abs=1e-4)


def test_recursive_forecast_feeds_predictions_back(trained):
    run, csv_path = trained
    frame = predict.predict(run, horizon=3).frame
    assert len(frame) == 3 and frame["date"].diff().iloc[1:].eq(pd.Timedelta(days=1)).all()
    history = list(pd.read_csv(csv_path)["y"].to_numpy()[-14:])
    for step in range(3):
        value = manual_forecast(run, np.array(history[-14:])[:, None])[0, 0]
        assert frame["y"].iloc[step] == pytest.approx(value, abs=1e-3)
        history.append(value)


def test_predict_from_another_csv_and_from_a_checkpoint_file(trained, tmp_path):
    run, csv_path = trained
    shorter = tmp_path / "first100.csv"
    pd.read_csv(csv_path).head(100).to_csv(shorter, index=False)
    frame = predict.predict(run / "checkpoints" / "last.pt", data_path=shorter, horizon=2).frame
    assert frame["date"].iloc[0] == pd.Timestamp(pd.read_csv(shorter)["date"].iloc[-1]) + pd.Timedelta(days=1)


def test_predict_needs_lookback_rows(trained, tmp_path):
    run, csv_path = trained
    short = tmp_path / "short.csv"
    pd.read_csv(csv_path).head(10).to_csv(short, index=False)
    with pytest.raises(RnnCliError, match="has 10 rows .* reads the last 14"):
        predict.predict(run, data_path=short)


def test_predict_refuses_a_csv_without_the_trained_columns(trained, tmp_path):
    run, csv_path = trained
    other = tmp_path / "other.csv"
    pd.read_csv(csv_path).rename(columns={"y": "z"}).to_csv(other, index=False)
    with pytest.raises(RnnCliError, match="column 'y' is not in"):
        predict.predict(run, data_path=other)


def test_beyond_horizon_with_features_is_refused(tmp_path):
    csv_path = write_csv(tmp_path / "s.csv", features=("x",))
    cfg = config.load(
        write_config(
            tmp_path / "c.yaml", csv_path, tmp_path / "runs", data={"features": ["x"]}, window={"horizon": 2}
        ),
        ["train.epochs=1"],
    )
    run = train_run(cfg).run_dir
    assert len(predict.predict(run, horizon=2).frame) == 2
    with pytest.raises(RnnCliError, match=r"beyond the model's horizon \(2\).*features \(x\)"):
        predict.predict(run, horizon=3)


def test_evaluate_persistence_equals_a_direct_computation_from_the_csv(trained):
    run, csv_path = trained
    report = evaluate.evaluate(run).metrics
    y = pd.read_csv(csv_path)["y"].to_numpy()
    test_rows = np.arange(240 - 24, 240)  # the last 10% of 240 rows
    assert report["n_windows"] == 24
    assert report["baselines"]["persistence"]["mae"] == pytest.approx(
        np.abs(y[test_rows] - y[test_rows - 1]).mean(), rel=1e-5
    )
    seasonal = np.abs(y[test_rows] - y[test_rows - 7]).mean()
    assert report["baselines"]["seasonal_naive"]["mae"] == pytest.approx(seasonal, rel=1e-5)
    train = y[:192]
    assert report["baselines"]["persistence"]["mase"] == pytest.approx(
        np.abs(y[test_rows] - y[test_rows - 1]).mean() / np.abs(train[7:] - train[:-7]).mean(), rel=1e-5
    )


def test_scaled_metrics_are_errors_over_the_training_sd(trained):
    # the figures papers print: errors divided by the training part's standard deviation
    run, csv_path = trained
    report = evaluate.evaluate(run).metrics
    y = pd.read_csv(csv_path)["y"].to_numpy()
    test_rows = np.arange(240 - 24, 240)
    sd = y[:192].std()  # the training rows' population sd, as the scaler computes it
    errors = (y[test_rows] - y[test_rows - 1]) / sd
    scaled = report["standardised"]["baselines"]["persistence"]
    assert scaled["mse"] == pytest.approx((errors**2).mean(), rel=1e-5)
    assert scaled["mae"] == pytest.approx(np.abs(errors).mean(), rel=1e-5)
    assert report["baselines"]["persistence"]["mse"] == pytest.approx(
        ((y[test_rows] - y[test_rows - 1]) ** 2).mean(), rel=1e-5
    )
    model = report["standardised"][
        "model"
    ]  # the model's standardised MSE is its real-unit MSE over sd squared
    assert model["mse"] == pytest.approx(report["model"]["mse"] / sd**2, rel=1e-4)
    assert set(report["standardised"]["baselines"]) == CLASSICAL


def test_evaluate_model_scores_equal_manual_forecasts(trained):
    run, csv_path = trained
    y = pd.read_csv(csv_path)["y"].to_numpy()
    preds = np.array([manual_forecast(run, y[t - 14 : t, None])[0, 0] for t in range(216, 240)])
    report = evaluate.evaluate(run).metrics
    assert report["model"]["mae"] == pytest.approx(np.abs(preds - y[216:]).mean(), rel=1e-4)
    assert report["model"]["rmse"] == pytest.approx(np.sqrt(((preds - y[216:]) ** 2).mean()), rel=1e-4)


def test_evaluate_matches_the_summary_and_covers_each_split(trained):
    run, _ = trained
    summary = json.loads((run / "summary.json").read_text())
    report = evaluate.evaluate(run).metrics
    assert report["model"] == pytest.approx(summary["test"]["model"])
    counts = {s: evaluate.evaluate(run, split=s).metrics["n_windows"] for s in ("train", "val", "all")}
    assert counts == {"train": 192 - 15 + 1, "val": 24, "all": 240 - 15 + 1}


def test_evaluate_report_shape_for_several_targets_and_steps(tmp_path):
    csv_path = write_csv(tmp_path / "s.csv", features=("x",))
    cfg = config.load(
        write_config(
            tmp_path / "c.yaml",
            csv_path,
            tmp_path / "runs",
            data={"target": ["y", "x"]},
            window={"horizon": 3, "mode": "many_to_many"},
        ),
        ["train.epochs=1"],
    )
    report = evaluate.evaluate(train_run(cfg).run_dir).metrics
    assert set(report) >= {"split", "n_windows", "model", "baselines", "per_horizon", "per_target"}
    assert len(report["per_horizon"]["model"]["mae"]) == 3
    assert set(report["per_target"]) == {"y", "x"}
    both = [report["per_target"][t]["model"]["mae"] for t in ("y", "x")]
    assert report["model"]["mae"] == pytest.approx(sum(both) / 2)
    # a longer horizon makes persistence worse on this seasonal series: step 3 is 3 days stale
    steps = report["per_horizon"]["persistence"]["mae"]
    assert steps[2] > steps[0]


def test_hourly_csv_with_other_names(tmp_path):
    csv_path = write_csv(tmp_path / "h.csv", n=400, freq="h", time_column="stamp", target="reading")
    cfg = config.load(
        write_config(
            tmp_path / "c.yaml",
            csv_path,
            tmp_path / "runs",
            data={"time_column": "stamp", "target": "reading"},
            window={"lookback": 24, "horizon": 6},
            model={"cell": "lstm"},
        ),
        ["train.epochs=1"],
    )
    run = train_run(cfg).run_dir
    frame = predict.predict(run, horizon=12).frame
    assert list(frame.columns) == ["stamp", "reading", "reading_lower", "reading_upper"] and len(frame) == 12
    last = pd.Timestamp(pd.read_csv(csv_path)["stamp"].iloc[-1])
    assert list(frame["stamp"]) == list(pd.date_range(last, periods=13, freq="h")[1:])
    assert evaluate.evaluate(run).metrics["season"] == 24


def test_missing_run_and_missing_checkpoint(tmp_path):
    with pytest.raises(RnnCliError, match="does not exist; give a run folder"):
        predict.predict(tmp_path / "nowhere")
    with pytest.raises(RnnCliError, match="has no checkpoints/best.pt"):
        predict.predict(tmp_path)


def test_moved_data_needs_data_option(trained, tmp_path):
    run, _ = trained
    payload = checkpoint.load(run / "checkpoints" / "best.pt")
    payload["config"]["data"]["path"] = str(tmp_path / "gone.csv")
    moved = tmp_path / "moved.pt"
    checkpoint.save(moved, {k: v for k, v in payload.items() if k not in ("format", "format_version")})
    with pytest.raises(RnnCliError, match="is not here; pass --data"):
        predict.predict(moved)
