"""Finish a trained run: calibrate its prediction intervals, score it on the test split beside the
baselines, write summary.json and draw loss.png.

`finish` is the one place this happens; `rnncli train` (new or resumed), `sweep` and `backtest`
all reach it through `pipeline.run`. It starts from what training returned, weights in memory:
nothing is read back from disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncli.artifacts import checkpoint, run_folder
from rnncli.evaluation import conformal, intervals, scoring, verdict
from rnncli.evaluation.baselines import BaselineFit
from rnncli.evaluation.scores import Scores
from rnncli.model.forecaster import count_parameters
from rnncli.pipeline import earlier_origins
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
    baselines = BaselineFit.on(
        fitted.prepared
    )  # fitted on the training part once, for the test scores and the verdict
    scores = scoring.score_with(
        fitted.model,
        fitted.prepared,
        "test",
        calibration,
        fitted.cfg.predict.coverage,
        keep,
        keep,
        baselines,
        fitted.cfg.predict.online_step,
    )
    judged, val = _verdict(fitted, baselines)
    summary = _summary(fitted, scores, seconds)
    summary["val"]["baselines"] = {
        name: m["mae"] for name, m in val["baselines"].items()
    }  # the comparison the verdict makes
    run_folder.write_summary(fitted.run_dir, {**summary, "verdict": judged})
    fitted.prepared = None  # a long series need not sit in memory while the plot is drawn
    state, cfg = fitted.state, fitted.cfg
    plots.loss(state.history, fitted.run_dir / "loss.png", f"{cfg.name}: loss per epoch")
    return RunResult(
        fitted.run_dir,
        state.best_epoch,
        state.epoch,
        state.stopped_early,
        state.best_loss,
        scores,
        seconds,
        str(fitted.device),
        judged,
    )


def _verdict(fitted: FitResult, baselines: BaselineFit) -> tuple[list[str], dict]:
    """How the best epoch compares with the baselines on the validation part (the test part is for
    reporting, not for deciding), and a note when training stopped while still improving; and the
    validation metrics it compared."""
    state = fitted.state
    val = scoring.score(fitted.model, fitted.prepared, "val", baselines=baselines).metrics
    judged = verdict.lines(val, "validation part", fitted.cfg.to_dict(), fitted.prepared.season)
    more = verdict.more_epochs(state.best_epoch, state.epoch, state.stopped_early)
    return judged + ([more] if more else []), val


def _summary(fitted: FitResult, scores: Scores, seconds: float) -> dict:
    """What summary.json holds."""
    state, cfg, prepared = fitted.state, fitted.cfg, fitted.prepared
    return {
        "name": cfg.name,
        "run_dir": str(fitted.run_dir),
        "run_id": fitted.saved["last"].get("run_id"),
        "best_epoch": state.best_epoch,
        "epochs_run": state.epoch,
        "stopped_early": state.stopped_early,
        "val": {"loss": state.best_loss, "mae": state.history[state.best_epoch - 1]["val_mae"]},
        "test": scores.metrics,
        "train_seconds": round(sum(r["seconds"] for r in state.history), 3),
        "wall_seconds": round(seconds, 3),
        "device": str(fitted.device),
        "processes": fitted.processes,
        "parameters": count_parameters(fitted.model),
        "data": {
            "rows": sum(len(t) for t in prepared.times),
            "filled": prepared.filled,
            "frequency": prepared.frequency,
            "windows": {split: len(prepared.index(split)) for split in ("train", "val", "test")},
        },
        "versions": checkpoint.versions(),
    }


def _calibrate(fitted: FitResult, progress) -> dict | None:
    """Calibrate the intervals of the last epoch, then of the best (whose weights the model keeps),
    and store each in its checkpoint; once for both when the last epoch was the best. Returns best's."""
    steps, budget = conformal.reach(fitted.prepared)
    state = fitted.state
    same = state.best_epoch == state.epoch  # then best.pt and last.pt hold the same weights
    calibration = None
    for name in ("best",) if same else ("last", "best"):
        payload = fitted.saved[name]
        fitted.model.load_state_dict(payload["model_state"])
        calibration = _calibrate_one(
            fitted,
            _reach(fitted, steps, budget),
            budget,
            progress,
            "" if same else f" of the {name} epoch",
            name == "best",
        )
        for target in ("best", "last") if same else (name,):
            checkpoint.save(checkpoint.path(fitted.run_dir, target), {**payload, "conformal": calibration})
    return calibration


def _reach(fitted: FitResult, steps: int, budget: int) -> int:
    """How far ahead to calibrate: `steps` (as far as predict forecasts) when the validation part
    holds enough windows that far ahead for predict.coverage, else the model's own horizon (more
    windows fit; later steps then get no interval, and predict says so)."""
    horizon = fitted.prepared.spec.horizon
    enough = conformal.window_count(fitted.prepared, steps, horizon, budget) >= intervals.needed(
        fitted.cfg.predict.coverage
    )
    return (
        steps if enough and not fitted.model.args.quantiles else horizon
    )  # a quantile model's quantiles reach its horizon


def _calibrate_one(
    fitted: FitResult, steps: int, budget: int, progress, which: str, earlier: bool
) -> dict | None:
    """The calibration on the validation windows `steps` ahead; with too few for predict.coverage
    (and `earlier`), on windows of earlier stretches too (`earlier_origins.py`). None without any window."""
    n = conformal.window_count(fitted.prepared, steps, fitted.prepared.spec.horizon, budget)
    found = []
    if n:
        with progress.stage(
            f"calibrating prediction intervals{which} on {n:,} validation window{'s' * (n != 1)}, "
            f"{steps} step{'s' * (steps != 1)} ahead",
            n,
        ) as advance:
            found.append(conformal.scores(fitted.model, fitted.prepared, steps, budget, "val", advance))
    need = intervals.needed(fitted.cfg.predict.coverage)
    if earlier and n < need:
        found += earlier_origins.scores(fitted, steps, budget, need, n, progress)
        fitted.model.load_state_dict(fitted.saved["best"]["model_state"])
    if not found:
        return None
    errors, spreads = (np.concatenate([f[k] for f in found]) for k in (0, 1))
    calibration = conformal.summarise(
        errors, spreads, fitted.cfg.predict.intervals == "adaptive", bool(fitted.model.args.quantiles)
    )
    calibration["sources"] = {"validation": n, "earlier": len(errors) - n}
    if len(errors) > n:
        progress.note(
            f"the intervals rest on {len(errors):,} windows: {n:,} of the validation part and "
            f"{len(errors) - n:,} forecast by the same config trained at earlier origins (kept in "
            "calibration/)"
        )
    return calibration


def adopt_refit(result: RunResult, refitted: FitResult) -> None:
    """The refit on every row becomes the run's best.pt (what predict uses), with the intervals the
    validated model was calibrated with (the refit has no held-out data of its own); the validated
    checkpoint is kept as checkpoints/validated.pt, and summary.json says so."""
    import json

    best, kept = checkpoint.path(result.run_dir, "best"), checkpoint.path(result.run_dir, "validated")
    validated = checkpoint.load(best)
    best.replace(kept)
    checkpoint.save(
        best,
        {
            **refitted.saved["last"],
            "conformal": checkpoint.calibration(validated),
            "run_id": validated.get("run_id"),
            "refit": {"epochs": refitted.state.epoch, "windows": len(refitted.prepared.index("train"))},
        },
    )
    summary_path = result.run_dir / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["refit"] = {
        "epochs": refitted.state.epoch,
        "windows": len(refitted.prepared.index("train")),
        "folder": str(refitted.run_dir),
        "note": "best.pt is the refit on every row; test scores are the validated model's (validated.pt)",
    }
    run_folder.write_summary(result.run_dir, summary)
