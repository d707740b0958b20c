"""A backtest's folds: each trained as a run (or resumed, or read back), scored on its test stretch,
and all folds combined.

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
import shutil
import statistics
from dataclasses import dataclass
from pathlib import Path

from rnncli.artifacts.trained import Trained, open_trained
from rnncli.config import Config
from rnncli.data.folds import Fold
from rnncli.data.prepared import Prepared
from rnncli.errors import Interrupted
from rnncli.evaluation import comparison, scoring
from rnncli.evaluation.baselines import BaselineFit
from rnncli.evaluation.scores import SHORTFALL, Scores
from rnncli.evaluation.selection import Selection
from rnncli.pipeline import inputs


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


def without_refit(trained: Trained, baselines: BaselineFit, fold: Fold, series: list) -> FoldResult:
    """The first fold's model, scaler and baselines, scored on a later fold's test stretch (`series` is
    consumed)."""
    prepared = trained.prepare(series, dataclasses.replace(trained.spec, borders=fold.borders))
    return FoldResult(fold, None, _score(trained, prepared, baselines))


def _score(trained: Trained, prepared: Prepared, baselines: BaselineFit | None = None) -> Scores:
    return scoring.score_with(
        trained.model,
        prepared,
        "test",
        trained.served_calibration,
        trained.coverage(),
        True,
        True,
        baselines,
        trained.online_step,
        Selection.from_dict(trained.selection),
    )


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
        "comparison": comparison.compare(
            metrics,
            [r.scores.window_errors for r in results],
            block,
            window_series=[r.scores.window_series for r in results],
        ),
        "network": comparison.compare(
            metrics,
            [r.scores.window_errors for r in results],
            block,
            window_series=[r.scores.window_series for r in results],
            name="network",
        ),
        "intervals": _intervals([_fold(r)["intervals"] for r in results]),
    }


def _intervals(folds: list[dict | None]) -> dict | None:
    """Coverage and MSIS over folds (mean and sd), and the folds more than SHORTFALL below the
    nominal coverage; None without intervals."""
    scored = [f for f in folds if f and f.get("coverage") is not None]
    if not scored:
        return None
    cover, msis = [f["coverage"] for f in scored], [f["msis"] for f in scored if f.get("msis") is not None]
    nominal = scored[0]["coverage_target"]
    return {
        "coverage_target": nominal,
        "coverage": {"mean": statistics.fmean(cover), "sd": statistics.pstdev(cover)},
        "msis": {"mean": statistics.fmean(msis), "sd": statistics.pstdev(msis)} if msis else None,
        "short_folds": [
            k + 1
            for k, f in enumerate(folds)
            if f and f.get("coverage") is not None and f["coverage"] < nominal - SHORTFALL
        ],
    }


def _fold(result: FoldResult) -> dict:
    m, fold = result.scores.metrics, result.fold
    iv = m.get("intervals")
    return {
        "fold": fold.k,
        "origin": fold.spans["test"][0],
        "train": fold.spans["train"],
        "val": fold.spans["val"],
        "test": fold.spans["test"],
        "n_windows": m["n_windows"],
        "lookback": fold.lookback,
        "served": m.get("served", {"forecast": "network", "partner": None, "label": "the network"}),
        "model": m["model"],
        "network": m.get("network", m["model"]),
        "baselines": m["baselines"],
        "standardised": m["standardised"],
        "per_horizon": m["per_horizon"],
        "intervals": None
        if iv is None
        else {
            key: iv[key]
            for key in ("coverage_target", "coverage", "mean_width", "msis", "missing", "online_step")
            if key in iv
        },
        "run_dir": None if result.run_dir is None else str(result.run_dir),
    }


def copies(series: list) -> list:
    """Each series with its own values (preparing scales them in place): one copy per fold."""
    return [s.copy() for s in series]


def trained(
    cfg: Config,
    backtest_dir: Path,
    fold: Fold,
    series: list,
    progress,
    group,
    of: int,
    parent: dict | None = None,
) -> FoldResult | None:
    """Fold `fold` trained in its run folder (a run split at the fold's borders), or resumed there,
    or (finished) scored again from it; None on the processes other than rank 0 of several."""
    from rnncli.artifacts import checkpoint
    from rnncli.pipeline.run import resume_run, train_run

    run_dir = backtest_dir / f"fold-{fold.k}"
    try:
        if (run_dir / "summary.json").is_file():
            return from_run_dir(run_dir, fold, copies(series))
        if checkpoint.path(run_dir, "last").is_file():
            made = resume_run(run_dir, [], progress, group, keep=True)
        else:
            if run_dir.is_dir():  # made, but stopped before its first epoch was saved: nothing in it to keep
                shutil.rmtree(run_dir)
            made = train_run(
                inputs.config_of_fold(cfg, fold),
                progress,
                group,
                run_dir=run_dir,
                series=copies(series),
                keep=True,
                parent=parent,
            )
    except Interrupted as exc:
        raise Interrupted(
            f"stopped in fold {fold.k} of {of} ({exc.reason}); the finished folds are kept. "
            f"Finish the backtest with:\n  rnncli backtest --resume {backtest_dir}",
            every_process=True,
        ) from None
    if made is None:
        return None
    return FoldResult(fold, made.run_dir, made.scores)


def to_csv(scores: dict) -> str:
    """backtest.csv: a row per fold, each forecast's MAE, RMSE and MASE side by side."""
    import csv
    import io

    names = ["model", *scores["folds"][0]["baselines"]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "fold",
            "origin",
            "train_first",
            "train_last",
            "test_first",
            "test_last",
            "n_windows",
            *[f"{n}_{m}" for n in names for m in ("mae", "rmse", "mase")],
            "run_dir",
        ]
    )
    for f in scores["folds"]:
        metrics = [f["model"], *f["baselines"].values()]
        writer.writerow(
            [
                f["fold"],
                f["origin"],
                *f["train"],
                *f["test"],
                f["n_windows"],
                *[m[k] for m in metrics for k in ("mae", "rmse", "mase")],
                f["run_dir"] or "",
            ]
        )
    return buf.getvalue()
