"""The simple forecasts a model must beat, computed on the same windows as the model.

- persistence: every future step equals the last observed value;
- seasonal naive: each future step equals the value one season earlier (`season` steps);
- linear autoregression: for each target and horizon step, a least-squares linear map (with an
  intercept) from the same `lookback` values the model sees, fitted on the training windows;
- Theta, as the M4 competition's benchmark defines it (`theta.py`), fitted on each series'
  training part and carried through the data up to each forecast origin;
- when the model reads covariates, the linear AR with them (`arx.py`).

All work in real units on float64 values. `BaselineFit.on(prepared)` fits what the baselines and
the scaled metrics learn from each series' training part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.data.scaling import mean_std
from rnncli.evaluation import arx, classical, smoothing, theta

AR_MAX_WINDOWS = 200_000  # training windows the linear AR is fitted on at most, evenly spread
CHUNK = 2048


def in_sample_seasonal_mae(train_rows: torch.Tensor, season: int, rows: int = 1 << 16) -> torch.Tensor:
    """Per target, the mean |y_t - y_{t-season}| over a series' training rows (MASE's scale),
    a block of rows at a time; a part shorter than a season uses lag 1. Zero (a part that never
    changes at that lag) is NaN: MASE and MSIS are undefined there, and scoring says so."""
    n = len(train_rows)
    m = season if n > season else 1
    total = torch.zeros(train_rows.shape[1], dtype=torch.float64)
    for a in range(m, n, rows):
        b = min(a + rows, n)
        total += (train_rows[a:b].double() - train_rows[a - m : b - m].double()).abs().sum(0).cpu()
    mae = total / max(n - m, 1)
    return torch.where(mae > 0, mae, torch.full_like(mae, float("nan")))


class LinearAR:
    """Direct linear autoregression per target: y[t+h] ~ w_h . y[t-lookback+1 .. t] + b_h.

    Fitted by least squares through the normal equations, accumulated batch by batch (`add`), so
    millions of training windows never have to sit in memory at once. A series with few training
    windows gets fewer lags (the latest ones): at least WINDOWS_PER_WEIGHT windows per weight, so
    the fit is never one that any weights would match.
    """

    WINDOWS_PER_WEIGHT = 3

    def __init__(self, lookback: int, horizon: int, n_targets: int):
        self.xtx = torch.zeros(n_targets, lookback + 1, lookback + 1, dtype=torch.float64)
        self.xty = torch.zeros(n_targets, lookback + 1, horizon, dtype=torch.float64)
        self.windows = 0
        self.weights: torch.Tensor | None = None  # (targets, lookback + 1, horizon)

    def add(self, history: torch.Tensor, future: torch.Tensor) -> None:
        """history (windows, lookback, targets), future (windows, horizon, targets), real units."""
        x = _with_intercept(history.double().cpu())
        self.xtx += torch.einsum("wit,wjt->tij", x, x)
        self.xty += torch.einsum("wit,wht->tih", x, future.double().cpu())
        self.windows += len(history)

    @property
    def lags(self) -> int:
        """How many of the latest lookback values the fit weighs: all when the windows allow."""
        lookback = self.xtx.shape[1] - 1
        return max(1, min(lookback, self.windows // self.WINDOWS_PER_WEIGHT - 1))

    def solve(self) -> LinearAR:
        """Least squares on the latest `lags` values and an intercept; with no training window at
        all (a padded series), persistence: the last value."""
        first = self.xtx.shape[1] - 1 - self.lags  # the rows of the latest lags and the intercept
        if not self.xtx.any():
            self.weights = torch.zeros_like(self.xty)
            self.weights[:, -2, :] = 1.0  # the last lookback value, before the intercept's row
        elif first == 0:  # every lag (the solver's own layout, which the forecasts' sums follow)
            self.weights = torch.linalg.lstsq(self.xtx, self.xty, driver="gelsd").solution
        else:
            self.weights = torch.zeros_like(self.xty)
            a, b = self.xtx[:, first:, first:], self.xty[:, first:]
            self.weights[:, first:] = torch.linalg.lstsq(a, b, driver="gelsd").solution
        self.xtx = self.xty = None  # the sums are spent: thousands of series keep only their weights
        return self

    def predict(self, history: torch.Tensor) -> torch.Tensor:
        """(windows, lookback, targets) -> (windows, horizon, targets)."""
        return torch.einsum("wit,tih->wht", _with_intercept(history.double().cpu()), self.weights)

    def roll(self, history: torch.Tensor, steps: int) -> torch.Tensor:
        """(windows, lookback, targets) -> (windows, steps, targets): beyond its horizon, its own
        forecasts fed back as the latest values (as predict rolls the network)."""
        history, out, made = history.double().cpu(), [], 0
        while made < steps:
            step = self.predict(history)
            out.append(step)
            made += step.shape[1]
            history = torch.cat([history, step], dim=1)[:, -history.shape[1] :]
        return torch.cat(out, dim=1)[:, :steps]


def _with_intercept(history: torch.Tensor) -> torch.Tensor:
    """(windows, lookback, targets) -> (windows, lookback + 1, targets), the last row all ones."""
    ones = torch.ones(history.shape[0], 1, history.shape[2], dtype=history.dtype)
    return torch.cat([history, ones], dim=1)


@dataclass
class BaselineFit:
    """What the baselines and the standardised metrics learn from a training part: one linear AR,
    one Theta per target, one MASE scale and one standard deviation per series. Fitted on the
    split's own training part, or given (a backtest without refitting scores every fold against
    the first fold's)."""

    ars: list[LinearAR]
    thetas: list[list[theta.ThetaFit]]  # (series, targets)
    smoothings: list[list[dict[str, smoothing.SmoothingFit]]]  # (series, targets): ses, holt, damped
    mase_scales: torch.Tensor  # (series, targets)
    sds: torch.Tensor  # (series, targets)
    arx: arx.LinearARX | None = None  # the linear AR with the model's covariates, when it reads some

    @classmethod
    def on(cls, prepared: Prepared) -> BaselineFit:
        chunks = prepared.index("train").chunks(prepared.windows.values.device, CHUNK, AR_MAX_WINDOWS)
        return cls(
            _fit_linear_ar(prepared),
            classical.fit_theta(prepared),
            classical.fit_smoothing(prepared),
            _mase_scales(prepared, prepared.season),
            _training_sd(prepared),
            arx.fit(prepared, chunks),
        )


def _fit_linear_ar(prepared: Prepared) -> list[LinearAR]:
    """One linear autoregression per series, fitted on its training windows."""
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    ars = [LinearAR(lookback, prepared.spec.horizon, nt) for _ in prepared.series]
    firsts = torch.tensor([lo + pad for lo, pad in zip(prepared.layout.offsets, prepared.pads)])
    for starts in prepared.index("train").chunks(prepared.windows.values.device, CHUNK, AR_MAX_WINDOWS):
        series = prepared.layout.series_of(starts)
        real = starts >= firsts.to(starts.device)[series]  # windows that read no padding
        starts, series = starts[real], series[real]
        w = prepared.unscale(prepared.windows.gather(starts)[..., :nt], starts)
        for k in series.unique().tolist():
            mine = series == k
            ars[k].add(w[mine, :lookback], w[mine, lookback:])
    return [ar.solve() for ar in ars]


def _training_sd(prepared: Prepared) -> torch.Tensor:
    """(series, targets): each series' standard deviation over its training rows, in real units."""
    nt, sds = prepared.n_targets, []
    for k, (lo, (n_train, _, _), pad) in enumerate(
        zip(prepared.layout.offsets, prepared.layout.parts, prepared.pads)
    ):
        if prepared.scaler.log_columns:  # the spread of the data itself, not of its logs
            _, sd = mean_std(
                np.stack([classical.real_rows(prepared, k, j)(pad, n_train) for j in range(nt)], axis=1)
            )
            sd = torch.from_numpy(sd)
        else:
            _, sd = mean_std(
                prepared.windows.values[lo + pad : lo + n_train, :nt].cpu().numpy()
            )  # of scaled values: times the scale
            sd = torch.from_numpy(sd) * prepared.scaler.scale[k, :nt].double()
        sds.append(torch.where(sd > 0, sd, torch.ones_like(sd)))  # a constant target: errors as they are
    return torch.stack(sds)


def _mase_scales(prepared: Prepared, season: int) -> torch.Tensor:
    """(series, targets): each series' in-sample seasonal-naive MAE over its training rows."""
    nt, scales = prepared.n_targets, []
    for k, (lo, (n_train, _, _), pad) in enumerate(
        zip(prepared.layout.offsets, prepared.layout.parts, prepared.pads)
    ):
        if prepared.scaler.log_columns:  # differences of the data itself, not of its logs
            real = torch.from_numpy(
                np.stack([classical.real_rows(prepared, k, j)(pad, n_train) for j in range(nt)], axis=1)
            )
            scales.append(in_sample_seasonal_mae(real, season))
            continue
        scaled = in_sample_seasonal_mae(
            prepared.windows.values[lo + pad : lo + n_train, :nt], season
        )  # differences: loc cancels
        scales.append(scaled * prepared.scaler.scale[k, :nt].double())
    return torch.stack(scales)
