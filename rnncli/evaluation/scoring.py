"""Score a model on every window of a split, beside the baselines, in real units.

Shared by `train` (the test scores in summary.json) and `evaluate`. Windows are taken in chunks, so
memory stays bounded however long the series. Everything is accumulated per series: the linear
baseline is fitted on each series' training windows, MASE is scaled by each series' in-sample
seasonal-naive error, and the scores give each series, the mean over series, and all windows.
"""

from __future__ import annotations

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.errors import RnnCliError
from rnncli.evaluation import intervals, online, scores
from rnncli.evaluation.baselines import BaselineFit, ThetaLevels, persistence, seasonal_naive
from rnncli.evaluation.intervals import Widths
from rnncli.evaluation.metrics import Coverage, Errors, Standardised
from rnncli.evaluation.scores import NAMES, Scores
from rnncli.model.forecaster import Forecaster

CHUNK = 2048  # windows scored at a time: activations of lookback x hidden per window


class _Tally:
    """What scoring accumulates per series while the windows stream past."""

    def __init__(self, prepared: Prepared, keep_forecasts: bool, keep_errors: bool, coverage: float | None):
        nt, horizon, n = prepared.n_targets, prepared.spec.horizon, len(prepared.series)
        self.errors = {name: [Errors(horizon, nt) for _ in range(n)] for name in NAMES}
        self.standardised = {name: [Standardised(nt) for _ in range(n)] for name in NAMES}
        self.covered = [Coverage(horizon, nt, 1 - coverage) for _ in range(n)] if coverage else None
        self.kept: dict[int, list[dict]] | None = {k: [] for k in range(n)} if keep_forecasts else None
        self.window_errors: dict[str, list[torch.Tensor]] | None = (
            {name: [] for name in NAMES} if keep_errors else None
        )
        self.window_series: list[torch.Tensor] = []

    def add(
        self,
        prepared: Prepared,
        baselines: BaselineFit,
        starts: torch.Tensor,
        actual: torch.Tensor,
        forecasts: dict,
        series: torch.Tensor,
        bounds: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> None:
        nt = prepared.n_targets
        if self.window_errors is not None:
            for name, forecast in forecasts.items():
                self.window_errors[name].append(
                    (forecast.double().cpu() - actual.double().cpu()).abs().mean((1, 2))
                )
            self.window_series.append(series.cpu())
        for k in series.unique().tolist():
            mine = series == k
            for name, forecast in forecasts.items():
                self.errors[name][k].add(
                    actual[mine], forecast[mine], baselines.mase_scales[k].expand(int(mine.sum()), nt)
                )
                self.standardised[name][k].add(actual[mine], forecast[mine], baselines.sds[k])
            if bounds is not None:
                self.covered[k].add(
                    actual[mine],
                    bounds[0][mine],
                    bounds[1][mine],
                    baselines.mase_scales[k].expand(int(mine.sum()), nt),
                )
            if self.kept is not None:
                self.kept[k].append(
                    {
                        "row": (starts[mine] + prepared.spec.lookback).cpu(),
                        "actual": actual[mine, 0].double().cpu(),
                        **{name: f[mine, 0].double().cpu() for name, f in forecasts.items()},
                    }
                )


def score(
    model: Forecaster,
    prepared: Prepared,
    split: str,
    interval: Widths | None = None,
    keep_forecasts: bool = False,
    keep_errors: bool = False,
    baselines: BaselineFit | None = None,
) -> Scores:
    """Metrics of the model and of each baseline on `split`, with per-horizon, per-target and per-series
    detail.

    `interval` (the calibrated half-widths at a coverage) adds the empirical coverage, mean width
    and interval score (MSIS) of the model's prediction intervals. `keep_forecasts` keeps the one-step-ahead
    forecasts of the model and each baseline per series, for plotting; `keep_errors` each window's
    mean absolute error per forecast, in order.
    """
    index = prepared.index(split)
    if len(index) == 0:
        raise RnnCliError(
            f"the {split} split has no complete window (lookback + horizon rows); choose another --split "
            "or more data"
        )
    baselines = baselines or BaselineFit.on(prepared)
    thetas = ThetaLevels(prepared, baselines, index)
    tally = _Tally(prepared, keep_forecasts, keep_errors, None if interval is None else interval.coverage)
    tracker = online.tracker(interval)
    model.eval()
    for starts in index.chunks(prepared.windows.values.device, CHUNK):
        actual, forecasts, series, raw, w, quantiles = _forecasts(model, prepared, starts, baselines, thetas)
        reached = (
            None
            if tracker is None
            else _thresholds(tracker, prepared, starts, series, raw, w, interval, quantiles)
        )
        bounds = (
            None
            if interval is None
            else _bounds(prepared, starts, raw, forecasts["model"], interval, w, quantiles, reached)
        )
        tally.add(prepared, baselines, starts, actual, forecasts, series, bounds)
    result = Scores(scores.build(split, len(index), prepared, tally.errors, tally.standardised))
    if keep_forecasts:
        result.forecasts = scores.one_step(tally.kept, prepared)
    if keep_errors:
        result.window_errors = {name: torch.cat(parts) for name, parts in tally.window_errors.items()}
        result.window_series = torch.cat(tally.window_series)
    if interval is not None:
        result.warnings += scores.add_intervals(result.metrics, interval, tally.covered, prepared)
    return result


def score_with(
    model: Forecaster,
    prepared: Prepared,
    split: str,
    calibration: dict | None,
    coverage: float,
    keep_forecasts: bool = False,
    keep_errors: bool = False,
    baselines: BaselineFit | None = None,
    online_step: float = 0.0,
) -> Scores:
    """`score` with the intervals a calibration gives at `coverage` (updated online by
    `online_step`); where it gives none (too few calibration windows, or none yet), the metrics say
    why instead."""
    interval = intervals.widths(calibration, coverage, online_step)
    result = score(model, prepared, split, interval, keep_forecasts, keep_errors, baselines)
    reason = intervals.missing(calibration, coverage)
    if interval is None and reason:
        result.metrics["intervals"] = {"coverage_target": coverage, "missing": reason}
    return result


def reached(model: Forecaster, prepared: Prepared, split: str, interval: Widths) -> np.ndarray:
    """(series, steps, targets): the score each series' online interval (online.py) reaches at the
    end of `split`, replayed through its windows in time order."""
    tracker = online.tracker(interval)
    model.eval()
    for starts in prepared.index(split).chunks(prepared.windows.values.device, CHUNK):
        w = prepared.windows.gather(starts)
        raw, quantiles = _model_forecast(model, prepared, w)
        _thresholds(tracker, prepared, starts, prepared.layout.series_of(starts), raw, w, interval, quantiles)
    return tracker.reached(len(prepared.series))


def _thresholds(
    tracker: online.Tracker,
    prepared: Prepared,
    starts: torch.Tensor,
    series: torch.Tensor,
    raw: torch.Tensor,
    w: torch.Tensor,
    interval: Widths,
    quantiles: torch.Tensor | None,
) -> torch.Tensor:
    """The score each window's online interval reaches (windows, horizon, targets), the windows'
    own scores recorded for the windows after them."""
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    mask = prepared.n_values if prepared.masked else None
    found = interval.calibration_scores(w[:, lookback:, :nt], raw, w[:, :lookback], nt, mask, quantiles)
    return torch.from_numpy(tracker.thresholds(series.cpu().numpy(), starts.cpu().numpy(), found))


def _bounds(
    prepared: Prepared,
    starts: torch.Tensor,
    raw: torch.Tensor,
    pred: torch.Tensor,
    interval: Widths,
    w: torch.Tensor,
    quantiles: torch.Tensor | None,
    thresholds: torch.Tensor | None = None,
):
    """The model's interval (lower, upper) per window in real units, from its scaled forecast (and
    quantiles) and the half-widths for its inputs (or the online `thresholds`); kept at or above
    zero where the forecast is."""
    mask = prepared.n_values if prepared.masked else None
    below, above = interval.offsets(
        raw, w[:, : prepared.spec.lookback], prepared.n_targets, mask, quantiles, thresholds
    )
    if prepared.scaler.log_columns or interval.cqr:  # not symmetric in real units: each bound mapped back
        lower, upper = prepared.unscale(raw - below, starts), prepared.unscale(raw + above, starts)
    else:
        lower, upper = (
            pred - prepared.unscale(below, starts, shift=False),
            pred + prepared.unscale(above, starts, shift=False),
        )
    floor = prepared.floor(starts, pred.device)
    return (
        (lower, upper)
        if floor is None
        else (torch.maximum(lower, floor.to(lower.dtype)), torch.maximum(upper, floor.to(upper.dtype)))
    )


def _forecasts(
    model: Forecaster, prepared: Prepared, starts: torch.Tensor, baselines: BaselineFit, thetas: ThetaLevels
):
    """(actual values, {forecast name: values}, series of each window, the model's scaled forecast,
    the scaled windows, a quantile model's scaled quantiles) for the windows at `starts`, the first
    four (windows, horizon, targets), in real units but the model's own and the windows."""
    lookback, horizon, nt, season = (
        prepared.spec.lookback,
        prepared.spec.horizon,
        prepared.n_targets,
        prepared.season,
    )
    w = prepared.windows.gather(starts)
    raw, quantiles = _model_forecast(model, prepared, w)
    pred = prepared.unscale(raw, starts)
    floor = prepared.floor(starts, pred.device)
    if floor is not None:
        pred = torch.maximum(pred, floor.to(pred.dtype))
    history = prepared.unscale(w[:, :lookback, :nt], starts)
    actual = prepared.unscale(w[:, lookback:, :nt], starts)
    series = prepared.layout.series_of(starts)
    floors = torch.tensor(
        [lo + pad for lo, pad in zip(prepared.layout.offsets, prepared.pads)], device=starts.device
    )[series]
    lagged = prepared.unscale(
        seasonal_naive(prepared.windows.values[:, :nt], starts + lookback, floors, horizon, season), starts
    )
    linear = torch.empty(len(starts), horizon, nt, dtype=torch.float64)
    smoothed = torch.empty(len(starts), horizon, nt, dtype=torch.float64)
    for k in series.unique().tolist():
        mine = (series == k).cpu()
        linear[mine] = baselines.ars[k].predict(history[series == k])
        smoothed[mine] = thetas.forecast(prepared, baselines, k, starts[series == k])
    return (
        actual,
        {
            "model": pred,
            "persistence": persistence(history, horizon),
            "seasonal_naive": lagged,
            "linear_ar": linear.to(actual.device),
            "theta": smoothed.to(actual.device),
        },
        series,
        raw,
        w,
        quantiles,
    )


def _model_forecast(
    model: Forecaster, prepared: Prepared, w: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(the model's scaled forecast, a quantile model's scaled quantiles or None) for the windows `w`."""
    lookback = prepared.spec.lookback
    with torch.inference_mode():
        quantiles = (
            model.forecast_quantiles(w[:, :lookback], prepared.windows.future(w))
            if model.args.quantiles
            else None
        )
        raw = (
            model.forecast(w[:, :lookback], prepared.windows.future(w))
            if quantiles is None
            else quantiles[..., quantiles.shape[-1] // 2]
        )
    return raw, quantiles
