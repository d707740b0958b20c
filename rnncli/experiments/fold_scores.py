"""The scores of a backtest: each fold's test stretch from a trained model, and all folds combined.

A fold's scores come from its run (`FoldResult`), from its run folder again when a stopped
backtest resumes (`from_run_dir`), or from the first fold's model at a later origin (backtests
without refitting, where the linear AR and the other training statistics stay those of the first
fold, as the model's do). `combine` gives what backtest.json holds:

    {"refit", "targets", "horizon", "folds": [{"fold", "origin", "train": [first, last], "val",
     "test", "n_windows", "model": {...}, "baselines": {...}, "standardised": {...},
     "per_horizon", "intervals", "run_dir"}], "mean": {"model", "baselines", ...},
     "std": {the same shape}, "comparison": {...}}

with metric names as in `evaluate`'s JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rnncli.artifacts.trained import Trained, open_trained
from rnncli.data.prepared import Prepared
from rnncli.evaluation import comparison, intervals, scoring
from rnncli.evaluation.baselines import BaselineFit
from rnncli.evaluation.scores import Scores
from rnncli.experiments.folds import Fold


@dataclass
class FoldResult:
    fold: Fold
    run_dir: Path | None  # None for the folds a model trained on fold 1 is scored at, without refitting
    scores: Scores  # of the fold's test stretch, with each window's errors and the one-step forecasts


def from_run_dir(run_dir: Path, fold: Fold, series: list) -> FoldResult:
    """A finished fold: its best checkpoint on its own test stretch (`series` is consumed)."""
    trained = open_trained(run_dir, "best")
    return FoldResult(fold, run_dir, _score(trained, trained.prepare(series)))


def first_fold(run_dir: Path, series: list) -> tuple[Trained, BaselineFit]:
    """The first fold's model, and the baselines fitted on its training part (`series` is consumed)."""
    trained = open_trained(run_dir, "best")
    return trained, BaselineFit.on(trained.prepare(series))


def without_refit(trained: Trained, fitted: BaselineFit, fold: Fold, series: list) -> FoldResult:
    """The first fold's model, scaler and baselines, scored on a later fold's test stretch (`series` is consumed)."""
    prepared = trained.prepare(series, dataclasses.replace(trained.spec, borders=fold.borders))
    return FoldResult(fold, None, _score(trained, prepared, fitted))


def _score(trained: Trained, prepared: Prepared, fitted: BaselineFit | None = None) -> Scores:
    interval = intervals.for_scoring(trained.calibration, trained.coverage())
    return scoring.score(trained.model, prepared, "test", interval, keep_forecasts=True, keep_errors=True, fitted=fitted)


def combine(results: list[FoldResult], refit: bool) -> dict:
    """Every fold's scores, their mean and sd over folds, and the verdict against the best baseline."""
    metrics = [r.scores.metrics for r in results]
    mean, std = comparison.aggregate(metrics)
    block = max(metrics[0]["horizon"], metrics[0]["season"])
    return {
        "refit": refit,
        "targets": metrics[0]["targets"],
        "horizon": metrics[0]["horizon"],
        "folds": [_fold(r) for r in results],
        "mean": mean,
        "std": std,
        "comparison": comparison.compare(metrics, [r.scores.window_errors for r in results], block),
    }


def _fold(result: FoldResult) -> dict:
    m, fold = result.scores.metrics, result.fold
    iv = m.get("intervals")
    return {"fold": fold.k, "origin": fold.spans["test"][0], "train": fold.spans["train"], "val": fold.spans["val"],
            "test": fold.spans["test"], "n_windows": m["n_windows"], "model": m["model"], "baselines": m["baselines"],
            "standardised": m["standardised"], "per_horizon": m["per_horizon"],
            "intervals": None if iv is None else {"coverage_target": iv["coverage_target"], "coverage": iv["coverage"],
                                                   "mean_width": iv["mean_width"]},
            "run_dir": None if result.run_dir is None else str(result.run_dir)}
