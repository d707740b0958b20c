"""The Theta method as the M4 competition's benchmark defines it (`Benchmarks and Evaluation.R`).

When a seasonality test says so, the series is first divided by the seasonal indices of a
classical multiplicative decomposition (additive where the series is not positive). On what is
left, the theta-0 line (a least-squares line over time) and the theta-2 line (twice the series
minus that line) are formed; simple exponential smoothing, its smoothing weight and starting
level chosen by least squares as R's forecast::ses does, forecasts the theta-2 line flat; the
forecast is the mean of the two lines' forecasts, seasonal indices put back.

`forecast(y, horizon, season)` is that from the end of one series (bench/m4.py checks it against
the competition's published Theta figures). `fit` and `ThetaFit.forecast` serve the baseline rnncli
shows: fitted on each series' training part, as linear AR is, then forecasting from any origin,
the smoothed level carried through the data up to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncli.evaluation import seasonality

ALPHAS = 1.0 / (1.0 + np.exp(-np.linspace(-9.2, 9.2, 41)))  # 1e-4 .. 0.9999, dense near both ends
ALPHA_BOUNDS = (1e-4, 0.9999)
REFINE = 24  # golden-section steps after the grid
MAX_FIT_ROWS = 5_000  # a long training part is fitted on its last rows: the weights decay long before


def ses_fit(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, starting level) per row of z (series, time), NaN before each series starts: the pair
    with the least squared one-step error, as forecast::ses(initial="optimal") chooses it."""
    grid = _sse(z, np.broadcast_to(ALPHAS, (len(z), len(ALPHAS))))[0]
    best = np.argmin(grid, axis=1)
    lo = ALPHAS[np.maximum(best - 1, 0)]
    hi = ALPHAS[np.minimum(best + 1, len(ALPHAS) - 1)]
    golden = (np.sqrt(5) - 1) / 2
    for _ in range(REFINE):  # golden-section search between the grid's neighbours, every series at once
        a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
        sse_a, sse_b = _sse(z, np.stack([a, b], axis=1))[0].T
        lo, hi = np.where(sse_a < sse_b, lo, a), np.where(sse_a < sse_b, b, hi)
    alpha = np.clip((lo + hi) / 2, *ALPHA_BOUNDS)
    _, level0 = _sse(z, alpha[:, None])
    return alpha, level0[:, 0]


def _sse(z: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of squared one-step errors (series, alphas) at each series' best starting level, and that level.

    With the starting level l0, the one-step forecast is a_t + c_t l0, where a_t is the forecast
    from l0 = 0 and c_t = (1 - alpha)^(t - start): the squared errors are a quadratic in l0,
    minimised in closed form from three running sums."""
    s, k = alphas.shape
    a, c = np.zeros((s, k)), np.ones((s, k))
    rr, rc, cc = np.zeros((s, k)), np.zeros((s, k)), np.zeros((s, k))
    for t in range(z.shape[1]):
        y = z[:, t : t + 1]
        present = np.isfinite(y)
        r = np.where(present, y - a, 0.0)
        w = np.where(present, c, 0.0)
        rr += r * r
        rc += r * w
        cc += w * w
        a = a + alphas * r
        c = np.where(present, c * (1 - alphas), c)
    level0 = np.where(cc > 0, rc / np.maximum(cc, 1e-300), 0.0)
    return rr - level0 * rc, level0


def ses_levels(z: np.ndarray, alpha: float, level0: float, block: int = 256) -> np.ndarray:
    """The smoothed level after each value of z (time,): l_t = l_{t-1} + alpha (z_t - l_{t-1}),
    computed a block at a time with a lower-triangular weight matrix (no Python loop over rows)."""
    n = len(z)
    decay = (1 - alpha) ** np.arange(1, block + 1)  # d_i = (1 - alpha)^(i + 1)
    lags = np.arange(block)[:, None] - np.arange(block)[None, :]
    weights = np.where(lags >= 0, alpha * (1 - alpha) ** np.maximum(lags, 0), 0.0)
    out = np.empty(n)
    level = level0
    for lo in range(0, n, block):
        part = z[lo : lo + block]
        m = len(part)
        inner = weights[:m, :m] @ part
        out[lo : lo + m] = inner + decay[:m] * level
        level = out[lo + m - 1]
    return out


@dataclass
class ThetaFit:
    """One target of one series, fitted on its training part: forecasts from any later origin."""

    start: int  # the row of the series the line's time 1 and the seasonal phase count from
    intercept: float
    slope: float
    alpha: float
    level0: float  # the smoothing's level before row `start`
    season: np.ndarray  # indices by position (row - start) % len(season); [1.0] (or [0.0]) when not seasonal
    multiplicative: bool

    def levels_before(self, values, rows: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
        """The theta-2 line's smoothed level just before each of `rows` (sorted positions in the
        series): what a forecast made at that row knows. `values(lo, hi)` gives the series' rows
        lo .. hi - 1 in real units; they are read a chunk at a time, so a long series is never
        copied whole."""
        out = np.full(len(rows), self.level0)
        level, lo, end = self.level0, self.start, int(rows.max()) if len(rows) else self.start
        while lo < end:
            hi = min(lo + chunk, end)
            x = self._adjust(np.asarray(values(lo, hi), dtype=np.float64), lo - self.start)
            line = self.intercept + self.slope * np.arange(lo - self.start + 1, hi - self.start + 1)
            smoothed = ses_levels(2 * x - line, self.alpha, level)
            inside = (rows > lo) & (rows <= hi)  # the level before row r is the one after row r - 1
            out[inside] = smoothed[rows[inside] - 1 - lo]
            level, lo = smoothed[-1], hi
        return out

    def forecast(self, level: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """Forecasts (windows, horizon) of rows origin .. origin + horizon - 1, from the level just
        before each origin (`levels_before`)."""
        steps = (origins - self.start)[:, None] + np.arange(1, horizon + 1)[
            None, :
        ]  # the line's time of each step
        flat = 0.5 * level[:, None] + 0.5 * (self.intercept + self.slope * steps)
        index = self.season[(steps - 1) % len(self.season)]
        return flat * index if self.multiplicative else flat + index

    def _adjust(self, y: np.ndarray, offset: int) -> np.ndarray:
        index = self.season[(np.arange(len(y)) + offset) % len(self.season)]
        return y / index if self.multiplicative else y - index


def fit(trains: list[np.ndarray], season: int) -> list[ThetaFit]:
    """A ThetaFit per training part (each a series' rows from its first): the seasonal test and
    decomposition per series, then every series' smoothing fitted at once."""
    prepared = []
    for y in trains:
        start = max(0, len(y) - MAX_FIT_ROWS)
        x = y[start:].astype(np.float64)
        index, multiplicative, adjusted = seasonality.adjust(x, season)
        t = np.arange(1, len(x) + 1, dtype=np.float64)
        slope, intercept = np.polyfit(t, adjusted, 1) if len(x) > 1 else (0.0, float(adjusted[0]))
        prepared.append(
            (start, intercept, slope, index, multiplicative, 2 * adjusted - (intercept + slope * t))
        )
    width = max(len(p[5]) for p in prepared)
    z = np.full((len(prepared), width), np.nan)
    for k, p in enumerate(prepared):
        z[k, width - len(p[5]) :] = p[5]
    alphas, levels0 = ses_fit(z)
    return [
        ThetaFit(start, float(intercept), float(slope), float(alpha), float(level0), index, multiplicative)
        for (start, intercept, slope, index, multiplicative, _), alpha, level0 in zip(
            prepared, alphas, levels0
        )
    ]


def forecast(series: list[np.ndarray], horizon: int, season: int = 1) -> np.ndarray:
    """The M4 Theta forecasts (series, horizon) from the end of each series, fitted together."""
    series = [np.asarray(y, dtype=np.float64) for y in series]
    out = []
    for y, theta in zip(series, fit(series, season)):
        end = np.array([len(y)])
        out.append(theta.forecast(theta.levels_before(lambda lo, hi, y=y: y[lo:hi], end), end, horizon)[0])
    return np.stack(out)
