"""Recursive forecasting: a model's forecasts fed back as its inputs, one model horizon at a time.

`predict` rolls the end of each series past the model's own horizon this way, and the interval
calibration rolls validation windows as far as `predict` would, so both see the same forecasts.
"""

from __future__ import annotations

import torch

from rnncli.model.forecaster import Forecaster

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
