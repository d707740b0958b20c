"""Calibration: the scores a run's prediction intervals are drawn from, made when the run ends.

The model forecasts the validation windows `steps` ahead (every one, or an evenly spread share
where rolling them all would cost more than a set budget), feeding its forecasts back past its
own horizon exactly as `predict` does (`recursive.roll`). Each window's calibration score is its
absolute error, divided by the spread of the window it was forecast from for adaptive widths; a
quantile model's is how far the actual value lies outside its outer quantiles (conformalised
quantile regression, over its own horizon). `summarise` keeps their quantiles per step and
target (on a grid of LEVELS probabilities), which is what a checkpoint stores and
`intervals.widths` draws an interval from.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.evaluation import classical, recursive, served
from rnncli.evaluation.intervals import LEVELS, local_scale, outside
from rnncli.evaluation.selection import NETWORK_ONLY, Selection
from rnncli.model.forecaster import Forecaster

MAX_WINDOWS = 20_000  # validation windows used at most, evenly spread
MIN_WINDOWS = 200  # ... and at least (or all there are): the 90% quantile is then the 181st of 200 errors
MIN_FORECASTS = 20_000  # forecasts a calibration may always make: every window of a small validation part
# a window's spread is at least this share of the typical window's (a flat window still gets a width)
FLOOR = 0.01


def reach(prepared: Prepared) -> tuple[int, int]:
    """(steps, budget): how far ahead a run's intervals are calibrated, `max(horizon, min(season,
    validation rows))` steps, and the forecasts that may cost at most: half an epoch's training
    windows (each forecast a forward pass, about a third of a training step), never fewer than
    MIN_FORECASTS."""
    horizon = prepared.spec.horizon
    steps = max(horizon, min(prepared.season, max(n_val for _, n_val, _ in prepared.layout.parts)))
    return steps, max(MIN_FORECASTS, len(prepared.index("train")) // 2)


def calibrate(
    model: Forecaster,
    prepared: Prepared,
    steps: int,
    budget: int,
    adaptive: bool = True,
    advance: Callable[[int], None] | None = None,
    part: str = "val",
) -> dict | None:
    """Quantiles of the scores of forecasts 1..steps ahead of the windows in `part` (a quantile
    model's own horizon only); None if no window fits. `advance(k)` is told of each k windows done."""
    steps = model.args.horizon if model.args.quantiles else steps
    found = scores(model, prepared, steps, budget, part, advance)
    return None if found is None else summarise(*found, adaptive, bool(model.args.quantiles))


def scores(
    model: Forecaster,
    prepared: Prepared,
    steps: int,
    budget: int,
    part: str = "val",
    advance: Callable[[int], None] | None = None,
    selection: Selection = NETWORK_ONLY,
    baselines=None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(absolute errors (windows, steps, targets), the windows' spreads (windows, targets)) of
    forecasts rolled `steps` ahead from windows whose forecast rows all lie in `part`; None if none.
    The forecasts are those the run serves (`selection`): the network's, or a classical method's
    (fitted as `baselines` hold) alone or averaged with the network's.

    Rolling a window `steps` ahead takes ceil(steps / horizon) model calls, so the windows used
    are limited to `budget` forecasts in all (windows x calls; see `window_count`): the cost is
    bounded however long the season and however many the windows.
    """
    lookback, nt, n_cal = prepared.spec.lookback, prepared.n_targets, prepared.windows.n_known
    mask = prepared.n_values if prepared.masked else None
    values = prepared.windows.values
    starts = _starts(prepared, steps, part).to(values.device)
    if len(starts) == 0:
        return None
    n = window_count(prepared, steps, model.args.horizon, budget, part)
    if len(starts) > n:  # evenly spread over the part
        starts = starts[torch.linspace(0, len(starts) - 1, n).round().long().to(values.device)]
    model.eval()
    states = None if selection.served == "network" else _origin_states(prepared, baselines, starts)
    errors = np.empty((n, steps, nt), dtype=np.float32)  # float32: millions of errors need no more
    spreads = np.empty((n, nt), dtype=np.float64)
    done = 0
    span = lookback + (
        recursive.padded(steps, model.args.horizon) if n_cal else steps
    )  # the rows after `steps` lend their calendar
    for chunk in starts.split(recursive.CHUNK):
        rows = values[chunk[:, None] + torch.arange(span, device=values.device)]  # a gathered copy
        actual = rows[:, lookback : lookback + steps, :nt].clone()
        spreads[done : done + len(chunk)] = local_scale(rows[:, :lookback], nt, mask).cpu().numpy()
        if states is None:
            found = _errors(model, rows, actual, lookback, nt, n_cal)
        else:
            found = _served_errors(model, prepared, rows, chunk, actual, selection, baselines, states)
        errors[done : done + len(chunk)] = found.cpu().numpy()
        done += len(chunk)
        if advance is not None:
            advance(len(chunk))
    return errors, spreads


def _errors(
    model: Forecaster, rows: torch.Tensor, actual: torch.Tensor, lookback: int, nt: int, n_cal: int
) -> torch.Tensor:
    """Each window's score per step: the absolute error of the forecast rolled `steps` ahead; for
    a quantile model (its own horizon only) the conformalised quantile regression score, how far
    the actual value lies outside its outer quantiles (negative inside)."""
    if not model.args.quantiles:
        with torch.inference_mode():
            return (recursive.roll(model, rows, lookback, nt, n_cal)[:, : actual.shape[1]] - actual).abs()
    future = (
        rows[:, lookback : lookback + model.args.horizon, rows.shape[2] - n_cal :].flatten(1)
        if n_cal
        else None
    )
    with torch.inference_mode():
        q = model.forecast_quantiles(rows[:, :lookback], future)[:, : actual.shape[1]]
    return outside(q, actual)


def _origin_states(prepared: Prepared, baselines, starts: torch.Tensor) -> classical.OriginStates:
    """The classical methods' states at the origin of each window at `starts`."""
    starts = starts.cpu()
    series = prepared.layout.series_of(starts)
    origins = {
        k: (starts[series == k] - prepared.layout.offsets[k] + prepared.spec.lookback).numpy()
        for k in series.unique().tolist()
    }
    return classical.OriginStates(prepared, baselines, origins)


def _served_errors(model, prepared: Prepared, rows, starts, actual, selection: Selection, baselines, states):
    """Each window's absolute error, in scaled units, of the served forecast when it is not the
    network alone: a classical method's `steps` ahead (averaged with the network's rolled
    forecast for "combined")."""
    lookback, nt, n_cal, steps = (
        prepared.spec.lookback,
        prepared.n_targets,
        prepared.windows.n_known,
        actual.shape[1],
    )
    history = prepared.unscale(rows[:, :lookback, :nt], starts)
    series = prepared.layout.series_of(starts)
    made = classical.forecasts(prepared, baselines, states, series, starts + lookback, history, steps, rows)
    network = None
    if selection.served == "combined":
        with torch.inference_mode():
            network = prepared.unscale(
                recursive.roll(model, rows.clone(), lookback, nt, n_cal)[:, :steps], starts
            )
    forecast = served.forecast(selection, network, made, prepared, starts)
    return (served.scaled(forecast, prepared, starts).to(actual.device) - actual).abs()


def summarise(errors: np.ndarray, spreads: np.ndarray, adaptive: bool = True, cqr: bool = False) -> dict:
    """The calibration a checkpoint keeps: quantiles of the scores per step and target (errors
    over their window's spread when adaptive; a quantile model's CQR scores as they are), and
    what a window's spread is floored at."""
    n, nt = errors.shape[0], errors.shape[2]
    out: dict = {"n": n, "steps": errors.shape[1]}
    if cqr:
        out["kind"] = "cqr"
    elif adaptive:
        typical = np.nanmedian(spreads, axis=0) if not np.isnan(spreads).all() else np.ones(nt)
        typical = np.where(np.isfinite(typical) & (typical > 0), typical, 1.0)
        floor = FLOOR * typical
        scale = np.where(np.isnan(spreads), typical, np.maximum(spreads, floor))
        errors = errors / scale[:, None, :].astype(np.float32)
        out.update(scaled_by="window", floor=torch.from_numpy(floor), typical=torch.from_numpy(typical))
    errors.sort(axis=0)  # in place, per step and target: no index array, no copy
    ranks = np.round(np.linspace(0, 1, LEVELS) * (n - 1)).astype(np.int64)
    out["quantiles"] = torch.from_numpy(np.ascontiguousarray(errors[ranks]))  # (LEVELS, steps, targets)
    return out


def window_count(prepared: Prepared, steps: int, horizon: int, budget: int, part: str = "val") -> int:
    """Windows to calibrate on: all that are available, up to MAX_WINDOWS, and no more than
    `budget` model calls in all at ceil(steps / horizon) calls per window, though never fewer
    than MIN_WINDOWS. Split conformal intervals keep their coverage with fewer windows (the
    guarantee holds for any number); fewer windows make their width noisier (bench/intervals.py)."""
    available = len(_starts(prepared, steps, part))
    return min(available, MAX_WINDOWS, max(MIN_WINDOWS, budget // math.ceil(steps / horizon)))


def _starts(prepared: Prepared, steps: int, part: str) -> torch.Tensor:
    """Starts of the windows whose `steps` forecast rows all lie in a series' `part` (none in a
    series whose part is shorter than that)."""
    lookback, which = prepared.spec.lookback, ("train", "val", "test").index(part)
    out = []
    for lo, sizes in zip(prepared.layout.offsets, prepared.layout.parts):
        first = lo + sum(sizes[:which])  # the part's first row
        out.append(torch.arange(first - lookback, first + max(sizes[which] - steps + 1, 0) - lookback))
    return torch.cat(out)
