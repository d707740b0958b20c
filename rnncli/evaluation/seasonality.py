"""Seasonality as the M4 competition's benchmarks treat it (`Benchmarks and Evaluation.R`): a test
on the autocorrelation at the seasonal lag, and a classical decomposition whose seasonal indices
divide a positive series (subtract from another) before a non-seasonal method forecasts it, and
are put back after. Theta and the exponential smoothings share it."""

from __future__ import annotations

import numpy as np

TCRIT = 1.645  # the M4 seasonality test: a 90% one-sided limit on the autocorrelation at the seasonal lag
SMALLEST_INDEX = 0.05  # a multiplicative index below this (a season's value near zero): additive instead


def seasonal(y: np.ndarray, season: int) -> bool:
    """The M4 test: the autocorrelation at lag `season` beyond 1.645 times its standard error."""
    n = len(y)
    if season <= 1 or n < 3 * season:
        return False
    x = y - y.mean()
    denom = float(x @ x)
    if denom == 0:
        return False
    acf = np.array([float(x[:-k] @ x[k:]) / denom for k in range(1, season + 1)])
    limit = TCRIT / np.sqrt(n) * np.sqrt(1 + 2 * np.sum(acf[: season - 1] ** 2))
    return bool(abs(acf[season - 1]) > limit)


def indices(y: np.ndarray, season: int, multiplicative: bool) -> np.ndarray:
    """Seasonal indices (season,) of a classical decomposition (R's `decompose`); index k belongs to
    the rows at positions k, k + season, ... of `y`."""
    n, m = len(y), season
    weights = np.full(m + 1, 1.0 / m) if m % 2 == 0 else np.full(m, 1.0 / m)
    if m % 2 == 0:
        weights[0] = weights[-1] = 0.5 / m
    half = len(weights) // 2
    trend = np.full(n, np.nan)
    trend[half : n - half] = np.convolve(y, weights, mode="valid")
    detrended = y / trend if multiplicative else y - trend
    figure = np.array(
        [np.nanmean(detrended[k::m]) if np.isfinite(detrended[k::m]).any() else np.nan for k in range(m)]
    )
    figure = np.where(np.isfinite(figure), figure, 1.0 if multiplicative else 0.0)
    return figure / figure.mean() if multiplicative else figure - figure.mean()


def adjust(x: np.ndarray, season: int) -> tuple[np.ndarray, bool, np.ndarray]:
    """(seasonal indices by position, whether they divide, the adjusted series): the indices of a
    classical decomposition when the test says the series is seasonal (multiplicative when every
    value is positive, else additive), else one neutral index. Values at the level of rounding
    (a zero read back through scaling as 1e-9) are not positive, and an index near zero is not
    divided by: one later value at that position would come out a billion times too large."""
    top = float(np.abs(x).max()) if len(x) else 0.0
    multiplicative = bool((x > 1e-6 * top).all()) and top > 0
    if not seasonal(x, season):
        index = np.array([1.0 if multiplicative else 0.0])
        return index, multiplicative, apply(x, index, multiplicative, 0, inverse=True)
    index = indices(x, season, multiplicative)
    if multiplicative and float(index.min()) < SMALLEST_INDEX:
        multiplicative, index = False, indices(x, season, False)
    return index, multiplicative, apply(x, index, multiplicative, 0, inverse=True)


def apply(
    y: np.ndarray, index: np.ndarray, multiplicative: bool, offset: int, inverse: bool = False
) -> np.ndarray:
    """Put the indices back into `y` (positions offset, offset + 1, ...), or take them out (`inverse`)."""
    at = index[(np.arange(len(y)) + offset) % len(index)]
    if multiplicative:
        return y / at if inverse else y * at
    return y - at if inverse else y + at
