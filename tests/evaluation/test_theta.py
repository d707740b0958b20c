"""The Theta baseline against hand computations: the seasonality test, the decomposition, the
smoothing's least-squares fit, the M4 forecast step by step, and the baseline rnncli scores."""

import math

import numpy as np
import pandas as pd
import pytest
from helpers import write_config

from rnncli import config
from rnncli.commands import evaluate
from rnncli.evaluation import seasonality, theta
from rnncli.pipeline.run import train_run


def hand_ses(z: np.ndarray) -> tuple[float, float, float]:
    """(alpha, l0, SSE) by brute force: a fine grid of alphas, the best l0 for each found by a
    second grid around the closed form, the one-step errors of l_t = l_{t-1} + alpha e_t."""
    best = (math.inf, 0.0, 0.0)
    for alpha in np.linspace(1e-4, 0.9999, 2000):
        for l0 in np.linspace(z[0] - 3 * z.std(), z[0] + 3 * z.std(), 61):
            level, sse = l0, 0.0
            for y in z:
                e = y - level
                sse += e * e
                level += alpha * e
            best = min(best, (sse, alpha, l0))
    return best[1], best[2], best[0]


def sse_of(z: np.ndarray, alpha: float, l0: float) -> float:
    level, sse = l0, 0.0
    for y in z:
        sse += (y - level) ** 2
        level += alpha * (y - level)
    return sse


def test_the_smoothing_is_fitted_by_least_squares():
    rng = np.random.default_rng(3)
    z = np.cumsum(rng.normal(0, 1, 60)) + rng.normal(0, 0.5, 60)
    alpha, l0 = theta.ses_fit(z[None])
    _, _, brute = hand_ses(z)
    assert sse_of(z, alpha[0], l0[0]) <= brute + 1e-9  # at least as good as any point of the grid
    assert 0 < alpha[0] < 1


def test_the_seasonality_test_and_the_decomposition():
    t = np.arange(120)
    pattern = np.array([0.8, 1.0, 1.2, 1.0, 0.9, 1.1])
    y = (100 + t) * pattern[t % 6]
    assert seasonality.seasonal(y, 6)
    assert not seasonality.seasonal(np.random.default_rng(0).normal(10, 1, 120), 6)
    assert not seasonality.seasonal(y[:17], 6)  # shorter than 3 seasons: never seasonal, as in M4
    np.testing.assert_allclose(
        seasonality.indices(y, 6, multiplicative=True), pattern / pattern.mean(), atol=2e-3
    )


def m4_theta(y: np.ndarray, h: int) -> np.ndarray:
    """The M4 benchmark's Theta.classic, step by step, for a series that is not seasonal."""
    n = len(y)
    t = np.arange(1, n + 1)
    b, a = np.polyfit(t, y, 1)
    line_in, line_out = a + b * t, a + b * np.arange(n + 1, n + h + 1)
    theta2 = 2 * y - line_in
    alpha, l0, _ = hand_ses(theta2)
    level = l0
    for v in theta2:
        level += alpha * (v - level)
    return 0.5 * level + 0.5 * line_out


def test_the_forecast_is_the_m4_benchmark_computed_by_hand():
    rng = np.random.default_rng(1)
    y = 50 + 0.4 * np.arange(40) + np.cumsum(rng.normal(0, 1, 40))
    np.testing.assert_allclose(theta.forecast([y], 5)[0], m4_theta(y, 5), rtol=0, atol=0.02)


def test_the_seasonal_forecast_puts_the_indices_back():
    t = np.arange(96)
    pattern = np.array([0.7, 1.0, 1.3, 1.0])
    y = (200 + 2 * t) * pattern[t % 4]
    f = theta.forecast([y], 8, season=4)[0]
    future = (200 + 2 * np.arange(96, 104)) * pattern[np.arange(96, 104) % 4]
    np.testing.assert_allclose(f, future, rtol=0.03)  # a clean trend times a season: recovered within 3%


def test_the_baseline_rnncli_scores_is_fitted_on_training_rows_and_carried_to_each_origin(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    y = 20 + 0.05 * np.arange(n) + np.cumsum(rng.normal(0, 0.3, n))
    csv = tmp_path / "s.csv"
    pd.DataFrame(
        {"date": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"), "y": np.round(y, 4)}
    ).to_csv(csv, index=False)
    cfg = config.load(
        write_config(tmp_path / "c.yaml", csv, tmp_path / "runs"), ["train.epochs=1", "data.season=1"]
    )
    run = train_run(cfg).run_dir
    metrics = evaluate.evaluate(run).metrics
    y = pd.read_csv(csv)["y"].to_numpy()
    n_train = n - 20 - 20  # fractions 0.1 / 0.1
    (fit,) = theta.fit([y[:n_train]], 1)
    level = fit.level0  # carried by hand through every row before each origin
    levels = []
    for r, v in enumerate(y):
        levels.append(level)
        level += fit.alpha * ((2 * v - (fit.intercept + fit.slope * (r + 1))) - level)
    origins = np.arange(n - 20, n)
    hand = 0.5 * np.array(levels)[origins] + 0.5 * (fit.intercept + fit.slope * (origins + 1))
    assert metrics["baselines"]["theta"]["mae"] == pytest.approx(np.abs(hand - y[origins]).mean(), rel=1e-6)
