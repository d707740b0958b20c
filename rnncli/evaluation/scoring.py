"""Score a run's forecasts on every window of a split, beside the baselines, in real units.

Shared by `train` (the validation scores selection reads, the test scores in summary.json),
`evaluate` and `backtest`. Every window gets the network's forecast, every classical one
(`classical.forecasts`) and the served one (`served.forecast`: "model" in the scores); the
intervals scored are those of the served forecast. Windows are taken in chunks, so memory stays
bounded however long the series. Everything is accumulated per series: the baselines are fitted on
each series' training part, MASE is scaled by each series' in-sample seasonal-naive error, and the
scores give each series, the mean over series, and all windows.
"""

from __future__ import annotations

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.errors import RnnCliError
from rnncli.evaluation import classical, intervals, online, scores, served
from rnncli.evaluation.baselines import BaselineFit
from rnncli.evaluation.intervals import Widths
from rnncli.evaluation.metrics import Coverage, Errors, Standardised
from rnncli.evaluation.scores import Scores, baselines_of, names_of
from rnncli.evaluation.selection import NETWORK_ONLY, Selection
from rnncli.model.forecaster import Forecaster

CHUNK = 2048  # windows scored at a time: activations of lookback x hidden per window


class _Tally:
    """What scoring accumulates per series while the windows stream past."""

    def __init__(self, prepared: Prepared, keep_forecasts: bool, keep_errors: bool, coverage: float | None):
        nt, horizon, n = prepared.n_targets, prepared.spec.horizon, len(prepared.series)
        self.errors = {name: [Errors(horizon, nt) for _ in range(n)] for name in names_of(prepared)}
        self.standardised = {name: [Standardised(nt) for _ in range(n)] for name in names_of(prepared)}
        self.baselines = baselines_of(prepared)
        self.covered = [Coverage(horizon, nt, 1 - coverage) for _ in range(n)] if coverage else None
        self.kept: dict[int, list[dict]] | None = {k: [] for k in range(n)} if keep_forecasts else None
        self.window_errors: dict[str, list[torch.Tensor]] | None = {} if keep_errors else None
        self.window_scaled: dict[str, list[torch.Tensor]] = {}
        self.window_series: list[torch.Tensor] = []

    def add(
        self, prepared: Prepared, baselines: BaselineFit, starts, actual, forecasts: dict, series, bounds
    ) -> None:
        nt = prepared.n_targets
        if self.window_errors is not None:
            self._keep_errors(actual, forecasts, series, baselines)
        for k in series.unique().tolist():
            mine = series == k
            scale = baselines.mase_scales[k].expand(int(mine.sum()), nt)
            for name, forecast in forecasts.items():
                self.errors[name][k].add(actual[mine], forecast[mine], scale)
                self.standardised[name][k].add(actual[mine], forecast[mine], baselines.sds[k])
            if bounds is not None:
                self.covered[k].add(actual[mine], bounds[0][mine], bounds[1][mine], scale)
            if self.kept is not None:
                self.kept[k].append(
                    {
                        "row": (starts[mine] + prepared.spec.lookback).cpu(),
                        "actual": actual[mine, 0].double().cpu(),
                        **{name: f[mine, 0].double().cpu() for name, f in forecasts.items()},
                        **(
                            {}
                            if bounds is None
                            else {
                                "lower": bounds[0][mine, 0].double().cpu(),
                                "upper": bounds[1][mine, 0].double().cpu(),
                            }
                        ),
                    }
                )

    def _keep_errors(self, actual, forecasts: dict, series, baselines: BaselineFit) -> None:
        """Each window's mean absolute error per forecast, and over its series' MASE scale (1 where it is
        undefined), with the
        network averaged with each classical forecast (the "combined" candidates selection weighs)."""
        # selection weighs a series whose MASE is undefined (a zero scale) by its errors as they are
        scale = baselines.mase_scales[series.cpu()][:, None, :].nan_to_num(nan=1.0)
        actual = actual.double().cpu()
        network = forecasts["network"].double().cpu()
        pairs = {
            **forecasts,
            **{f"combined:{c}": (network + forecasts[c].double().cpu()) / 2 for c in self.baselines},
        }
        for name, forecast in pairs.items():  # NaN where a value was filled in: left out of the means
            error = (forecast.double().cpu() - actual).abs()
            self.window_scaled.setdefault(name, []).append(torch.nanmean(error / scale, dim=(1, 2)))
            if name in forecasts:
                self.window_errors.setdefault(name, []).append(torch.nanmean(error, dim=(1, 2)))
        self.window_series.append(series.cpu())


def score(
    model: Forecaster,
    prepared: Prepared,
    split: str,
    interval: Widths | None = None,
    keep_forecasts: bool = False,
    keep_errors: bool = False,
    baselines: BaselineFit | None = None,
    selection: Selection = NETWORK_ONLY,
) -> Scores:
    """Metrics of the served forecast ("model"), the network and each baseline on `split`, with
    per-horizon, per-target and per-series detail.

    `interval` (the served forecast's calibrated half-widths at a coverage) adds the empirical
    coverage, mean width and interval score (MSIS) of its prediction intervals. `keep_forecasts`
    keeps the one-step-ahead forecasts per series, for plotting; `keep_errors` each window's mean
    absolute error per forecast, in order (and scaled, for selection).
    """
    index = prepared.index(split)
    if len(index) == 0:
        raise RnnCliError(
            f"the {split} split has no complete window (lookback + horizon rows); choose another --split "
            "or more data"
        )
    baselines = baselines or BaselineFit.on(prepared)
    states = classical.OriginStates.of_index(prepared, baselines, index)
    tally = _Tally(prepared, keep_forecasts, keep_errors, None if interval is None else interval.coverage)
    tracker = online.tracker(interval)
    model.eval()
    for starts in index.chunks(prepared.windows.values.device, CHUNK):
        actual, forecasts, series, raw, w, quantiles = _forecasts(
            model, prepared, starts, baselines, states, selection
        )
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
    result.metrics["served"] = {
        "forecast": selection.served,
        "partner": selection.partner,
        "label": selection.name,
    }
    if keep_forecasts:
        result.forecasts = scores.one_step(tally.kept, prepared)
    if keep_errors:
        result.window_errors = {name: torch.cat(parts) for name, parts in tally.window_errors.items()}
        result.window_scaled = {name: torch.cat(parts) for name, parts in tally.window_scaled.items()}
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
    selection: Selection = NETWORK_ONLY,
) -> Scores:
    """`score` with the intervals a calibration of the served forecast gives at `coverage` (updated
    online by `online_step`); where it gives none (too few calibration windows, or none yet), the
    metrics say why instead."""
    interval = intervals.widths(calibration, coverage, online_step)
    result = score(model, prepared, split, interval, keep_forecasts, keep_errors, baselines, selection)
    reason = intervals.missing(calibration, coverage)
    if interval is None and reason:
        result.metrics["intervals"] = {"coverage_target": coverage, "missing": reason}
    return result


def reached(
    model: Forecaster, prepared: Prepared, split: str, interval: Widths, selection: Selection = NETWORK_ONLY
) -> np.ndarray:
    """(series, steps, targets): the score each series' online interval (online.py) reaches at the
    end of `split`, replayed through its windows in time order."""
    tracker = online.tracker(interval)
    index = prepared.index(split)
    baselines = BaselineFit.on(prepared) if selection.served != "network" else None
    states = classical.OriginStates.of_index(prepared, baselines, index) if baselines is not None else None
    model.eval()
    for starts in index.chunks(prepared.windows.values.device, CHUNK):
        _, _, series, raw, w, quantiles = _forecasts(model, prepared, starts, baselines, states, selection)
        _thresholds(tracker, prepared, starts, series, raw, w, interval, quantiles)
    return tracker.reached(len(prepared.series))


def _thresholds(
    tracker, prepared: Prepared, starts, series, raw, w, interval: Widths, quantiles
) -> torch.Tensor:
    """The score each window's online interval reaches (windows, horizon, targets), the windows'
    own scores recorded for the windows after them."""
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    mask = prepared.n_values if prepared.masked else None
    found = interval.calibration_scores(w[:, lookback:, :nt], raw, w[:, :lookback], nt, mask, quantiles)
    return torch.from_numpy(tracker.thresholds(series.cpu().numpy(), starts.cpu().numpy(), found))


def _bounds(prepared: Prepared, starts, raw, pred, interval: Widths, w, quantiles, thresholds=None):
    """The served forecast's interval (lower, upper) per window in real units, from its scaled
    forecast (and a quantile network's quantiles) and the half-widths for its inputs (or the online
    `thresholds`); kept at or above zero where the forecast is."""
    mask = prepared.n_values if prepared.masked else None
    below, above = interval.offsets(
        raw, w[:, : prepared.spec.lookback], prepared.n_targets, mask, quantiles, thresholds
    )
    if prepared.scaler.log_columns or interval.cqr:  # not symmetric in real units: each bound mapped back
        lower, upper = prepared.unscale(raw - below, starts), prepared.unscale(raw + above, starts)
    else:
        lower = pred - prepared.unscale(below, starts, shift=False)
        upper = pred + prepared.unscale(above, starts, shift=False)
    floor = prepared.floor(starts, pred.device)
    if floor is None:
        return lower, upper
    return torch.maximum(lower, floor.to(lower.dtype)), torch.maximum(upper, floor.to(upper.dtype))


def _forecasts(model, prepared: Prepared, starts, baselines, states, selection: Selection):
    """(actual values, {forecast name: values}, series of each window, the served forecast scaled,
    the scaled windows, a quantile network's scaled quantiles when it is served) for the windows at
    `starts`, the first four (windows, horizon, targets), in real units but the scaled ones.
    Without `baselines` only the network and what it serves are forecast (an online replay of a
    network)."""
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    w = prepared.windows.gather(starts)
    raw, quantiles = model_forecast(model, prepared, w)
    network = prepared.unscale(raw, starts)
    floor = prepared.floor(starts, network.device)
    if floor is not None:
        network = torch.maximum(network, floor.to(network.dtype))
    actual = _measured_only(prepared, prepared.unscale(w[:, lookback:, :nt], starts), starts + lookback)
    series = prepared.layout.series_of(starts)
    made = {}
    if baselines is not None:
        history = prepared.unscale(w[:, :lookback, :nt], starts)
        made = classical.forecasts(
            prepared, baselines, states, series, starts + lookback, history, prepared.spec.horizon, w
        )
    if selection.served == "network":
        return actual, {"model": network, "network": network, **made}, series, raw, w, quantiles
    pred = served.forecast(selection, network, made, prepared, starts)
    return (
        actual,
        {"model": pred, "network": network, **made},
        series,
        served.scaled(pred, prepared, starts),
        w,
        None,
    )


def _measured_only(prepared: Prepared, actual: torch.Tensor, firsts: torch.Tensor) -> torch.Tensor:
    """The actual values, NaN where the data's value was filled in rather than measured: scores
    leave those out (and count them)."""
    if prepared.measured is None:
        return actual
    rows = firsts.cpu()[:, None] + torch.arange(actual.shape[1])
    measured = prepared.measured[rows.clamp_max(len(prepared.measured) - 1)]
    return actual.masked_fill(~measured.to(actual.device), float("nan"))


def model_forecast(
    model: Forecaster, prepared: Prepared, w: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(the network's scaled forecast, a quantile network's scaled quantiles or None) for the windows `w`."""
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
