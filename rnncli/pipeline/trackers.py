"""The experiment trackers a run can also log to (train.tracking): TensorBoard and MLflow.

Each is an optional extra, imported only when a config asks for it. A tracker opens on a run
folder, takes each epoch's row (the columns of metrics.csv), then the run's final scores and
small files, and closes. `tracking.py` calls them and keeps any error of theirs from reaching the
training.

- TensorBoard: event files in `<run>/tensorboard`, so `tensorboard --logdir runs` shows every run;
  a resumed run appends to them, its epochs numbered on.
- MLflow: one MLflow run per rnncli run, in the experiment named after the config's `name`, at
  MLFLOW_TRACKING_URI or else a SQLite store in output.dir (`mlflow.db`, artifacts beside it in
  `mlartifacts/`). Its id is kept in `<run>/tracking.json`, so a resumed run continues the same
  MLflow run; a sweep or a backtest is a parent run with a child per combination or fold.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

from rnncli.artifacts.files import write_json
from rnncli.errors import RnnCliError

EXTRAS = {"tensorboard": "tensorboard", "mlflow": "mlflow"}  # the module each needs
STATE = "tracking.json"  # in a run (or backtest) folder: the MLflow run it logs to
EPOCH_SCALARS = {
    "train_loss": "loss/train",
    "val_loss": "loss/validation",
    "val_mae": "validation/mae",
    "lr": "optimizer/learning_rate",
    "grad_norm": "optimizer/gradient_norm",
    "seconds": "time/epoch_seconds",
}
SMALL_FILES = ("config.yaml", "metrics.csv", "summary.json", "loss.png")


def require(names: list[str]) -> None:
    """Refuse, before any training, a tracker whose extra is not installed: one line naming it."""
    for name in names:
        if importlib.util.find_spec(EXTRAS[name]) is None:
            raise RnnCliError(
                f"train.tracking asks for {name}, which is not installed: pip install 'rnncli[{name}]' "
                f"(or leave {name} out of train.tracking)"
            )


def final_scores(summary: dict) -> dict[str, float]:
    """The test scores worth a tracker's chart: the served forecast's, the network's, each baseline's."""
    test, out = summary.get("test", {}), {}
    for name, values in [("served", test.get("model")), ("network", test.get("network"))] + [
        (b, v) for b, v in test.get("baselines", {}).items()
    ]:
        for metric in ("mae", "rmse", "smape", "mase"):
            if values and isinstance(values.get(metric), int | float):
                out[f"test/{name}/{metric}"] = float(values[metric])
    intervals = test.get("intervals", {})
    for metric in ("coverage", "mean_width", "msis"):
        if isinstance(intervals.get(metric), int | float):
            out[f"test/intervals/{metric}"] = float(intervals[metric])
    return out


class TensorBoard:
    name = "tensorboard"

    def __init__(self, run_dir: Path, cfg, parent: dict | None):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))

    def epoch(self, row: dict) -> None:
        for column, tag in EPOCH_SCALARS.items():
            self.writer.add_scalar(tag, float(row[column]), int(row["epoch"]))
        self.writer.flush()

    def finish(self, run_dir: Path, summary: dict) -> None:
        step = int(summary.get("best_epoch") or 0)
        for tag, value in final_scores(summary).items():
            self.writer.add_scalar(tag, value, step)
        self.writer.flush()

    def close(self, status: str) -> None:
        self.writer.close()


def mlflow_client(output_dir: str, uri: str | None = None):
    """The MLflow client at `uri`, else at MLFLOW_TRACKING_URI, else at a SQLite store in
    `output_dir`; and that URI."""
    import logging

    from mlflow.tracking import MlflowClient

    for name in ("mlflow", "alembic"):  # their set-up notes (creating tables) are not the user's business
        logging.getLogger(name).setLevel(logging.WARNING)
    uri = (
        uri
        or os.environ.get("MLFLOW_TRACKING_URI")
        or f"sqlite:///{Path(output_dir).resolve() / 'mlflow.db'}"
    )
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri), uri


def mlflow_experiment(client, name: str, output_dir: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = (
        None
        if os.environ.get("MLFLOW_TRACKING_URI")
        else (Path(output_dir).resolve() / "mlartifacts").as_uri()
    )
    return client.create_experiment(name, artifact_location=location)


def mlflow_parent(cfg, folder: Path, kind: str) -> dict:
    """The MLflow run a sweep or backtest in `folder` logs its children under (made once: a resumed
    backtest finds it in the folder's tracking.json)."""
    state = folder / STATE
    if state.is_file():
        return json.loads(state.read_text())["mlflow"]
    client, uri = mlflow_client(cfg.output.dir)
    experiment = mlflow_experiment(client, cfg.name, cfg.output.dir)
    run = client.create_run(
        experiment, run_name=f"{kind} {folder.name}", tags={"rnncli.kind": kind, "rnncli.folder": str(folder)}
    )
    parent = {"run_id": run.info.run_id, "tracking_uri": uri, "experiment_id": experiment}
    write_json(state, {"mlflow": parent})
    return parent


def mlflow_log(client, run_id: str, values: dict[str, float], step: int) -> None:
    """Values by tag ("loss/train") as MLflow metrics at `step`, in one call; MLflow's names use '_'."""
    from mlflow.entities import Metric

    stamp = int(time.time() * 1000)
    metrics = [Metric(tag.replace("/", "_"), float(value), stamp, step) for tag, value in values.items()]
    if metrics:
        client.log_batch(run_id, metrics=metrics)


def mlflow_end_parent(parent: dict, scores: dict[str, float], status: str) -> None:
    client = mlflow_client("", parent["tracking_uri"])[0]
    mlflow_log(client, parent["run_id"], scores, 0)
    client.set_terminated(parent["run_id"], status=status)


class MLflow:
    name = "mlflow"

    def __init__(self, run_dir: Path, cfg, parent: dict | None):
        from rnncli import config

        state = run_dir / STATE
        if state.is_file():  # a resumed run: the MLflow run it began, in the store it began in
            known = json.loads(state.read_text())["mlflow"]
            self.client, self.run_id = (
                mlflow_client(cfg.output.dir, known["tracking_uri"])[0],
                known["run_id"],
            )
            self.client.update_run(self.run_id, status="RUNNING")
            return
        if parent is not None:  # a sweep's combination or a backtest's fold: in its parent's store
            self.client, uri = mlflow_client(cfg.output.dir, parent["tracking_uri"])
            experiment = parent["experiment_id"]
        else:
            self.client, uri = mlflow_client(cfg.output.dir)
            experiment = mlflow_experiment(self.client, cfg.name, cfg.output.dir)
        tags = {"rnncli.kind": "run", "rnncli.folder": str(run_dir)}
        if parent is not None:
            tags["mlflow.parentRunId"] = parent["run_id"]
        self.run_id = self.client.create_run(
            experiment, run_name=f"{cfg.name}/{run_dir.name}", tags=tags
        ).info.run_id
        write_json(
            state, {"mlflow": {"run_id": self.run_id, "tracking_uri": uri, "experiment_id": experiment}}
        )
        self._params(config.flat(cfg))

    def _params(self, flat: dict) -> None:
        from mlflow.entities import Param

        params = [Param(k, json.dumps(v) if not isinstance(v, str) else v) for k, v in flat.items()]
        for start in range(0, len(params), 100):  # MLflow takes at most 100 parameters a call
            self.client.log_batch(self.run_id, params=params[start : start + 100])

    def epoch(self, row: dict) -> None:
        values = {tag: row[column] for column, tag in EPOCH_SCALARS.items()}
        mlflow_log(self.client, self.run_id, values, int(row["epoch"]))

    def finish(self, run_dir: Path, summary: dict) -> None:
        mlflow_log(self.client, self.run_id, final_scores(summary), int(summary.get("best_epoch") or 0))
        for name in SMALL_FILES:
            if (run_dir / name).is_file():
                self.client.log_artifact(self.run_id, str(run_dir / name))

    def close(self, status: str) -> None:
        self.client.set_terminated(self.run_id, status=status)


KINDS = {"tensorboard": TensorBoard, "mlflow": MLflow}
