"""Tables printed into a pipe, a file or a CI log keep every cell whole: long run names, column
names, series ids, paths and numbers are never cut to fit 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import newest_run, write_config, write_csv

NAME = "transformer-station-north-oil-temperature-hourly-experiment"
TIME = "measurement_timestamp_in_local_time"
TARGET = "transformer_oil_temperature_celsius_sensor_a"
FEATURE = "high_useful_load_megawatts_measured_at_the_busbar"


@pytest.fixture
def narrow(cli, monkeypatch, tmp_path):
    """The CLI runner with an 80-column setting, as a CI log or `| cat` gets; a config with long names."""
    monkeypatch.setenv("COLUMNS", "80")
    csv = write_csv(tmp_path / "long.csv", n=240, time_column=TIME, target=TARGET, features=(FEATURE,))
    cfg = write_config(
        tmp_path / "long.yaml",
        csv,
        tmp_path / "runs",
        name=NAME,
        data={"time_column": TIME, "target": TARGET, "features": [FEATURE]},
        window={"lookback": 14, "horizon": 2},
        train={"epochs": 1},
    )
    return cli, cfg, tmp_path / "runs"


def _whole(text: str, *words: str) -> None:
    assert "…" not in text, text
    for word in words:
        assert word in text, f"{word!r} not printed whole in:\n{text}"


def test_every_command_prints_long_names_whole_into_a_pipe(narrow, tmp_path):
    cli, cfg, runs = narrow
    checked = cli("check", cfg)
    assert checked.code == 0, checked
    _whole(checked.out, TARGET, FEATURE, "2021-01-01", "2021-08-28")

    trained = cli("train", cfg, "-q")
    assert trained.code == 0, trained
    run = newest_run(runs)
    _whole(trained.out, TARGET, "seasonal naive (m=7)", str(run))

    evaluated = cli("evaluate", run)
    assert evaluated.code == 0, evaluated
    _whole(evaluated.out, TARGET, "persistence", "linear AR", str(run / "checkpoints" / "best.pt"))

    predicted = cli("predict", run, "--horizon", "2")
    assert predicted.code == 0, predicted
    _whole(predicted.out, TIME, TARGET, f"{TARGET}_lower", f"{TARGET}_upper", "2021-08-29", "2021-08-30")

    inspected = cli("inspect", run, "--trace")
    assert inspected.code == 0, inspected
    _whole(inspected.out, "rnn.weight_ih_l0", "(horizon·targets, hidden)", "largest difference")

    listed = cli("runs", runs)
    assert listed.code == 0, listed
    _whole(listed.out, NAME, _stamp(run), "best_val_loss", "vs_persistence", "lookback")

    swept = cli("sweep", cfg, "model.hidden_size=4,8", "-q")
    assert swept.code == 0, swept
    _whole(swept.out, "model.hidden_size", "best_val_loss")

    backtested = cli("backtest", cfg, "--folds", "2", "-q")
    assert backtested.code == 0, backtested
    _whole(backtested.out, TARGET, "seasonal naive", "linear AR", "2021-08-28", str(runs / NAME))


def test_runs_through_a_real_pipe_prints_the_name_and_time_whole(narrow, tmp_path):
    cli, cfg, runs = narrow
    assert cli("train", cfg, "-q").code == 0
    run = newest_run(runs)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    piped = subprocess.run(
        [sys.executable, "-m", "rnncli", "runs", str(runs)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    stamp = _stamp(run)
    _whole(piped.stdout, NAME, stamp, "lookback", "vs_persistence")
    line = next(line for line in piped.stdout.splitlines() if NAME in line)
    assert stamp in line  # the name and the time share a line: `rnncli runs | grep NAME` finds the run


def _stamp(run) -> str:
    """How `rnncli runs` shows a run folder's time: 20261122-204010 -> 2026-11-22 20:40:10."""
    n = run.name
    return f"{n[:4]}-{n[4:6]}-{n[6:8]} {n[9:11]}:{n[11:13]}:{n[13:15]}"
