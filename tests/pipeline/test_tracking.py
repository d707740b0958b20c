"""train.tracking: what a run logs to TensorBoard and MLflow, read back with each tracker's own
reader (TensorBoard's event accumulator, MLflow's client), for a training, a resumed training, a
sweep and a backtest; a tracker that fails never fails the training; a missing extra is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnncli import config
from rnncli.pipeline import trackers
from rnncli.pipeline.run import resume_run, train_run


def events(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run_dir / "tensorboard"))
    accumulator.Reload()
    return {
        tag: [(e.step, e.value) for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]
    }


def client(runs: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{runs.resolve() / 'mlflow.db'}")


def mlflow_run(run_dir: Path, runs: Path):
    run_id = json.loads((run_dir / "tracking.json").read_text())["mlflow"]["run_id"]
    return client(runs).get_run(run_id)


def history(run_dir: Path, runs: Path, key: str) -> list[tuple[int, float]]:
    run = mlflow_run(run_dir, runs)
    return sorted((m.step, m.value) for m in client(runs).get_metric_history(run.info.run_id, key))


def metrics_csv(run_dir: Path) -> list[dict]:
    import csv

    return list(csv.DictReader((run_dir / "metrics.csv").open()))


@pytest.fixture(autouse=True)
def local_store(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def test_a_run_logs_every_epoch_and_its_final_scores_to_both_trackers(tiny):
    cfg_path, _, runs = tiny
    run_dir = train_run(
        config.load(cfg_path, ["train.epochs=3", "train.tracking=[tensorboard,mlflow]"])
    ).run_dir
    summary, rows = json.loads((run_dir / "summary.json").read_text()), metrics_csv(run_dir)
    scalars = events(run_dir)
    assert [step for step, _ in scalars["loss/validation"]] == [1, 2, 3]
    assert [v for _, v in scalars["loss/validation"]] == pytest.approx([float(r["val_loss"]) for r in rows])
    for tag in ("loss/train", "optimizer/learning_rate", "optimizer/gradient_norm", "time/epoch_seconds"):
        assert len(scalars[tag]) == 3
    assert scalars["test/served/mae"][0][1] == pytest.approx(summary["test"]["model"]["mae"])
    run = mlflow_run(run_dir, runs)
    assert run.info.status == "FINISHED" and run.data.params["window.lookback"] == "14"
    assert history(run_dir, runs, "loss_validation") == [
        (i + 1, pytest.approx(float(r["val_loss"]))) for i, r in enumerate(rows)
    ]
    assert run.data.metrics["test_served_mase"] == pytest.approx(summary["test"]["model"]["mase"])
    artifacts = {a.path for a in client(runs).list_artifacts(run.info.run_id)}
    assert {"config.yaml", "metrics.csv", "summary.json", "loss.png"} <= artifacts


def test_a_resumed_run_continues_the_same_mlflow_run_and_event_files(tiny):
    cfg_path, _, runs = tiny
    first = train_run(
        config.load(cfg_path, ["train.epochs=2", "train.tracking=[tensorboard,mlflow]"])
    ).run_dir
    run_id = mlflow_run(first, runs).info.run_id
    resume_run(first, ["train.epochs=4"])
    assert mlflow_run(first, runs).info.run_id == run_id
    assert [step for step, _ in history(first, runs, "loss_validation")] == [1, 2, 3, 4]
    assert [step for step, _ in events(first)["loss/validation"]] == [1, 2, 3, 4]
    assert mlflow_run(first, runs).info.status == "FINISHED"
    assert len(client(runs).search_runs([mlflow_run(first, runs).info.experiment_id])) == 1


def test_a_sweep_is_a_parent_run_with_a_child_per_combination(tiny, cli):
    cfg_path, _, runs = tiny
    result = cli(
        "sweep", cfg_path, "model.hidden_size=4,8", "train.epochs=1", "train.tracking=[mlflow]", "--quiet"
    )
    assert result.code == 0, result
    sweep_dir = next((runs / "tiny").glob("sweep-*"))
    parent = json.loads((sweep_dir / "tracking.json").read_text())["mlflow"]["run_id"]
    found = client(runs).search_runs([client(runs).get_run(parent).info.experiment_id])
    children = [r for r in found if r.data.tags.get("mlflow.parentRunId") == parent]
    assert len(children) == 2 and all(r.info.status == "FINISHED" for r in children)
    assert sorted(r.data.params["model.hidden_size"] for r in children) == ["4", "8"]
    assert client(runs).get_run(parent).info.status == "FINISHED"


def test_a_backtest_is_a_parent_run_with_a_child_per_fold(tiny, cli):
    cfg_path, _, runs = tiny
    result = cli("backtest", cfg_path, "train.epochs=1", "train.tracking=[mlflow]", "--folds", "2", "--quiet")
    assert result.code == 0, result
    backtest_dir = next((runs / "tiny").glob("backtest-*"))
    parent = client(runs).get_run(
        json.loads((backtest_dir / "tracking.json").read_text())["mlflow"]["run_id"]
    )
    scores = json.loads((backtest_dir / "backtest.json").read_text())
    assert parent.data.metrics["mean_served_mase"] == pytest.approx(scores["mean"]["model"]["mase"])
    children = [
        r
        for r in client(runs).search_runs([parent.info.experiment_id])
        if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id
    ]
    assert sorted(r.info.run_name for r in children) == ["tiny/fold-1", "tiny/fold-2"]


def test_a_failing_tracker_is_reported_once_and_training_goes_on(tiny, monkeypatch, capsys):
    from rnncli.report.progress import PlainProgress

    def broken(self, row):
        raise OSError("disk full")

    monkeypatch.setattr(trackers.TensorBoard, "epoch", broken)
    cfg_path, _, runs = tiny
    result = train_run(
        config.load(cfg_path, ["train.epochs=3", "train.tracking=[tensorboard,mlflow]"]), PlainProgress()
    )
    assert result.epochs_run == 3 and (result.run_dir / "summary.json").is_file()
    err = capsys.readouterr().err
    assert err.count("tracking with tensorboard failed") == 1 and "disk full" in err
    assert [s for s, _ in history(result.run_dir, runs, "loss_validation")] == [1, 2, 3]  # MLflow went on


def test_a_missing_extra_is_one_line_naming_it_before_any_training(tiny, cli, monkeypatch):
    monkeypatch.setitem(trackers.EXTRAS, "mlflow", "no_such_module_here")
    cfg_path, _, runs = tiny
    result = cli("train", cfg_path, "train.tracking=[mlflow]")
    assert result.code == 2 and "pip install 'rnncli[mlflow]'" in result.err
    assert not runs.exists() or not any(runs.rglob("checkpoints"))
