"""The report of a scored split, as `evaluate` prints it and writes it to JSON: the model beside
each baseline, per horizon step, per target and per series, in real units and standardised."""

from __future__ import annotations

import torch

from rnncli.data.prepared import Prepared
from rnncli.evaluation.metrics import Coverage, Errors, Standardised

BASELINES = ("persistence", "seasonal_naive", "linear_ar")
NAMES = ("model", *BASELINES)
STANDARDISED_BY = "each series' training part: its mean and standard deviation per target"


def build(split: str, n_windows: int, prepared: Prepared, per_series: dict[str, list[Errors]],
          standardised: dict[str, list[Standardised]]) -> dict:
    """Metrics of the model and each baseline: all windows together, then per horizon step, per
    target and per series; "scaled": MSE and MAE standardised as the literature reports them."""
    total = {name: _total(errs, Errors(*errs[0].abs.shape)) for name, errs in per_series.items()}
    scaled = {name: _total(parts, Standardised(len(parts[0].abs))).result() for name, parts in standardised.items()}
    report = {
        "split": split,
        "n_windows": n_windows,
        "targets": prepared.targets,
        "horizon": prepared.spec.horizon,
        "season": prepared.season,
        "model": total["model"].result(),
        "baselines": {name: total[name].result() for name in BASELINES},
        "per_horizon": {name: e.result(dims=(1,)) for name, e in total.items()},
        "scaled": {"by": STANDARDISED_BY, "model": scaled["model"], "baselines": {name: scaled[name] for name in BASELINES}},
    }
    if prepared.n_targets > 1:
        by_target = {name: e.result(dims=(0,)) for name, e in total.items()}
        report["per_target"] = {target: {name: _pick(res, j) for name, res in by_target.items()} for j, target in enumerate(prepared.targets)}
    if len(prepared.series) > 1:
        report["per_series"] = {
            str(s.id): {"n_windows": per_series["model"][k].n, "model": per_series["model"][k].result(),
                        "baselines": {name: per_series[name][k].result() for name in BASELINES}}
            for k, s in enumerate(prepared.series) if per_series["model"][k].n
        }
        report["mean_over_series"] = {name: _mean([of(r, name) for r in report["per_series"].values()]) for name in NAMES}
    return report


def of(scores: dict, name: str) -> dict:
    """The model's or a baseline's metrics in a report (or in its "scaled" or per-series part)."""
    return scores["model"] if name == "model" else scores["baselines"][name]


def _total(parts: list, total):
    """`total` (an empty accumulator: Errors, Standardised, Coverage) with every part merged in."""
    for part in parts:
        total.merge(part)
    return total


def _pick(result: dict, j: int) -> dict:
    return {m: v[j] if isinstance(v, list) else v for m, v in result.items()}


def _mean(results: list[dict]) -> dict:
    """The unweighted mean of each metric over series (a series without a value is left out)."""
    out = {}
    for metric in results[0]:
        values = [r[metric] for r in results if r[metric] is not None]
        out[metric] = sum(values) / len(values) if values else None
    return out


def one_step(kept: dict[int, list[dict]], prepared: Prepared) -> list[dict]:
    """Per series: the times of the first forecast step, the actual values, and each forecast."""
    out = []
    for k, chunks in kept.items():
        if not chunks:
            continue
        joined = {key: torch.cat([c[key] for c in chunks]) for key in chunks[0]}
        rows = joined.pop("row") - prepared.layout.offsets[k]
        out.append({"id": prepared.series[k].id, "times": prepared.series[k].times[rows.numpy()], **{key: v.numpy() for key, v in joined.items()}})
    return out


def add_intervals(report: dict, coverage: float, covered: list[Coverage], prepared: Prepared) -> None:
    total = _total(covered, Coverage(*covered[0].inside.shape))
    report["intervals"] = {"coverage_target": coverage, **total.result(), "per_horizon": total.result(dims=(1,))}
    for k, s in enumerate(prepared.series):
        if "per_series" in report and str(s.id) in report["per_series"]:
            report["per_series"][str(s.id)]["intervals"] = covered[k].result()
