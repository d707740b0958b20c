"""What a backtest reports: each fold's scores, their mean and spread over folds, and the verdict.

The JSON shape: {"folds": [{"fold", "origin", "train": [first, last], "test": [first, last],
"n_windows", "model": {...}, "baselines": {...}, "scaled": {...}, "intervals", "run_dir"}],
"mean": {"model", "baselines", ...}, "std": {the same shape}, "comparison": {...}}, metric names
as in `evaluate`'s JSON.
"""

from __future__ import annotations

from rnncli.evaluation import comparison


def summarise(results: list, refit: bool) -> dict:
    reports = [r.report for r in results]
    mean, std = comparison.aggregate(reports)
    block = max(reports[0]["horizon"], reports[0]["season"])
    return {
        "refit": refit,
        "targets": reports[0]["targets"],
        "horizon": reports[0]["horizon"],
        "folds": [_fold(r) for r in results],
        "mean": mean,
        "std": std,
        "comparison": comparison.compare(reports, [r.window_errors for r in results], block),
    }


def _fold(result) -> dict:
    report, fold = result.report, result.fold
    iv = report.get("intervals")
    return {"fold": fold.k, "origin": fold.spans["test"][0], "train": fold.spans["train"], "val": fold.spans["val"],
            "test": fold.spans["test"], "n_windows": report["n_windows"], "model": report["model"], "baselines": report["baselines"],
            "scaled": report["scaled"], "per_horizon": report["per_horizon"],
            "intervals": None if iv is None else {"coverage_target": iv["coverage_target"], "coverage": iv["coverage"],
                                                   "mean_width": iv["mean_width"]},
            "run_dir": None if result.run_dir is None else str(result.run_dir)}
