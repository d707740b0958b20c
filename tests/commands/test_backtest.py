"""rnncli backtest: fold borders, nothing leaking from later rows, the summary and the verdict, resuming,
and bad input refused before anything trains."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.commands import backtest
from rnncli.data import folds, timeseries
from rnncli.errors import Interrupted, RnnCliError
from rnncli.evaluation import comparison
from rnncli.pipeline.inputs import config_of_fold, prepared_of, schema_of, spec_of
from rnncli.report.progress import Silent


def daily(tmp_path, n=200, shift_from=None, **sections):
    """A daily series (2021-01-01 on); with shift_from, every row from that one on is 100 higher."""
    csv = write_csv(tmp_path / "d.csv", n=n)
    if shift_from is not None:
        frame = pd.read_csv(csv)
        frame.loc[shift_from:, "y"] += 100
        frame.to_csv(csv, index=False)
    base = {"train": {"epochs": 2, "batch_size": 32, "device": "cpu"}}
    return write_config(tmp_path / "c.yaml", csv, tmp_path / "runs", **{**base, **sections})


def test_folds_tile_the_end_of_the_data_and_move_train_and_validation_forward(tmp_path):
    cfg = config.load(daily(tmp_path))
    plan = folds.plan(timeseries.load(schema_of(cfg)), spec_of(cfg), 3)
    day = lambda row: str(pd.Timestamp("2021-01-01") + pd.Timedelta(days=row))  # noqa: E731
    assert (plan.test_rows, plan.val_rows, plan.step) == (20, 20, 20)
    for fold, end in zip(plan.folds, (159, 179, 199)):  # the last fold's test stretch ends at the last row
        assert fold.borders.as_list() == [day(end - 40), day(end - 20), day(end)]
        assert fold.spans["test"] == [day(end - 19), day(end)] and fold.spans["train"][0] == day(0)
        prepared = prepared_of(config_of_fold(cfg, fold))
        assert prepared.layout.parts == [(end - 39, 20, 20)]  # rows after the test stretch are left out
        assert len(prepared.index("test")) == 20
    stepped = folds.plan(timeseries.load(schema_of(cfg)), spec_of(cfg), 2, step=5)
    assert [f.borders.test_end for f in stepped.folds] == [
        day(194),
        day(199),
    ]  # overlapping test stretches, 5 days apart


def test_an_early_fold_too_short_for_the_window_gets_a_shorter_lookback(tmp_path):
    cfg = config.load(daily(tmp_path, window={"lookback": 150, "horizon": 1}))
    plan = folds.plan(timeseries.load(schema_of(cfg)), spec_of(cfg), 3)
    # training parts of 120, 140 and 160 rows: a window of 151 fits the last fold only
    assert [f.lookback for f in plan.folds] == [60, 70, 150]
    assert plan.folds[2].shortened(150) is None
    assert plan.folds[0].shortened(150).startswith("fold 1: lookback 60 instead of 150")
    prepared = prepared_of(config_of_fold(cfg, plan.folds[0]))
    assert prepared.spec.lookback == 60 and len(prepared.index("train")) == 120 - 60
    with pytest.raises(RnnCliError, match="at most 8 folds fit"):  # a lookback of 4 at the least
        folds.plan(timeseries.load(schema_of(cfg)), spec_of(cfg), 9)
    with pytest.raises(RnnCliError, match="at most 1 fold fit"):  # earlier origins keep the run's window
        folds.plan(timeseries.load(schema_of(cfg)), spec_of(cfg), 3, shorten=False)


def test_a_backtest_says_which_folds_look_back_less(tmp_path, cli):
    path = daily(tmp_path, n=120, window={"lookback": 90, "horizon": 1}, train={"epochs": 1})
    out = tmp_path / "b.json"
    result = cli("backtest", path, "--folds", "2", "-q", "-o", out)
    assert result.code == 0, result
    line = "fold 1: lookback 42 instead of 90"
    assert f"warning: {line}" in result.err and line in result.out
    scores = json.loads(out.read_text())
    assert [f["lookback"] for f in scores["folds"]] == [42, 90] and scores["shortened"][0].startswith(line)


def test_long_format_folds_cut_every_series_at_the_same_time(tmp_path):
    frames = [
        pd.DataFrame(
            {
                "t": pd.date_range(start, periods=n, freq="D").strftime("%Y-%m-%d"),
                "id": key,
                "y": np.sin(np.arange(n) / 3) + (5 if key == "b" else 0),
            }
        )
        for key, start, n in (("a", "2021-01-01", 200), ("b", "2021-02-10", 160))
    ]
    pd.concat(frames).to_csv(tmp_path / "l.csv", index=False)
    path = write_config(
        tmp_path / "l.yaml",
        tmp_path / "l.csv",
        tmp_path / "runs",
        data={"time_column": "t", "id_column": "id"},
    )
    cfg = config.load(path)
    plan = folds.plan(timeseries.load(schema_of(cfg)), spec_of(cfg), 2)
    last = plan.folds[-1]
    prepared = prepared_of(config_of_fold(cfg, last))
    # both series end on 2021-07-19; each is cut at the same borders, so b has 40 fewer training rows
    (ta, va, sa), (tb, vb, sb) = prepared.layout.parts
    assert (va, sa) == (vb, sb) == (20, 20) and ta - tb == 40


@pytest.fixture
def shifted(tmp_path):
    """A backtest of 3 folds over a series whose rows from 170 on are 100 higher: only the last fold
    trains on shifted rows; fitting anything on later rows would show."""
    cfg, folder, plan, series = backtest.start(daily(tmp_path, shift_from=170), [], 3, None, True)
    return cfg, folder, plan, series, backtest.run_folds(cfg, folder, plan, True, series, Silent())


def test_each_fold_fits_its_scaler_and_linear_ar_on_its_own_training_rows(shifted, tmp_path):
    cfg, _folder, _plan, _series, result = shifted
    y = pd.read_csv(tmp_path / "d.csv")["y"].to_numpy()
    lookback = cfg.window.lookback
    for fold_result, end in zip(result.results, (159, 179, 199)):
        n_train = end - 39
        payload = checkpoint.load(fold_result.run_dir / "checkpoints" / "best.pt")
        assert payload["scaler"]["loc"][0, 0].item() == pytest.approx(
            y[:n_train].mean(), rel=1e-5
        )  # no later row in the scaler
        # the linear AR by hand, on this fold's training windows only
        starts = np.arange(n_train - lookback)
        x = np.stack([np.append(y[s : s + lookback], 1.0) for s in starts])
        w = np.linalg.lstsq(x, y[starts + lookback], rcond=None)[0]
        tests = np.arange(end - 19 - lookback, end - lookback + 1)
        hand = np.abs(
            np.stack([np.append(y[s : s + lookback], 1.0) for s in tests]) @ w - y[tests + lookback]
        ).mean()
        assert fold_result.scores.metrics["baselines"]["linear_ar"]["mae"] == pytest.approx(hand, rel=1e-4)


def test_the_summary_is_the_folds_statistics_and_is_written_beside_them(shifted):
    _cfg, folder, _plan, _series, _result = shifted
    summary = json.loads((folder / "backtest.json").read_text())
    maes = [f["model"]["mae"] for f in summary["folds"]]
    assert summary["mean"]["model"]["mae"] == pytest.approx(statistics.mean(maes))
    assert summary["std"]["model"]["mae"] == pytest.approx(statistics.stdev(maes))
    ar = [f["baselines"]["linear_ar"]["rmse"] for f in summary["folds"]]
    assert summary["mean"]["baselines"]["linear_ar"]["rmse"] == pytest.approx(statistics.mean(ar))
    scaled = [f["standardised"]["baselines"]["persistence"]["mse"] for f in summary["folds"]]
    assert summary["std"]["standardised"]["persistence"]["mse"] == pytest.approx(statistics.stdev(scaled))
    assert summary["mean"]["standardised"]["model"]["mae"] == pytest.approx(
        statistics.mean(f["standardised"]["model"]["mae"] for f in summary["folds"])
    )
    c = summary["comparison"]
    best = c["baseline"]
    assert c["per_fold"] == pytest.approx(
        [f["model"]["mae"] - f["baselines"][best]["mae"] for f in summary["folds"]]
    )
    windows = sum(
        f["n_windows"] for f in summary["folds"]
    )  # equal folds: the pooled mean is the mean of the folds
    assert c["mean_difference"] == pytest.approx(
        sum(d * f["n_windows"] for d, f in zip(c["per_fold"], summary["folds"])) / windows
    )
    assert [f["run_dir"] for f in summary["folds"]] == [str(folder / f"fold-{k}") for k in (1, 2, 3)]
    rows = pd.read_csv(folder / "backtest.csv")
    assert list(rows["fold"]) == [1, 2, 3] and rows["model_mae"].tolist() == pytest.approx(maes)


def test_without_refit_one_model_is_scored_at_every_origin(tmp_path):
    cfg, folder, plan, series = backtest.start(daily(tmp_path), [], 3, None, False)
    result = backtest.run_folds(cfg, folder, plan, False, series, Silent())
    assert [r.run_dir for r in result.results] == [folder / "fold-1", None, None]
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["fold-1"]
    assert [r.scores.metrics["n_windows"] for r in result.results] == [20, 20, 20]
    scaler = checkpoint.load(folder / "fold-1" / "checkpoints" / "best.pt")["scaler"]
    assert scaler["loc"].numel() == 1 and not result.scores["refit"]


@pytest.mark.parametrize(
    "errors, verdict",
    [
        ((1.0, 1.5), "better than linear AR in"),
        ((1.5, 1.0), "worse than linear AR in"),
        ((1.0, 1.0), "not distinguishable from linear AR"),
    ],
)
def test_the_verdict_on_errors_whose_answer_is_known(errors, verdict):
    g = torch.Generator().manual_seed(0)
    model_level, baseline_level = errors
    reports, window_errors = [], []
    for _ in range(4):
        noise = torch.rand(200, generator=g, dtype=torch.float64)
        e = {
            "model": model_level + noise,
            "linear_ar": baseline_level + torch.rand(200, generator=g, dtype=torch.float64),
            "persistence": torch.full((200,), 9.0, dtype=torch.float64),
        }
        window_errors.append(e)
        reports.append(
            {
                "model": {"mae": float(e["model"].mean())},
                "baselines": {n: {"mae": float(v.mean())} for n, v in e.items() if n != "model"},
            }
        )
    result = comparison.compare(reports, window_errors, block=7)
    assert result["baseline"] == "linear_ar" and result["verdict"].startswith(verdict), result["verdict"]
    low, high = result["interval"]
    assert low < result["mean_difference"] < high
    assert result["mean_difference"] == pytest.approx(model_level - baseline_level, abs=0.06)


def test_folds_of_four_windows_give_no_verdict_but_say_why():
    """4 test windows a fold and blocks of 12 resampled one block a fold: the interval collapsed to a
    point."""
    window_errors = [
        {
            "model": torch.tensor([1.0, 1.2, 0.9, 1.1], dtype=torch.float64) + k,
            "persistence": torch.tensor([47.0, 47.2, 46.9, 47.1], dtype=torch.float64) + k,
        }
        for k in range(4)
    ]
    reports = [
        {
            "model": {"mae": float(e["model"].mean())},
            "baselines": {"persistence": {"mae": float(e["persistence"].mean())}},
        }
        for e in window_errors
    ]
    result = comparison.compare(reports, window_errors, block=12)
    assert result["verdict"].startswith(
        "not distinguishable from persistence: too few test windows to tell (16 in 4 folds make 16 "
        "independent blocks; a verdict needs 20"
    ), result["verdict"]
    assert (
        "blocks of up to 1 consecutive windows of one series" in result["method"] and result["blocks"] == 16
    )
    assert (
        comparison.fold_block(4, 12) == 1
        and comparison.fold_block(40, 12) == 12
        and comparison.fold_block(30, 12) == 10
    )


def test_blocks_hold_windows_of_one_series_only():
    """Series 0 has 9 windows in the fold, series 1 has 3: blocks of 3 and of 1, none across the two."""
    d = torch.arange(12, dtype=torch.float64)
    sums, sizes = comparison.blocks_of(d, 12, torch.tensor([0] * 9 + [1] * 3))
    assert sizes.tolist() == [3, 3, 3, 1, 1, 1]
    assert sums.tolist() == [0 + 1 + 2, 3 + 4 + 5, 6 + 7 + 8, 9, 10, 11]
    assert comparison.blocks_of(d, 12)[1].tolist() == [4, 4, 4]  # one series: a third of the fold


def test_many_series_of_one_window_a_fold_give_a_verdict():
    """50 series with one test window each per fold (M4's last 13 weeks): 200 independent windows,
    not 16 blocks cutting across series; a model clearly better is called better."""
    g = torch.Generator().manual_seed(1)
    window_errors, series, reports = [], [], []
    for _ in range(4):
        e = {
            "model": 1.0 + torch.rand(50, generator=g, dtype=torch.float64),
            "persistence": 1.5 + torch.rand(50, generator=g, dtype=torch.float64),
        }
        window_errors.append(e)
        series.append(torch.arange(50))
        reports.append(
            {
                "model": {"mae": float(e["model"].mean())},
                "baselines": {"persistence": {"mae": float(e["persistence"].mean())}},
            }
        )
    result = comparison.compare(reports, window_errors, block=52, window_series=series)
    assert result["blocks"] == 200 and result["verdict"].startswith(
        "better than persistence in 4 of 4 folds"
    ), result["verdict"]
    across = comparison.compare(
        reports, window_errors, block=52
    )  # taken as one series a fold: 4 blocks of up to 16
    assert across["blocks"] == 4 * 4 and "too few test windows" in across["verdict"]


def test_a_stopped_backtest_keeps_its_finished_folds_and_resumes(tmp_path, monkeypatch, cli):
    from rnncli.training import fit

    real, calls = fit.fit, []

    def stop_in_fold_two(cfg, *args, **kw):
        calls.append(kw["run_dir"].name)
        if kw["run_dir"].name == "fold-2":
            raise Interrupted(
                "stopped by SIGINT after epoch 1; the run is saved. Resume it with:\n  rnncli train "
                "--resume fold-2",
                every_process=True,
                reason="stopped by SIGINT after epoch 1",
            )  # as training raises it
        return real(cfg, *args, **kw)

    monkeypatch.setattr(fit, "fit", stop_in_fold_two)
    stopped = cli("backtest", daily(tmp_path), "--folds", "3", "-q")
    assert (
        stopped.code == 130
        and "stopped in fold 2 of 3 (stopped by SIGINT after epoch 1); the finished folds are kept"
        in stopped.err
    )
    folder = next((tmp_path / "runs" / "tiny").glob("backtest-*"))
    assert f"rnncli backtest --resume {folder}" in stopped.err and not (folder / "backtest.json").exists()
    assert "Resume it with:" not in stopped.err and stopped.err.strip().endswith(
        f"rnncli backtest --resume {folder}"
    )  # nothing dangling
    first = (folder / "fold-1" / "metrics.csv").stat().st_mtime_ns
    monkeypatch.setattr(fit, "fit", real)
    resumed = cli("backtest", "--resume", folder, "-q")
    assert resumed.code == 0, resumed
    assert (folder / "fold-1" / "metrics.csv").stat().st_mtime_ns == first  # not trained again
    assert len(json.loads((folder / "backtest.json").read_text())["folds"]) == 3
    assert "verdict:" in resumed.out


@pytest.mark.parametrize(
    "args, words",
    [
        (["--folds", "0"], ["--folds must be at least 1"]),
        (["--folds", "9"], ["--folds 9 with --step 20", "at most 8 folds fit"]),
        (["--folds", "2", "--step", "158"], ["--step 158", "fold 1:", "at most 1 fold fit"]),
    ],
)
def test_bad_input_is_one_line_before_anything_trains(tmp_path, cli, args, words):
    result = cli("backtest", daily(tmp_path), *args)
    assert result.code == 2 and "Traceback" not in result.err
    assert all(w in result.err for w in words), result.err
    assert len(result.err.strip().splitlines()) == 1 and not (tmp_path / "runs").exists()


def test_a_quiet_backtest_says_only_which_fold_it_is_in(tmp_path, cli):
    result = cli("backtest", daily(tmp_path), "--folds", "3", "-q")
    assert result.code == 0, result
    lines = result.err.strip().splitlines()
    assert [line for line in lines if not line.startswith("warning: ")] == [
        "fold 1/3",
        "fold 2/3",
        "fold 3/3",
    ]
    assert len(lines) == len(set(lines))  # each warning once, not once per fold


@pytest.mark.parametrize(
    "windows, shift, verdict",
    [
        (600, -1.0, "better than linear AR on the test split"),
        (600, 1.0, "worse than linear AR on the test split"),
        (600, 0.0, "not distinguishable from linear AR on the test split"),
        (13, -0.3, "not distinguishable from linear AR: too few windows of the test split to tell (13 make"),
        (1, -5.0, "not distinguishable from linear AR: too few windows of the test split to tell (1 make"),
    ],
)
def test_one_split_is_judged_by_the_rule_backtest_uses(windows, shift, verdict):
    g = torch.Generator().manual_seed(1)
    e = {
        "model": 2.0 + shift + torch.rand(windows, generator=g, dtype=torch.float64),
        "linear_ar": 2.0 + torch.rand(windows, generator=g, dtype=torch.float64),
    }
    report = {"model": {"mae": float(e["model"].mean())}, "baselines": {"linear_ar": {"mae": 2.5}}}
    result = comparison.compare([report], [e], block=7, part="test split")
    assert result["verdict"].startswith(verdict), result["verdict"]
    assert " of 1 folds" not in result["verdict"]
    low, high = result["interval"]
    assert (low < high) == (windows > 1) and ("no interval" in result["verdict"]) == (windows == 1)
