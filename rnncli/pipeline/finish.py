"""Finish a trained run: calibrate its prediction intervals, choose the forecast it serves
(`choosing.py`), score that on the test split beside the network and the baselines, write
summary.json and draw loss.png.

`finish` is the one place this happens; `rnncli train` (new or resumed), `sweep` and `backtest`
all reach it through `pipeline.run`. It starts from what training returned, weights in memory:
nothing is read back from disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rnncli.artifacts import checkpoint, run_folder
from rnncli.evaluation import scoring, verdict
from rnncli.evaluation.scores import Scores
from rnncli.model.forecaster import count_parameters
from rnncli.pipeline import choosing
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
    """Calibrate last.pt's and best.pt's intervals, choose what best serves, score it on the test
    split, write summary.json and loss.png. `keep`: also keep each test window's errors and the
    one-step forecasts (a backtest compares and plots them)."""
    seconds = time.perf_counter() - fitted.started  # the command's time until training ended
    choice = _calibrate_and_choose(fitted, progress)  # the model holds the best epoch's weights after this
    cfg, prepared = fitted.cfg, fitted.prepared
    scores = scoring.score_with(
        fitted.model,
        prepared,
        "test",
        choice.served,
        cfg.predict.coverage,
        keep,
        keep,
        choice.baselines,
        cfg.predict.online_step,
        choice.selection,
    )
    judged, val = _verdict(fitted, choice)
    summary = _summary(fitted, scores, seconds)
    summary["val"]["baselines"] = {
        name: m["mae"] for name, m in val["baselines"].items()
    }  # what the verdict compares
    summary["val"]["served"], summary["val"]["network"] = val["model"]["mae"], val["network"]["mae"]
    summary["selection"] = choice.selection.to_dict()
    run_folder.write_summary(fitted.run_dir, {**summary, "verdict": judged})
    fitted.prepared = None  # a long series need not sit in memory while the plot is drawn
    state = fitted.state
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


def _calibrate_and_choose(fitted: FitResult, progress) -> choosing.Choice:
    """The last epoch's calibration into last.pt (when it is not the best), then the best epoch's
    choice of what to serve and its calibrations into best.pt; the model keeps the best weights."""
    state = fitted.state
    same = state.best_epoch == state.epoch  # then best.pt and last.pt hold the same weights
    if not same:
        payload = fitted.saved["last"]
        fitted.model.load_state_dict(payload["model_state"])
        calibration = choosing.network_calibration(fitted, progress, " of the last epoch")
        checkpoint.save(checkpoint.path(fitted.run_dir, "last"), {**payload, "conformal": calibration})
    payload = fitted.saved["best"]
    fitted.model.load_state_dict(payload["model_state"])
    choice = choosing.choose(fitted, progress)
    fitted.model.load_state_dict(payload["model_state"])
    progress.note(f"serving {choice.selection.name}: {choice.selection.reason}")
    chosen = {"conformal": choice.network, "selection": choice.selection.to_dict()}
    if choice.selection.served != "network":
        chosen["served_conformal"] = choice.served
    for target in ("best", "last") if same else ("best",):
        checkpoint.save(checkpoint.path(fitted.run_dir, target), {**payload, **chosen})
    return choice


def _verdict(fitted: FitResult, choice: choosing.Choice) -> tuple[list[str], dict]:
    """What is served and why (on the validation windows: the test part is for reporting, not for
    deciding), how the network alone did when it is not what is served, and a note when training
    stopped while still improving; and the validation metrics of every forecast."""
    state, chosen = fitted.state, choice.selection
    val = scoring.score(fitted.model, fitted.prepared, "val", baselines=choice.baselines, selection=chosen)
    judged = [f"serves {chosen.name}: {chosen.reason}"]
    if chosen.served != "network":
        advice = verdict.advice(fitted.cfg.to_dict(), fitted.prepared.season)
        judged.append(
            f"the network alone: validation MASE {chosen.errors['network']:.3g}; to make it win, try {advice}"
        )
    more = verdict.more_epochs(state.best_epoch, state.epoch, state.stopped_early)
    return judged + ([more] if more else []), val.metrics


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


def adopt_refit(run_dir: Path, refitted: FitResult) -> None:
    """The refit on every row becomes the run's best.pt (what predict uses), with the intervals the
    validated model was calibrated with (the refit has no held-out data of its own); the validated
    checkpoint is kept as checkpoints/validated.pt, and summary.json says so."""
    import json

    best, kept = checkpoint.path(run_dir, "best"), checkpoint.path(run_dir, "validated")
    validated = checkpoint.load(best)
    best.replace(kept)
    checkpoint.save(
        best,
        {
            **refitted.saved["last"],
            "conformal": checkpoint.calibration(validated),
            **{key: validated[key] for key in ("selection", "served_conformal") if key in validated},
            "run_id": validated.get("run_id"),
            "refit": {"epochs": refitted.state.epoch, "windows": len(refitted.prepared.index("train"))},
        },
    )
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["refit"] = {
        "epochs": refitted.state.epoch,
        "windows": len(refitted.prepared.index("train")),
        "folder": str(refitted.run_dir),
        "note": "best.pt is the refit on every row; test scores are the validated model's (validated.pt)",
    }
    run_folder.write_summary(run_dir, summary)
