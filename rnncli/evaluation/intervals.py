"""Prediction intervals by split conformal calibration.

When a run ends, the model forecasts the validation windows `steps` ahead (every one, or an evenly
spread share where rolling them all would cost more than a set budget), feeding its forecasts
back past its own horizon exactly as `predict` does (`recursive.roll`); the absolute errors per step and
target (in scaled units, so each series' scale sets its width) are summarised by their quantiles
and stored in the checkpoint. An interval of coverage c is then forecast ± the conformal quantile:
the ceil((n + 1) c)-th smallest of the n validation errors, which covers a new point with
probability at least c when errors are exchangeable.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.evaluation import recursive
from rnncli.model.forecaster import Forecaster

LEVELS = 1001  # quantiles stored at probabilities 0, 0.001, ..., 1
MAX_WINDOWS = 20_000  # validation windows used at most, evenly spread
MIN_WINDOWS = 200  # ... and at least (or all there are): the 90% quantile is then the 181st of 200 errors
MIN_FORECASTS = 20_000  # forecasts a calibration may always make: every window of a small validation part


def reach(prepared: Prepared) -> tuple[int, int]:
    """(steps, budget): how far ahead a run's intervals are calibrated, `max(horizon, min(season,
    validation rows))` steps, and the forecasts that may cost at most: half an epoch's training
    windows (each forecast a forward pass, about a third of a training step), never fewer than
    MIN_FORECASTS."""
    horizon = prepared.spec.horizon
    steps = max(horizon, min(prepared.season, max(n_val for _, n_val, _ in prepared.layout.parts)))
    return steps, max(MIN_FORECASTS, len(prepared.index("train")) // 2)


def calibrate(model: Forecaster, prepared: Prepared, steps: int, budget: int,
              advance: Callable[[int], None] | None = None) -> dict | None:
    """Quantiles of the validation errors of forecasts 1..steps ahead; None if no window fits.

    Rolling a window `steps` ahead takes ceil(steps / horizon) model calls, so the windows used
    are limited to `budget` forecasts in all (windows x calls; see `window_count`): the cost is
    bounded however long the season and however many the windows. `advance(k)` is told of each
    k windows done.
    """
    lookback, nt, n_cal = prepared.spec.lookback, prepared.n_targets, prepared.windows.n_calendar
    values = prepared.windows.values
    starts = _validation_starts(prepared, steps).to(values.device)
    if len(starts) == 0:
        return None
    n = window_count(prepared, steps, model.args.horizon, budget)
    if len(starts) > n:  # evenly spread over the validation part
        starts = starts[torch.linspace(0, len(starts) - 1, n).round().long().to(values.device)]
    model.eval()
    errors = np.empty((n, steps, nt), dtype=np.float32)  # float32: millions of errors need no more
    done = 0
    span = lookback + (recursive.padded(steps, model.args.horizon) if n_cal else steps)  # the rows after `steps` lend their calendar
    for chunk in starts.split(recursive.CHUNK):
        rows = values[chunk[:, None] + torch.arange(span, device=values.device)]  # a gathered copy
        actual = rows[:, lookback : lookback + steps, :nt].clone()
        errors[done : done + len(chunk)] = (recursive.roll(model, rows, lookback, nt, n_cal)[:, :steps] - actual).abs().cpu().numpy()
        done += len(chunk)
        if advance is not None:
            advance(len(chunk))
    errors.sort(axis=0)  # in place, per step and target: no index array, no copy
    ranks = np.round(np.linspace(0, 1, LEVELS) * (n - 1)).astype(np.int64)
    return {"n": n, "steps": steps, "quantiles": torch.from_numpy(errors[ranks])}  # (LEVELS, steps, targets)


def window_count(prepared: Prepared, steps: int, horizon: int, budget: int) -> int:
    """Validation windows to calibrate on: all that are available, up to MAX_WINDOWS, and no more
    than `budget` model calls in all at ceil(steps / horizon) calls per window, though never fewer
    than MIN_WINDOWS. Split conformal intervals keep their coverage with fewer windows (the
    guarantee holds for any number); fewer windows make their width noisier (bench/intervals.py)."""
    available = len(_validation_starts(prepared, steps))
    return min(available, MAX_WINDOWS, max(MIN_WINDOWS, budget // math.ceil(steps / horizon)))


def _validation_starts(prepared: Prepared, steps: int) -> torch.Tensor:
    """Starts of the windows whose `steps` forecast rows all lie in a series' validation part (none
    in a series whose validation part is shorter than that)."""
    lookback = prepared.spec.lookback
    return torch.cat([torch.arange(lo + n_train - lookback, lo + n_train + max(n_val - steps + 1, 0) - lookback)
                      for lo, (n_train, n_val, _) in zip(prepared.layout.offsets, prepared.layout.parts)])


def for_scoring(calibration: dict | None, coverage: float) -> tuple[float, torch.Tensor] | None:
    """(coverage, half-widths) as `scoring.score` takes them; None without a calibration or a coverage."""
    return (coverage, half_width(calibration, coverage)) if coverage and calibration else None


def half_width(calibration: dict, coverage: float) -> torch.Tensor:
    """(steps, targets) half-widths in scaled units for this coverage; inf when n is too small for it."""
    n = calibration["n"]
    rank = math.ceil((n + 1) * coverage)
    if rank > n:
        return torch.full(calibration["quantiles"].shape[1:], float("inf"))
    level = (rank - 1) / max(n - 1, 1)  # the rank-th smallest error, on the stored grid
    position = level * (LEVELS - 1)
    lo, hi = math.floor(position), math.ceil(position)
    q = calibration["quantiles"]
    return q[lo] + (q[hi] - q[lo]) * (position - lo)
