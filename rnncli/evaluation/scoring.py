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
from rnncli.data.scaling import mean_std
from rnncli.errors import RnnCliError
from rnncli.evaluation import summary
from rnncli.evaluation.baselines import (
    LinearAR,
    in_sample_seasonal_mae,
    persistence,
    seasonal_naive,
)
from rnncli.evaluation.metrics import Coverage, Errors, Standardised
from rnncli.evaluation.summary import NAMES
from rnncli.model.forecaster import Forecaster

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
    sds = _training_sd(prepared)
    errors = {name: [Errors(horizon, nt) for _ in range(n_series)] for name in NAMES}
    standardised = {name: [Standardised(nt) for _ in range(n_series)] for name in NAMES}
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
                standardised[name][k].add(actual[mine], forecast, sds[k])
            if interval is not None:
                covered[k].add(actual[mine], pred[mine] - half[mine], pred[mine] + half[mine])
            if keep_forecasts:
                kept[k].append({"row": (starts[mine] + lookback).cpu(), "actual": actual[mine, 0].double().cpu(),
                                **{name: f[:, 0].double().cpu() for name, f in forecasts.items()}})
    report = summary.build(split, len(index), prepared, errors, standardised)
    if keep_forecasts:
        report["forecasts"] = summary.one_step(kept, prepared)
    if interval is not None:
        summary.add_intervals(report, interval[0], covered, prepared)
    return report


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


def _training_sd(prepared: Prepared) -> torch.Tensor:
    """(series, targets): each series' standard deviation over its training rows, in real units."""
    nt, sds = prepared.n_targets, []
    for k, (lo, (n_train, _, _)) in enumerate(zip(prepared.layout.offsets, prepared.layout.parts)):
        _, sd = mean_std(prepared.windows.values[lo : lo + n_train, :nt].cpu().numpy())  # of scaled values: times the scale
        sd = torch.from_numpy(sd) * prepared.scaler.scale[k, :nt].double()
        sds.append(torch.where(sd > 0, sd, torch.ones_like(sd)))  # a constant target: errors as they are
    return torch.stack(sds)


def _mase_scales(prepared: Prepared, season: int) -> torch.Tensor:
    """(series, targets): each series' in-sample seasonal-naive MAE over its training rows."""
    nt, scales = prepared.n_targets, []
    for k, (lo, (n_train, _, _)) in enumerate(zip(prepared.layout.offsets, prepared.layout.parts)):
        scaled = in_sample_seasonal_mae(prepared.windows.values[lo : lo + n_train, :nt], season)  # differences: loc cancels
        scales.append(scaled * prepared.scaler.scale[k, :nt].double())
    return torch.stack(scales)


