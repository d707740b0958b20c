"""Tracking a run in the experiment trackers its config names (train.tracking), without ever
failing it: a tracker that errors is reported once and dropped, and training goes on.

`Tracked` stands between training and the progress it reports to: it passes everything on, and
logs the run's epochs to each tracker (`trackers.py`) from the moment training opens its run
folder until those epochs end (the trainings a run does afterwards, at earlier origins or
refitted on every row, are part of the run, not logged as epochs of it). `finish` logs the final
scores and the run folder's small files and closes the trackers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rnncli.pipeline import trackers


class Tracked:
    def __init__(self, progress, cfg, parent: dict | None = None):
        self.progress, self.cfg, self.parent = progress, cfg, parent
        self.open: list = []
        self.run_dir: Path | None = None
        self.epochs_open = False

    def __getattr__(self, name: str):  # note, start, batch, fold, stage, prefix...: the progress's own
        return getattr(self.progress, name)

    def _guarded(self, name: str, what: str, call, tracker=None) -> None:
        """Call `call`; on any error say so once and drop `tracker`."""
        try:
            call()
        except Exception as exc:  # a tracker's failure never stops the training
            self.progress.note(f"warning: {failed(name, what, exc)}; training goes on without it")
            if tracker in self.open:
                self.open.remove(tracker)

    def opened(self, run_dir: Path) -> None:
        """Training opened its run folder: open the trackers there (once: later trainings inside the
        run are not logged as its epochs)."""
        self.progress.opened(run_dir)
        if self.run_dir is not None:
            return
        self.run_dir, self.epochs_open = Path(run_dir), True
        for name in self.cfg.train.tracking:
            kind = trackers.KINDS[name]
            self._guarded(
                name, "opening", lambda k=kind: self.open.append(k(self.run_dir, self.cfg, self.parent))
            )

    def epoch(self, row: dict) -> None:
        self.progress.epoch(row)
        if self.epochs_open:
            for tracker in list(self.open):
                what = f"logging epoch {int(row['epoch'])}"
                self._guarded(tracker.name, what, lambda t=tracker: t.epoch(row), tracker)

    def stop(self) -> None:
        self.progress.stop()
        self.epochs_open = False

    def finish(self, summary: dict | None, status: str = "FINISHED") -> None:
        """Log the final scores and small files (with a summary), then close every tracker."""
        for tracker in list(self.open):
            if summary is not None:
                what, call = "logging the final scores", lambda t=tracker: t.finish(self.run_dir, summary)
                self._guarded(tracker.name, what, call, tracker)
        for tracker in list(self.open):
            self._guarded(tracker.name, "closing", lambda t=tracker: t.close(status), tracker)
        self.open = []


def tracked(progress, cfg, group, parent: dict | None = None):
    """The progress to train with: `Tracked` on the main process of a run that asks for trackers
    (refused here, before any training, if one's extra is missing), else `progress` itself."""
    if not cfg.train.tracking or not group.main:
        return progress
    trackers.require(cfg.train.tracking)
    return Tracked(progress, cfg, parent)


@contextmanager
def tracking(progress, cfg, group, parent: dict | None = None) -> Iterator:
    """The progress to train a run with (`tracked`); when the run ends, its final scores logged and
    the trackers closed (FINISHED), or, when it stops (a signal, an error), closed as KILLED: a
    resumed run continues the same tracker runs."""
    made = tracked(progress, cfg, group, parent)
    if not isinstance(made, Tracked):
        yield made
        return
    try:
        yield made
    except BaseException:
        made.finish(None, "KILLED")
        raise
    summary_path = None if made.run_dir is None else made.run_dir / "summary.json"
    summary = (
        json.loads(summary_path.read_text()) if summary_path is not None and summary_path.is_file() else None
    )
    made.finish(summary)


def failed(name: str, what: str, exc: Exception) -> str:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"tracking with {name} failed while {what} ({type(exc).__name__}: {first[:200]})"


def parent(cfg, folder: Path, kind: str, progress) -> dict | None:
    """The MLflow parent run of a sweep or backtest in `folder` (None when MLflow is not asked for,
    or when it fails: the children are then logged on their own, and the failure said once)."""
    if "mlflow" not in cfg.train.tracking:
        return None
    trackers.require(["mlflow"])
    try:
        return trackers.mlflow_parent(cfg, folder, kind)
    except Exception as exc:  # tracking never stops the work
        progress.note(
            f"warning: {failed('mlflow', f'opening the {kind} run', exc)}; its runs are logged alone"
        )
        return None


def end_parent(parent: dict | None, scores: dict[str, float], progress, status: str = "FINISHED") -> None:
    """Log a sweep's or backtest's own figures to its parent run and close it."""
    if parent is None:
        return
    try:
        trackers.mlflow_end_parent(parent, scores, status)
    except Exception as exc:  # tracking never stops the work
        progress.note(f"warning: {failed('mlflow', 'closing the parent run', exc)}")


def backtest_scores(scores: dict) -> dict[str, float]:
    """A backtest's figures for its parent run: each forecast's mean MAE and MASE over folds."""
    mean, out = scores.get("mean", {}), {}
    named = [("served", mean.get("model")), ("network", mean.get("network"))]
    for name, values in named + list(mean.get("baselines", {}).items()):
        for metric in ("mae", "mase"):
            if values and isinstance(values.get(metric), int | float):
                out[f"mean/{name}/{metric}"] = values[metric]
    return out
