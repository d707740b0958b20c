"""Recursive forecasting: a model's forecasts fed back as its inputs, one model horizon at a time.

`predict` rolls the end of each series past the model's own horizon this way, and the interval
calibration rolls validation windows as far as `predict` would, so both see the same forecasts.
"""

from __future__ import annotations

import torch

from rnncli.model.forecaster import Forecaster

CHUNK = 1024  # windows rolled forward at a time: the recurrent layer's output is chunk x lookback x hidden


def padded(steps: int, horizon: int) -> int:
    """Steps rounded up to whole model horizons: the rows a roll of `steps` needs, since the model
    reads the calendar of every step it forecasts at once."""
    return -(-steps // horizon) * horizon


def roll(model: Forecaster, rows: torch.Tensor, lookback: int, n_targets: int, n_known: int) -> torch.Tensor:
    """Fill the target columns of rows[:, lookback:] with forecasts, one model horizon at a time.

    rows: (B, lookback + steps, columns), scaled; the first `lookback` rows are known, and so are the
    calendar columns of every row (with calendar columns, `steps` is a whole number of model
    horizons: `padded`). Each chunk reads the rows before it, forecasts included.
    """
    horizon = model.args.horizon
    if n_known and (rows.shape[1] - lookback) % horizon:
        raise ValueError(
            f"a roll with calendar columns needs whole horizons of rows ({rows.shape[1] - lookback} steps, "
            f"horizon {horizon})"
        )
    with torch.inference_mode():
        for pos in range(lookback, rows.shape[1], horizon):
            future = rows[:, pos : pos + horizon, rows.shape[2] - n_known :].flatten(1) if n_known else None
            out = model.forecast(rows[:, pos - lookback : pos], future)
            take = min(horizon, rows.shape[1] - pos)
            rows[:, pos : pos + take, :n_targets] = out[:, :take]
    return rows[:, lookback:, :n_targets]
