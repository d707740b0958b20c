"""The simple forecasts a model must beat, computed on the same windows as the model.

- persistence: every future step equals the last observed value;
- seasonal naive: each future step equals the value one season earlier (`season` steps);
- linear autoregression: for each target and horizon step, a least-squares linear map (with an
  intercept) from the same `lookback` values the model sees, fitted on the training windows.

All work in real units on float64 tensors: history (windows, lookback, targets) and the full series
of each target, so seasonal lags can reach back beyond the window.
"""

from __future__ import annotations

import torch


def persistence(history: torch.Tensor, horizon: int) -> torch.Tensor:
    """(windows, lookback, targets) -> (windows, horizon, targets): the last value, repeated."""
    return history[:, -1:].expand(-1, horizon, -1)


def seasonal_naive(rows: torch.Tensor, origins: torch.Tensor, floors: torch.Tensor, horizon: int, season: int) -> torch.Tensor:
    """Value at origin+h-1 - season*ceil(h/season) for h = 1..horizon.

    rows: (all rows, targets) in real units; origins: row of each window's first forecast step;
    floors: first row of each window's series (a lag never reaches before it).
    """
    steps = torch.arange(1, horizon + 1, device=rows.device)
    lag = season * torch.ceil(steps / season).long()
    idx = origins[:, None] + steps[None, :] - 1 - lag[None, :]
    idx = torch.maximum(idx, floors[:, None])
    return rows[idx]


def in_sample_seasonal_mae(train_rows: torch.Tensor, season: int, rows: int = 1 << 16) -> torch.Tensor:
    """Per target, the mean |y_t - y_{t-season}| over a series' training rows (MASE's scale),
    a block of rows at a time; a part shorter than a season uses lag 1; a zero becomes 1."""
    n = len(train_rows)
    m = season if n > season else 1
    total = torch.zeros(train_rows.shape[1], dtype=torch.float64)
    for a in range(m, n, rows):
        b = min(a + rows, n)
        total += (train_rows[a:b].double() - train_rows[a - m : b - m].double()).abs().sum(0).cpu()
    mae = total / max(n - m, 1)
    return torch.where(mae > 0, mae, torch.ones_like(mae))


class LinearAR:
    """Direct linear autoregression per target: y[t+h] ~ w_h . y[t-lookback+1 .. t] + b_h.

    Fitted by least squares through the normal equations, accumulated batch by batch (`add`), so
    millions of training windows never have to sit in memory at once.
    """

    def __init__(self, lookback: int, horizon: int, n_targets: int):
        self.xtx = torch.zeros(n_targets, lookback + 1, lookback + 1, dtype=torch.float64)
        self.xty = torch.zeros(n_targets, lookback + 1, horizon, dtype=torch.float64)
        self.weights: torch.Tensor | None = None  # (targets, lookback + 1, horizon)

    def add(self, history: torch.Tensor, future: torch.Tensor) -> None:
        """history (windows, lookback, targets), future (windows, horizon, targets), real units."""
        x = _with_intercept(history.double().cpu())
        self.xtx += torch.einsum("wit,wjt->tij", x, x)
        self.xty += torch.einsum("wit,wht->tih", x, future.double().cpu())

    def solve(self) -> LinearAR:
        self.weights = torch.linalg.lstsq(self.xtx, self.xty, driver="gelsd").solution
        return self

    def predict(self, history: torch.Tensor) -> torch.Tensor:
        """(windows, lookback, targets) -> (windows, horizon, targets)."""
        return torch.einsum("wit,tih->wht", _with_intercept(history.double().cpu()), self.weights)


def _with_intercept(history: torch.Tensor) -> torch.Tensor:
    """(windows, lookback, targets) -> (windows, lookback + 1, targets), the last row all ones."""
    ones = torch.ones(history.shape[0], 1, history.shape[2], dtype=history.dtype)
    return torch.cat([history, ones], dim=1)
