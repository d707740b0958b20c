"""The scores of a split: the model beside each baseline, per horizon step, per target and per
series, in real units and standardised (divided by each series' training sd), as `evaluate`
prints them and writes them to JSON; `Scores` carries them with what a caller may also want
(each window's errors, the one-step forecasts)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from rnncli.data.messages import grouped
from rnncli.data.prepared import Prepared
from rnncli.evaluation.intervals import Widths
from rnncli.evaluation.metrics import Coverage, Errors, Standardised

BASELINES = ("persistence", "seasonal_naive", "linear_ar", "theta", "ets", "com")
NAMES = ("model", "network", *BASELINES)  # "model": the forecast the run serves; "network": the network alone
WITH_COVARIATES = "linear_arx"  # the baseline that joins these when the model reads covariates (arx.py)
LABELS = {
    "model": "served",
    "network": "network",
    "persistence": "persistence",
    "seasonal_naive": "seasonal naive",
    "linear_ar": "linear AR",
    "theta": "Theta",
    "ets": "ETS",
    "com": "Com",
    "linear_arx": "linear AR + covariates",
}
SHORTFALL = 0.05  # coverage this far below the nominal is warned of
STANDARDISED_BY = "each series' training part: its mean and standard deviation per target"


@dataclass
class Scores:
    """A scored split. `metrics` is JSON-ready (what `evaluate --output` writes and summary.json's
    "test" holds); the other two are there when asked for."""

    metrics: dict
    # per forecast name: each window's mean absolute error, in order
    window_errors: dict[str, torch.Tensor] | None = None
    # with window_errors: each window's series (its index in the data)
    window_series: torch.Tensor | None = None
    # per forecast name (and "combined:<classical>", the network averaged with each classical
    # forecast): each window's mean absolute error over its series' MASE scale
    window_scaled: dict[str, torch.Tensor] | None = None
    forecasts: list[dict] | None = None  # per series: the one-step-ahead forecasts, for plotting
    warnings: list[str] = field(default_factory=list)  # about the data scored: values filled in
    verdict: list[str] = field(default_factory=list)  # the model against the baselines, in words


def baselines_of(prepared: Prepared) -> tuple[str, ...]:
    """The baselines scored beside the model: the linear AR with its covariates too when it reads some."""
    return (*BASELINES, WITH_COVARIATES) if prepared.has_covariates else BASELINES


def names_of(prepared: Prepared) -> tuple[str, ...]:
    """Every forecast scored: the served one ("model"), the network alone, the baselines."""
    return ("model", "network", *baselines_of(prepared))


def label(name: str) -> str:
    """How a forecast is named to the user: "linear AR" for linear_ar."""
    return LABELS[name]


def build(
    split: str,
    n_windows: int,
    prepared: Prepared,
    per_series: dict[str, list[Errors]],
    standardised: dict[str, list[Standardised]],
) -> dict:
    """Metrics of the model and each baseline: all windows together, then per horizon step, per
    target and per series; "standardised": MSE and MAE as the literature reports them."""
    total = {name: _total(errs, Errors(*errs[0].abs.shape)) for name, errs in per_series.items()}
    totals = {
        name: _total(parts, Standardised(len(parts[0].abs))).result() for name, parts in standardised.items()
    }
    metrics = {
        "split": split,
        "n_windows": n_windows,
        "targets": prepared.targets,
        # what the network read besides the targets and the calendar, which no baseline reads
        "covariates": prepared.covariates,
        "horizon": prepared.spec.horizon,
        "season": prepared.season,
        "model": total["model"].result(),
        "network": total["network"].result(),
        "baselines": {name: total[name].result() for name in baselines_of(prepared)},
        "per_horizon": {name: e.result(dims=(1,)) for name, e in total.items()},
        "standardised": {
            "by": STANDARDISED_BY,
            "model": totals["model"],
            "network": totals["network"],
            "baselines": {name: totals[name] for name in baselines_of(prepared)},
        },
    }
    if prepared.n_targets > 1:
        by_target = {name: e.result(dims=(0,)) for name, e in total.items()}
        metrics["per_target"] = {
            target: {name: _pick(res, j) for name, res in by_target.items()}
            for j, target in enumerate(prepared.targets)
        }
    if len(prepared.series) > 1:
        metrics["per_series"] = {
            str(s.id): {
                "n_windows": per_series["model"][k].n,
                "model": per_series["model"][k].result(),
                "network": per_series["network"][k].result(),
                "baselines": {name: per_series[name][k].result() for name in baselines_of(prepared)},
            }
            for k, s in enumerate(prepared.series)
            if per_series["model"][k].n
        }
        metrics["mean_over_series"] = {
            name: _mean([of(r, name) for r in metrics["per_series"].values()]) for name in names_of(prepared)
        }
    return metrics


def of(metrics: dict, name: str) -> dict:
    """The served forecast's ("model"), the network's or a baseline's metrics in a split's metrics
    (or in its "standardised" or per-series part). A split scored before the network was told
    apart from the served forecast served the network."""
    if name in ("model", "network"):
        return metrics.get(name, metrics["model"])
    return metrics["baselines"][name]


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
    """Per series: the times of the first forecast step, the actual values, each forecast, and the
    served forecast's interval ("lower", "upper") where it has one."""
    out = []
    for k, chunks in kept.items():
        if not chunks:
            continue
        joined = {key: torch.cat([c[key] for c in chunks]) for key in chunks[0]}
        rows = joined.pop("row") - prepared.layout.offsets[k]
        out.append(
            {
                "id": prepared.series[k].id,
                "times": prepared.series[k].times[rows.numpy()],
                **{key: v.numpy() for key, v in joined.items()},
            }
        )
    return out


def add_intervals(metrics: dict, interval: Widths, covered: list[Coverage], prepared: Prepared) -> list[str]:
    """The intervals' coverage, width and MSIS in the metrics (in all, per step, per series);
    warnings for the whole and for each series covering more than SHORTFALL below the nominal
    (and more than chance explains)."""
    total = _total(covered, Coverage(*covered[0].inside.shape, covered[0].alpha))
    overall = total.result()
    metrics["intervals"] = {
        "coverage_target": interval.coverage,
        **overall,
        "per_horizon": total.result(dims=(1,)),
        "widths": interval.kind,
        "calibration_windows": interval.n,
        "online_step": interval.online,
    }
    short = []
    for k, s in enumerate(prepared.series):
        if "per_series" in metrics and str(s.id) in metrics["per_series"]:
            mine = metrics["per_series"][str(s.id)]["intervals"] = covered[k].result()
            if _short(mine["coverage"], interval.coverage, covered[k].n * covered[k].inside.numel()):
                short.append(
                    (
                        s.id,
                        f"its {interval.coverage:.0%} intervals covered {mine['coverage']:.1%} of its "
                        f"{metrics['split']} values",
                    )
                )
    found = grouped(short)
    if _short(overall["coverage"], interval.coverage, total.n * total.inside.numel()):
        found.insert(
            0,
            f"the {interval.coverage:.0%} intervals covered {overall['coverage']:.1%} of the "
            f"{metrics['split']} values, more than {SHORTFALL * 100:.0f} points short: the "
            f"{metrics['split']} stretch is unlike the validation one they were calibrated on (a change of "
            "season or regime); rnncli backtest shows whether it holds elsewhere"
            + (
                ""
                if interval.online
                else ", and predict.online_step=0.02 lets the intervals follow their own misses"
            ),
        )
    return found


def _short(coverage: float | None, nominal: float, values: int) -> bool:
    """Coverage more than SHORTFALL below the nominal, and by more than chance explains (two
    standard errors of a share of `values`): a series of a few test values misses by luck."""
    if coverage is None or not values:
        return False
    return nominal - coverage > max(SHORTFALL, 2 * (nominal * (1 - nominal) / values) ** 0.5)
