"""Scores of one fold's test stretch, from a trained model: a finished fold scored again from its run
folder (when a stopped backtest resumes), or the first fold's model scored at a later origin
(backtests without refitting, where the linear AR and the other training statistics stay those of
the first fold, as the model's do)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from rnncli.artifacts.trained import Trained, open_trained
from rnncli.data.prepared import Prepared, prepare
from rnncli.evaluation import intervals, scoring
from rnncli.experiments.folds import Fold


@dataclass
class FoldResult:
    fold: Fold
    run_dir: Path | None  # None for the folds a model trained on fold 1 is scored at, without refitting
    report: dict  # as `evaluate` reports the fold's test stretch
    window_errors: dict  # per forecast: each test window's mean absolute error
    forecasts: list = field(default_factory=list)  # one step ahead, per series, for the plot


def from_run(run: Path, fold: Fold, series: list):
    """A finished fold: its best checkpoint on its own test stretch."""
    trained = open_trained(run, "best")
    report = _score(trained, _prepared(trained, trained.spec, series))
    return FoldResult(fold, run, report, report.pop("window_errors"), report.pop("forecasts"))


def first_fold(run: Path, series: list) -> tuple[Trained, scoring.Fitted]:
    """The first fold's model, and the baselines fitted on its training part."""
    trained = open_trained(run, "best")
    return trained, scoring.Fitted.on(_prepared(trained, trained.spec, series))


def without_refit(trained: Trained, fitted: scoring.Fitted, fold: Fold, series: list):
    """The first fold's model, scaler and baselines, scored on a later fold's test stretch."""
    report = _score(trained, _prepared(trained, dataclasses.replace(trained.spec, borders=fold.borders), series), fitted)
    return FoldResult(fold, None, report, report.pop("window_errors"), report.pop("forecasts"))


def _prepared(trained: Trained, spec, series: list) -> Prepared:
    return prepare(trained.schema, spec, trained.scaler, season=trained.season, series=series)


def _score(trained: Trained, prepared: Prepared, fitted: scoring.Fitted | None = None) -> dict:
    interval = intervals.for_scoring(trained.payload.get("conformal"), trained.coverage())
    return scoring.score(trained.model, prepared, "test", interval, keep_forecasts=True, keep_errors=True, fitted=fitted)
