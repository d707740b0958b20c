"""Short data: an interval rests on enough windows or is left out with the reason, and no command
prints, writes or plots an infinite bound (a monthly series of 40 rows)."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import newest_run, write_config

from rnncli.artifacts import checkpoint


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monthly")
    rng = np.random.default_rng(1)
    t = np.arange(40)
    pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=40, freq="MS").strftime("%Y-%m-%d"),
            "y": np.round(100 + 10 * np.sin(2 * np.pi * t / 12) + t + rng.normal(0, 2, 40), 2),
        }
    ).to_csv(tmp / "m.csv", index=False)
    cfg = write_config(
        tmp / "m.yaml", tmp / "m.csv", tmp / "runs", window={"lookback": 6, "horizon": 2}, train={"epochs": 3}
    )
    return tmp, cfg


def _no_infinity(*texts):
    for text in texts:
        assert "inf" not in text.lower().replace("info", ""), text


def test_too_few_validation_windows_are_joined_by_earlier_origins(monthly, cli):
    tmp, cfg = monthly
    trained = cli("train", cfg)
    assert trained.code == 0, trained
    run = newest_run(tmp / "runs")
    calibration = checkpoint.load(run / "checkpoints" / "best.pt")["conformal"]
    sources = calibration["sources"]
    assert sources["validation"] == 3  # 4 validation rows, 2 steps ahead: 3 windows, too few for 90% (9)
    assert (
        calibration["n"] == 3 + sources["earlier"] >= 9
        and len(list((run / "calibration").glob("origin-*"))) >= 1
    )
    assert (
        f"the intervals rest on {calibration['n']} windows: 3 of the validation part and "
        f"{sources['earlier']} forecast" in trained.err
    )
    assert f"adaptive widths calibrated on {calibration['n']} windows" in trained.out
    predicted = cli("predict", run, "-n", "2", "-o", tmp / "fc.csv")
    frame = pd.read_csv(tmp / "fc.csv")
    assert predicted.code == 0 and np.isfinite(frame[["y_lower", "y_upper"]].to_numpy()).all()
    assert (frame["y_lower"] < frame["y"]).all() and (frame["y"] < frame["y_upper"]).all()
    _no_infinity(
        trained.out,
        trained.err,
        predicted.out,
        (tmp / "fc.csv").read_text(),
        (run / "summary.json").read_text(),
    )


def test_a_coverage_the_windows_cannot_give_is_left_out_with_the_reason_everywhere(monthly, cli):
    tmp, _ = monthly
    run = newest_run(tmp / "runs")
    n = checkpoint.load(run / "checkpoints" / "best.pt")["conformal"]["n"]
    assert n < 19
    predicted = cli(
        "predict", run, "-n", "4", "--coverage", "0.95", "-o", tmp / "wide.csv", "--plot", tmp / "wide.png"
    )
    assert (
        predicted.code == 0
        and f"no honest 95% interval: it rests on {n} calibration windows and needs at least 19"
        in predicted.out
    )
    assert list(pd.read_csv(tmp / "wide.csv").columns) == [
        "date",
        "y",
    ]  # the columns are left out, not filled with infinities
    evaluated = cli("evaluate", run, "--coverage", "0.95", "-o", tmp / "ev.json", "--plot", tmp / "ev.png")
    report = json.loads((tmp / "ev.json").read_text())
    assert evaluated.code == 0 and report["intervals"]["missing"].startswith("no honest 95% interval")
    assert "of actual values inside" not in evaluated.out and "no honest 95% interval" in evaluated.out
    backtested = cli(
        "backtest", tmp / "m.yaml", "--folds", "2", "predict.coverage=0.95", "-q"
    )  # each fold gathers 19 windows
    assert (
        backtested.code == 0
        and "95% prediction intervals, share of actual values inside, per fold: " in backtested.out
    ), backtested
    _no_infinity(
        predicted.out,
        evaluated.out,
        (tmp / "wide.csv").read_text(),
        (tmp / "ev.json").read_text(),
        backtested.out,
    )
