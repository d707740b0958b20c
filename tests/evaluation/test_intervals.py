"""Prediction intervals (split conformal) and the figures drawn from forecasts."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from helpers import write_config

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.artifacts.trained import open_trained
from rnncli.commands import evaluate, predict
from rnncli.evaluation import conformal, intervals, recursive
from rnncli.pipeline.run import train_run

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_half_width_is_the_conformal_quantile():
    errors = torch.arange(1, 100, dtype=torch.float64)[:, None, None]  # 99 errors: 1 .. 99
    ranks = torch.linspace(0, 1, intervals.LEVELS, dtype=torch.float64) * 98
    calibration = {"n": 99, "steps": 1, "quantiles": errors.sort(0).values[ranks.round().long()].float()}
    # ceil((99 + 1) * 0.9) = 90: the 90th smallest error
    assert intervals.widths(calibration, 0.9).half.item() == pytest.approx(90, abs=0.05)
    assert intervals.widths(calibration, 0.5).half.item() == pytest.approx(50, abs=0.05)
    assert intervals.widths(calibration, 0.995) is None  # rank 100 > n: no finite bound, and no interval
    assert "rests on 99 calibration windows and needs at least 199" in intervals.missing(calibration, 0.995)
    assert (
        intervals.needed(0.9) == 9
        and intervals.needed(0.95) == 19
        and intervals.widths({**calibration, "n": 8}, 0.9) is None
    )


def test_roll_feeds_forecasts_back(tmp_path):
    class Echo(torch.nn.Module):  # forecasts the last input value + 1, two steps at a time
        args = type("Args", (), {"horizon": 2, "future_size": 0, "quantiles": ()})

        def forecast(self, x, future=None):
            return x[:, -1:, :1] + torch.tensor([[[1.0], [2.0]]])

    rows = torch.zeros(1, 3 + 5, 1)
    rows[0, :3, 0] = torch.tensor([5.0, 6.0, 7.0])
    out = recursive.roll(Echo(), rows, lookback=3, n_targets=1, n_known=0)
    assert out[0, :, 0].tolist() == [8, 9, 10, 11, 12]  # 7+1, 7+2, then from 9: 10, 11, then from 11: 12


@pytest.fixture(scope="module")
def noisy_run(tmp_path_factory):
    """A daily sine with Gaussian noise (sd 1): 2000 days, so the test part holds 200 windows."""
    tmp = tmp_path_factory.mktemp("noisy")
    rng = np.random.default_rng(3)
    t = np.arange(2000)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2015-01-01", periods=2000).strftime("%Y-%m-%d"),
            "y": 10 + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, 2000),
        }
    )
    frame.to_csv(tmp / "noisy.csv", index=False)
    cfg = config.load(
        write_config(tmp / "c.yaml", tmp / "noisy.csv", tmp / "runs"),
        ["train.epochs=6", "window.horizon=2", "model.hidden_size=16", "train.batch_size=64"],
    )
    return train_run(cfg).run_dir


def test_coverage_on_a_series_with_known_noise(noisy_run):
    report = evaluate.evaluate(noisy_run).metrics
    iv = report["intervals"]
    assert iv["coverage_target"] == 0.9 and report["n_windows"] == 199
    assert 0.85 <= iv["coverage"] <= 0.95
    # with noise of sd 1 an exact model's 90% interval is 2 * 1.645 wide; a fitted one is a little wider
    assert 3.0 < iv["mean_width"] < 5.0
    wide = evaluate.evaluate(noisy_run, coverage=0.99).metrics["intervals"]
    assert wide["coverage"] > iv["coverage"] and wide["mean_width"] > iv["mean_width"]
    assert "intervals" not in evaluate.evaluate(noisy_run, coverage=0).metrics


def test_predicted_intervals_follow_the_calibration(noisy_run):
    payload = checkpoint.load(noisy_run / "checkpoints" / "best.pt")
    calibration = payload["conformal"]
    assert (
        calibration["steps"] == 7 and calibration["n"] == 200 - 7 + 1
    )  # season 7 > horizon 2; val has 200 rows
    result = predict.predict(noisy_run, horizon=9, coverage=0.8)
    frame = result.frame
    last = open_trained(noisy_run).prepare(whole=True).last_window(0)[None]
    half = intervals.widths(calibration, 0.8).of(last, 1)[0, :, 0] * payload["scaler"]["scale"][0, 0].double()
    assert calibration["scaled_by"] == "window"  # as wide as the spread of the window forecast from
    np.testing.assert_allclose((frame["y_upper"] - frame["y"]).to_numpy()[:7], half.numpy(), rtol=1e-5)
    np.testing.assert_allclose((frame["y"] - frame["y_lower"]).to_numpy()[:7], half.numpy(), rtol=1e-5)
    assert (
        frame["y_lower"].iloc[7:].isna().all()
    )  # beyond the calibrated steps: no interval, and a note says so
    assert any("cover the first 7 steps" in note for note in result.notes)
    assert list(predict.predict(noisy_run, horizon=2, coverage=0).frame.columns) == ["date", "y"]


def test_summary_reports_interval_coverage_at_the_configured_level(noisy_run):
    summary = json.loads((noisy_run / "summary.json").read_text())
    assert summary["test"]["intervals"]["coverage_target"] == 0.9
    assert len(summary["test"]["intervals"]["per_horizon"]["coverage"]) == 2


def test_plots_are_pngs(noisy_run, cli, tmp_path):
    assert png_size(noisy_run / "loss.png")[0] > 400
    result = cli("predict", noisy_run, "-n", "5", "--plot", tmp_path / "fc.png")
    assert result.code == 0 and f"wrote {tmp_path / 'fc.png'}" in result.out
    width, height = png_size(tmp_path / "fc.png")
    assert width > 600 and 200 < height < 600
    result = cli("evaluate", noisy_run, "--plot", tmp_path / "ev.png", "--output", tmp_path / "ev.json")
    assert result.code == 0, result
    assert png_size(tmp_path / "ev.png")[0] > 600
    assert "forecasts" not in json.loads(
        (tmp_path / "ev.json").read_text()
    )  # the plotted arrays stay out of the JSON
    assert "90% prediction intervals:" in result.out


def test_plots_of_several_series_get_a_panel_each(cli, tmp_path):
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "day": pd.date_range("2021-01-01", periods=150).strftime("%Y-%m-%d"),
                    "store": key,
                    "sales": np.sin(np.arange(150) / 3) + level,
                }
            )
            for key, level in (("a", 1), ("b", 5))
        ]
    )
    frame.to_csv(tmp_path / "l.csv", index=False)
    cfg = {
        "data": {
            "path": str(tmp_path / "l.csv"),
            "time_column": "day",
            "id_column": "store",
            "target": "sales",
        },
        "window": {"lookback": 10},
        "train": {"epochs": 1},
        "output": {"dir": str(tmp_path / "runs")},
    }
    (tmp_path / "l.yaml").write_text(yaml.safe_dump(cfg))
    assert cli("train", tmp_path / "l.yaml", "-q").code == 0
    run = next((tmp_path / "runs").glob("*/*"))
    assert cli("predict", run, "--plot", tmp_path / "one.png").code == 0
    _, two_panels = png_size(tmp_path / "one.png")
    assert two_panels > 500  # two panels stacked


def test_intervals_need_a_finished_run(tiny, cli):
    run = train_run(config.load(tiny[0], ["train.epochs=1"])).run_dir
    payload = checkpoint.load(run / "checkpoints" / "best.pt")
    del payload["conformal"]
    checkpoint.save(run / "checkpoints" / "best.pt", payload)
    result = cli("predict", run)
    assert result.code == 0 and "no prediction intervals" in result.out
    bad = cli("predict", run, "--coverage", "1.5")
    assert bad.code == 2 and "--coverage must be between 0 and 1" in bad.err


def _prepared(tmp_path, rows: int, val_fraction: float = 0.4):
    from helpers import prepare_file, write_csv

    from rnncli.data import timeseries
    from rnncli.data.windows import WindowSpec

    csv = write_csv(tmp_path / "long.csv", n=rows, freq="h")
    return prepare_file(
        timeseries.Schema(str(csv), "date", ("y",)), WindowSpec(24, 1, False, val_fraction, 0.1), "standard"
    )


def test_calibration_windows_are_bounded_by_a_budget_of_forecasts(tmp_path):
    prepared = _prepared(tmp_path, 3000)  # 1200 validation rows
    available = 1200 - 48 + 1
    # few steps: every validation window
    assert conformal.window_count(prepared, 48, 48, budget=10**6) == 1200 - 48 + 1
    # one model call per step: 48 calls a window; a budget of 24,000 calls allows 500 windows
    assert conformal.window_count(prepared, 48, 1, budget=24_000) == 500
    # never fewer than MIN_WINDOWS, however small the budget
    assert conformal.window_count(prepared, 48, 1, budget=10) == conformal.MIN_WINDOWS
    # and never more than there are
    assert conformal.window_count(prepared, 48, 1, budget=10**9) == available

    class Counting(torch.nn.Module):  # counts the windows it forecasts: the cost calibration must bound
        args = type("Args", (), {"horizon": 1, "future_size": 0, "quantiles": ()})
        calls = windows = 0

        def forecast(self, x, future=None):
            Counting.calls += 1
            Counting.windows += len(x)
            return x[:, -1:, :1]

    calibration = conformal.calibrate(Counting(), prepared, 48, budget=24_000, adaptive=False)
    assert calibration["n"] == 500 and Counting.windows == 500 * 48
    assert calibration["quantiles"].dtype == torch.float32 and calibration["quantiles"].shape == (
        intervals.LEVELS,
        48,
        1,
    )
    # a persistence forecast's errors: the quantiles are those of |y[t+h] - y[t]| over the windows used
    values = prepared.windows.values[:, 0]
    starts = torch.linspace(0, available - 1, 500).round().long() + 3000 - 300 - 1200 - 24
    errors = (values[starts[:, None] + 24 + torch.arange(48)] - values[starts + 23][:, None]).abs()
    assert calibration["quantiles"][-1, :, 0].tolist() == pytest.approx(
        errors.max(0).values.tolist(), rel=1e-6
    )
    assert calibration["quantiles"][0, :, 0].tolist() == pytest.approx(
        errors.min(0).values.tolist(), rel=1e-6
    )


def test_training_calibrates_once_when_the_last_epoch_is_the_best_and_says_so(tiny, capsys):
    import sys

    from rnncli.report.progress import PlainProgress

    run = train_run(config.load(tiny[0], ["train.epochs=1"]), PlainProgress(sys.stderr)).run_dir
    err = capsys.readouterr().err
    assert (
        "calibrating prediction intervals on 18 validation windows, 7 steps ahead" in err
        and err.count("calibrating") == 1
    )
    best, last = (checkpoint.load(run / "checkpoints" / f"{w}.pt")["conformal"] for w in ("best", "last"))
    assert best["n"] == last["n"] == 18 and torch.equal(best["quantiles"], last["quantiles"])


class Persistence(torch.nn.Module):  # forecasts the last input value: its errors are the one-step changes
    args = type("Args", (), {"horizon": 1, "future_size": 0, "quantiles": ()})

    def forecast(self, x, future=None):
        return x[:, -1:, :1]


def test_adaptive_widths_follow_the_spread_of_each_window_by_hand(tmp_path):
    """Noise of sd 1, then sd 2 from the middle of the validation part: the scores are the errors
    over each window's mean absolute change, the width the conformal quantile of them times it."""
    from helpers import prepare_file

    from rnncli.data import timeseries
    from rnncli.data.windows import WindowSpec

    rng = np.random.default_rng(0)
    n, lookback = 4004, 24  # validation rows 2002 .. 3002: 1001 windows one step ahead, the stored grid exact
    y = np.concatenate([rng.normal(0, 1, 2502), rng.normal(0, 2, n - 2502)])
    pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M"), "y": y}
    ).to_csv(tmp_path / "v.csv", index=False)
    prepared = prepare_file(
        timeseries.Schema(str(tmp_path / "v.csv"), "date", ("y",)),
        WindowSpec(lookback, 1, False, 0.25, 0.25),
        "none",
    )
    calibration = conformal.calibrate(Persistence(), prepared, 1, budget=10**6)
    values = prepared.windows.values[:, 0].double().numpy()
    targets = np.arange(2002, 3003)  # each validation window's forecast row
    spread = np.array([np.abs(np.diff(values[t - lookback : t])).mean() for t in targets])
    scores = np.sort(np.abs(values[targets] - values[targets - 1]) / spread)
    assert calibration["n"] == 1001 and calibration["scaled_by"] == "window"
    widths = intervals.widths(calibration, 0.9)
    assert widths.half.item() == pytest.approx(
        scores[math.ceil(1002 * 0.9) - 1], rel=1e-5
    )  # the 902nd smallest score
    inputs = torch.stack([prepared.windows.values[t - lookback : t] for t in targets])
    half = widths.of(inputs, 1)[:, 0, 0].numpy()
    np.testing.assert_allclose(
        half, widths.half.item() * spread, rtol=1e-5
    )  # each window's width: the quantile times its spread
    calm, wild = half[targets < 2502 - 30].mean(), half[targets >= 2502 + 30].mean()
    assert 1.7 < wild / calm < 2.3  # twice the noise, about twice the width
    fixed = intervals.widths(
        conformal.calibrate(Persistence(), prepared, 1, budget=10**6, adaptive=False), 0.9
    )
    assert fixed.of(inputs, 1)[:, 0, 0].unique().numel() == 1  # one width for every window
    # held out (the test part, all at sd 2): adaptive widths cover as asked, fixed ones fall short
    test_targets = np.arange(3003, n)
    test_inputs = torch.stack([prepared.windows.values[t - lookback : t] for t in test_targets])
    miss = np.abs(values[test_targets] - values[test_targets - 1])
    assert (miss <= widths.of(test_inputs, 1)[:, 0, 0].numpy()).mean() == pytest.approx(0.9, abs=0.03)
    assert (miss <= fixed.of(test_inputs, 1)[:, 0, 0].numpy()).mean() < 0.85


def test_msis_is_width_plus_the_misses_over_the_mase_scale_by_hand():
    from rnncli.evaluation.metrics import Coverage

    actual = torch.tensor([[[10.0], [12.0]], [[8.0], [30.0]]], dtype=torch.float64)  # 2 windows, 2 steps
    lower = torch.tensor([[[9.0], [9.0]], [[9.0], [9.0]]], dtype=torch.float64)
    upper = torch.tensor([[[11.0], [13.0]], [[11.0], [13.0]]], dtype=torch.float64)
    scale = torch.tensor([[2.0], [4.0]], dtype=torch.float64)  # each window's series' in-sample MAE
    covered = Coverage(2, 1, alpha=0.05)
    covered.add(actual, lower, upper, scale)
    # window 1: widths 2 and 4, inside: (2 + 4) / 2 / 2 = 1.5; window 2: 2 + 40 * 1 (8 below 9) and 4 + 40 *
    # 17 (30 above 13), over 4
    expected = ((2 + 4) / 2 / 2 + ((2 + 40 * 1) + (4 + 40 * 17)) / 2 / 4) / 2
    result = covered.result()
    assert (
        result["msis"] == pytest.approx(expected)
        and result["coverage"] == 0.5
        and result["mean_width"] == 3.0
    )
