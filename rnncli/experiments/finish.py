"""Finish a trained run: calibrate its prediction intervals, score it on the test split beside the
baselines, write summary.json and draw loss.png.

`finish` is the one place this happens; `rnncli train` (new or resumed), `sweep` and `backtest`
all reach it through `experiments.run`. It starts from what training returned, weights in memory:
nothing is read back from disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rnncli.artifacts import checkpoint, runs
from rnncli.evaluation import intervals, scoring, verdict
from rnncli.evaluation.scores import Scores
from rnncli.model.forecaster import count_parameters
from rnncli.report import plots
from rnncli.training.fit import FitResult


@dataclass
class RunResult:
    """A finished run: where it is, how training went, and its test scores."""

    run_dir: Path
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    best_val_loss: float
    scores: Scores  # of the best epoch on the test split
    seconds: float
    device: str
    verdict: list[str]  # against the baselines on the validation part, and whether more epochs may help


def finish(fitted: FitResult, progress, keep: bool = False) -> RunResult:
    """Calibrate last.pt's and best.pt's intervals, score best on the test split, write
    summary.json and loss.png. `keep`: also keep each test window's errors and the one-step
    forecasts (a backtest compares and plots them)."""
    seconds = time.perf_counter() - fitted.started  # the command's time until training ended
    calibration = _calibrate(fitted, progress)  # the model holds the best epoch's weights after this
    interval = intervals.for_scoring(calibration, fitted.cfg.predict.coverage)
    scores = scoring.score(fitted.model, fitted.prepared, "test", interval, keep_forecasts=keep, keep_errors=keep)
    judged, val = _verdict(fitted)
    summary = _summary(fitted, scores, seconds)
    summary["val"]["baselines"] = {name: m["mae"] for name, m in val["baselines"].items()}  # the comparison the verdict makes
    runs.write_summary(fitted.run_dir, {**summary, "verdict": judged})
    fitted.prepared = None  # a long series need not sit in memory while the plot is drawn
    state, cfg = fitted.state, fitted.cfg
    plots.loss(state.history, fitted.run_dir / "loss.png", f"{cfg.name}: loss per epoch")
    return RunResult(fitted.run_dir, state.best_epoch, state.epoch, state.stopped_early, state.best_loss, scores, seconds,
                     str(fitted.device), judged)


def _verdict(fitted: FitResult) -> tuple[list[str], dict]:
    """How the best epoch compares with the baselines on the validation part (the test part is for
    reporting, not for deciding), and a note when training stopped while still improving; and the
    validation metrics it compared."""
    state = fitted.state
    val = scoring.score(fitted.model, fitted.prepared, "val").metrics
    judged = verdict.lines(val, "validation part", fitted.cfg.to_dict(), fitted.prepared.season)
    more = verdict.more_epochs(state.best_epoch, state.epoch, state.stopped_early)
    return judged + ([more] if more else []), val


def _summary(fitted: FitResult, scores: Scores, seconds: float) -> dict:
    """What summary.json holds."""
    state, cfg, prepared = fitted.state, fitted.cfg, fitted.prepared
    return {
        "name": cfg.name, "run_dir": str(fitted.run_dir), "run_id": fitted.saved["last"].get("run_id"), "best_epoch": state.best_epoch, "epochs_run": state.epoch,
        "stopped_early": state.stopped_early, "val": {"loss": state.best_loss, "mae": state.history[state.best_epoch - 1]["val_mae"]},
        "test": scores.metrics, "train_seconds": round(sum(r["seconds"] for r in state.history), 3), "wall_seconds": round(seconds, 3),
        "device": str(fitted.device), "processes": fitted.processes, "parameters": count_parameters(fitted.model),
        "data": {"rows": sum(len(t) for t in prepared.times), "filled": prepared.filled, "frequency": prepared.frequency,
                 "windows": {split: len(prepared.index(split)) for split in ("train", "val", "test")}},
        "versions": checkpoint.versions(),
    }


def _calibrate(fitted: FitResult, progress) -> dict | None:
    """Calibrate the intervals of the last epoch, then of the best (whose weights the model keeps),
    and store each in its checkpoint; once for both when the last epoch was the best. Returns best's."""
    steps, budget = intervals.reach(fitted.prepared)
    state, horizon = fitted.state, fitted.prepared.spec.horizon
    same = state.best_epoch == state.epoch  # then best.pt and last.pt hold the same weights
    calibration = None
    for name in ("best",) if same else ("last", "best"):
        payload = fitted.saved[name]
        fitted.model.load_state_dict(payload["model_state"])
        which = "" if same else f" of the {name} epoch"
        calibration = _calibrate_one(fitted, steps, budget, progress, which) or _calibrate_one(fitted, horizon, budget, progress, which)
        for target in ("best", "last") if same else (name,):
            checkpoint.save(checkpoint.path(fitted.run_dir, target), {**payload, "conformal": calibration})
    return calibration


def _calibrate_one(fitted: FitResult, steps: int, budget: int, progress, which: str) -> dict | None:
    n = intervals.window_count(fitted.prepared, steps, fitted.prepared.spec.horizon, budget)
    if not n:
        return None
    with progress.stage(f"calibrating prediction intervals{which} on {n:,} validation windows, {steps} steps ahead", n) as advance:
        return intervals.calibrate(fitted.model, fitted.prepared, steps, budget, advance)


def adopt_refit(result: RunResult, refitted: FitResult) -> None:
    """The refit on every row becomes the run's best.pt (what predict uses), with the intervals the
    validated model was calibrated with (the refit has no held-out data of its own); the validated
    checkpoint is kept as checkpoints/validated.pt, and summary.json says so."""
    import json

    best, kept = checkpoint.path(result.run_dir, "best"), checkpoint.path(result.run_dir, "validated")
    validated = checkpoint.load(best)
    best.replace(kept)
    checkpoint.save(best, {**refitted.saved["last"], "conformal": checkpoint.calibration(validated), "run_id": validated.get("run_id"),
                           "refit": {"epochs": refitted.state.epoch, "windows": len(refitted.prepared.index("train"))}})
    summary_path = result.run_dir / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["refit"] = {"epochs": refitted.state.epoch, "windows": len(refitted.prepared.index("train")), "folder": str(refitted.run_dir),
                        "note": "best.pt is the refit on every row; test scores are the validated model's (validated.pt)"}
    runs.write_summary(result.run_dir, summary)
