"""rnncli runs: every run folder under a folder, what it trained and how it scored."""

import json
import shutil

import pytest
from helpers import rows


def test_runs_lists_every_run_and_sorts_by_any_column(runs_folder, cli):
    tmp, made, unfinished = runs_folder
    inside = made["gru"] / "calibration" / "origin-1"  # a run's own retraining is part of that run
    shutil.copytree(made["rnn"], inside)
    result = cli("runs", tmp / "runs", "--sort", "cell")
    assert result.code == 0, result
    table = rows(result.out)
    assert [r[4] for r in table] == ["gru", "lstm", "rnn", "rnn"]
    assert {r[1] for r in table} == {"tiny", "partial"} and sum(r[-1] == "unfinished" for r in table) == 1
    assert {r[0] for r in table} == {str(m.relative_to(tmp / "runs")) for m in [*made.values(), unfinished]}
    listed = json.loads(cli("runs", tmp / "runs", "--json", "--sort", "test_mae").out)
    summary = json.loads((made["lstm"] / "summary.json").read_text())
    lstm = next(r for r in listed if r["cell"] == "lstm")
    assert lstm["test_mae"] == summary["test"]["model"]["mae"]
    assert lstm["vs_persistence"] == pytest.approx(
        summary["test"]["model"]["mae"] / summary["test"]["baselines"]["persistence"]["mae"]
    )
    assert listed[-1]["test_mae"] is None and listed[-1]["path"] == str(unfinished)  # unscored runs sort last
    maes = [r["test_mae"] for r in listed[:-1]]
    assert maes == sorted(maes)
    assert cli("runs", tmp / "runs", "--sort", "colour").code == 2
    assert cli("runs", tmp / "nowhere").code == 2
