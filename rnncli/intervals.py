"""Prediction intervals by split conformal calibration, and the forecast roll they calibrate.

At the end of training the model forecasts every validation window it can, `steps` ahead, feeding
its forecasts back past its own horizon exactly as `predict` does; the absolute errors per step and
target (in scaled units, so each series' scale sets its width) are summarised by their quantiles
and stored in the checkpoint. An interval of coverage c is then forecast ± the conformal quantile:
the ceil((n + 1) c)-th smallest of the n validation errors, which covers a new point with
probability at least c when errors are exchangeable.
"""

from __future__ import annotations

import math

import torch

from rnncli.dataset import Prepared
from rnncli.model import Forecaster

LEVELS = 1001  # quantiles stored at probabilities 0, 0.001, ..., 1
MAX_WINDOWS = 20_000  # validation windows used at most, evenly spread
CHUNK = 1024  # windows rolled forward at a time: the recurrent layer's output is chunk x lookback x hidden


def roll(model: Forecaster, rows: torch.Tensor, lookback: int, n_targets: int, n_calendar: int) -> torch.Tensor:
    """Fill the target columns of rows[:, lookback:] with forecasts, one model horizon at a time.

    rows: (B, lookback + steps, columns), scaled; the first `lookback` rows are known, and so are the
    calendar columns of every row. Each chunk reads the rows before it, forecasts included.
    """
    horizon = model.args.horizon
    with torch.inference_mode():
        for pos in range(lookback, rows.shape[1], horizon):
            future = rows[:, pos : pos + horizon, rows.shape[2] - n_calendar :].flatten(1) if n_calendar else None
            if future is not None and future.shape[1] < model.args.future_size:  # the last chunk runs past the rows
                future = torch.nn.functional.pad(future, (0, model.args.future_size - future.shape[1]))
            out = model.forecast(rows[:, pos - lookback : pos], future)
            take = min(horizon, rows.shape[1] - pos)
            rows[:, pos : pos + take, :n_targets] = out[:, :take]
    return rows[:, lookback:, :n_targets]


def calibrate(model: Forecaster, prepared: Prepared, steps: int) -> dict | None:
    """Quantiles of the validation errors of forecasts 1..steps ahead; None if no window fits."""
    lookback, nt, n_cal = prepared.spec.lookback, prepared.n_targets, prepared.windows.n_calendar
    values = prepared.windows.values
    starts = [torch.arange(lo + n_train - lookback, lo + n_train + n_val - steps + 1 - lookback)
              for lo, (n_train, n_val, _) in zip(prepared.layout.offsets, prepared.layout.parts)]
    starts = torch.cat(starts).to(values.device)
    if len(starts) == 0:
        return None
    if len(starts) > MAX_WINDOWS:  # quantiles of tens of thousands of errors are as good as of millions
        starts = starts[torch.linspace(0, len(starts) - 1, MAX_WINDOWS).round().long().to(values.device)]
    model.eval()
    errors = []
    for chunk in starts.split(CHUNK):
        rows = values[chunk[:, None] + torch.arange(lookback + steps, device=values.device)]  # a gathered copy
        actual = rows[:, lookback:, :nt].clone()
        errors.append((roll(model, rows, lookback, nt, n_cal) - actual).abs().cpu())
    errors = torch.cat(errors).double()
    ranks = torch.linspace(0, 1, LEVELS, dtype=torch.float64) * (len(errors) - 1)
    ordered = errors.sort(dim=0).values
    return {"n": len(errors), "steps": steps, "quantiles": ordered[ranks.round().long()].float()}  # (LEVELS, steps, targets)


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
