"""Score a model on every window of a split, beside the baselines, in real units.

Shared by `train` (the test scores in summary.json) and `evaluate`. Windows are taken in chunks, so
memory stays bounded however long the series. Everything is accumulated per series: the linear
baseline is fitted on each series' training windows, MASE is scaled by each series' in-sample
seasonal-naive error, and the report gives each series, the mean over series, and all windows.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from rnncli.data.prepared import Prepared
from rnncli.errors import RnnCliError
from rnncli.evaluation.baselines import (
    LinearAR,
    in_sample_seasonal_mae,
    persistence,
    seasonal_naive,
)
from rnncli.evaluation.metrics import Coverage, Errors
from rnncli.model.forecaster import Forecaster

BASELINES = ("persistence", "seasonal_naive", "linear_ar")
NAMES = ("model", *BASELINES)
CHUNK = 2048  # windows scored at a time: activations of lookback x hidden per window
AR_MAX_WINDOWS = 200_000  # training windows the linear AR is fitted on at most, evenly spread


def score(model: Forecaster, prepared: Prepared, split: str, interval: tuple[float, torch.Tensor] | None = None,
          keep_forecasts: bool = False) -> dict:
    """Metrics of the model and of each baseline on `split`, with per-horizon, per-target and per-series detail.

    `interval` = (coverage, half-widths (steps, targets) in scaled units) adds the empirical coverage
    and mean width of the model's prediction intervals. `keep_forecasts` adds "forecasts": the
    one-step-ahead forecasts of the model and each baseline per series, for plotting.
    """
    index = prepared.index(split)
    if len(index) == 0:
        raise RnnCliError(f"the {split} split has no complete window (lookback + horizon rows); choose another --split or more data")
    lookback, horizon, nt, season = prepared.spec.lookback, prepared.spec.horizon, prepared.n_targets, prepared.season
    n_series = len(prepared.series)
    ars = _fit_linear_ar(prepared)
    scales = _mase_scales(prepared, season)
    floors = torch.tensor(prepared.layout.offsets[:-1], device=prepared.windows.values.device)
    errors = {name: [Errors(horizon, nt) for _ in range(n_series)] for name in NAMES}
    covered = [Coverage(horizon, nt) for _ in range(n_series)]
    kept: dict[int, list[dict]] = {k: [] for k in range(n_series)}
    model.eval()
    for starts in _chunks(index, prepared.windows.values.device):
        w = prepared.windows.gather(starts)
        with torch.inference_mode():
            pred = prepared.unscale(model.forecast(w[:, :lookback], prepared.windows.future(w)), starts)
        history = prepared.unscale(w[:, :lookback, :nt], starts)
        actual = prepared.unscale(w[:, lookback:, :nt], starts)
        series = prepared.layout.series_of(starts)
        lagged = prepared.unscale(seasonal_naive(prepared.windows.values[:, :nt], starts + lookback, floors[series], horizon, season), starts)
        if interval is not None:
            half = prepared.unscale(interval[1][:horizon].to(pred.device).expand(len(starts), -1, -1), starts, shift=False)
        for k in series.unique().tolist():
            mine = series == k
            forecasts = {"model": pred[mine], "persistence": persistence(history[mine], horizon), "seasonal_naive": lagged[mine],
                         "linear_ar": ars[k].predict(history[mine])}
            scale = scales[k].expand(int(mine.sum()), nt)
            for name, forecast in forecasts.items():
                errors[name][k].add(actual[mine], forecast, scale)
            if interval is not None:
                covered[k].add(actual[mine], pred[mine] - half[mine], pred[mine] + half[mine])
            if keep_forecasts:
                kept[k].append({"row": (starts[mine] + lookback).cpu(), "actual": actual[mine, 0].double().cpu(),
                                **{name: f[:, 0].double().cpu() for name, f in forecasts.items()}})
    report = _report(split, len(index), prepared, season, errors)
    if keep_forecasts:
        report["forecasts"] = _one_step(kept, prepared)
    if interval is not None:
        _add_intervals(report, interval[0], covered, prepared)
    return report


def _one_step(kept: dict[int, list[dict]], prepared: Prepared) -> list[dict]:
    """Per series: the times of the first forecast step, the actual values, and each forecast."""
    out = []
    for k, chunks in kept.items():
        if not chunks:
            continue
        joined = {key: torch.cat([c[key] for c in chunks]) for key in chunks[0]}
        rows = joined.pop("row") - prepared.layout.offsets[k]
        out.append({"id": prepared.series[k].id, "times": prepared.series[k].times[rows.numpy()], **{key: v.numpy() for key, v in joined.items()}})
    return out


def _add_intervals(report: dict, coverage: float, covered: list[Coverage], prepared: Prepared) -> None:
    total = Coverage(*covered[0].inside.shape)
    for c in covered:
        total.merge(c)
    report["intervals"] = {"coverage_target": coverage, **total.result(), "per_horizon": total.result(dims=(1,))}
    for k, s in enumerate(prepared.series):
        if "per_series" in report and str(s.id) in report["per_series"]:
            report["per_series"][str(s.id)]["intervals"] = covered[k].result()


def _chunks(index, device: torch.device, at_most: int | None = None) -> Iterator[torch.Tensor]:
    """Window starts of `index`, CHUNK at a time; only `at_most` of them, evenly spread, if given.
    Positions are made a chunk at a time: millions of windows never need an index tensor of their own."""
    index, n = index.to(device), len(index)
    if at_most is not None and n > at_most:  # millions of windows fit 169 coefficients no better than 200k
        for lo in range(0, at_most, CHUNK):
            step = torch.arange(lo, min(lo + CHUNK, at_most), device=device, dtype=torch.float64)
            yield index.starts((step * (n - 1) / (at_most - 1)).round().long())
        return
    for lo in range(0, n, CHUNK):
        yield index.starts(torch.arange(lo, min(lo + CHUNK, n), device=device))


def _fit_linear_ar(prepared: Prepared) -> list[LinearAR]:
    """One linear autoregression per series, fitted on its training windows."""
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    ars = [LinearAR(lookback, prepared.spec.horizon, nt) for _ in prepared.series]
    for starts in _chunks(prepared.index("train"), prepared.windows.values.device, AR_MAX_WINDOWS):
        w = prepared.unscale(prepared.windows.gather(starts)[..., :nt], starts)
        series = prepared.layout.series_of(starts)
        for k in series.unique().tolist():
            mine = series == k
            ars[k].add(w[mine, :lookback], w[mine, lookback:])
    return [ar.solve() for ar in ars]


def _mase_scales(prepared: Prepared, season: int) -> torch.Tensor:
    """(series, targets): each series' in-sample seasonal-naive MAE over its training rows."""
    nt, scales = prepared.n_targets, []
    for k, (lo, (n_train, _, _)) in enumerate(zip(prepared.layout.offsets, prepared.layout.parts)):
        scaled = in_sample_seasonal_mae(prepared.windows.values[lo : lo + n_train, :nt], season)  # differences: loc cancels
        scales.append(scaled * prepared.scaler.scale[k, :nt].double())
    return torch.stack(scales)


def _report(split: str, n_windows: int, prepared: Prepared, season: int, per_series: dict[str, list[Errors]]) -> dict:
    total = {name: _sum(errs) for name, errs in per_series.items()}
    report = {
        "split": split,
        "n_windows": n_windows,
        "targets": prepared.targets,
        "horizon": prepared.spec.horizon,
        "season": season,
        "model": total["model"].result(),
        "baselines": {name: total[name].result() for name in BASELINES},
        "per_horizon": {name: e.result(dims=(1,)) for name, e in total.items()},
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
        report["mean_over_series"] = {name: _mean([r["model"] if name == "model" else r["baselines"][name]
                                                   for r in report["per_series"].values()]) for name in NAMES}
    return report


def _sum(errors: list[Errors]) -> Errors:
    total = Errors(*errors[0].abs.shape)
    for e in errors:
        total.merge(e)
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
