"""Exponential smoothing against a plain loop: the least-squares starting state, the sum of squared
errors, Holt on a straight line, the damped forecast's formula, states carried to any origin, the
AICc choice and the seasonal indices put back."""

import math

import numpy as np
import pytest

from rnncli.evaluation import smoothing


def loop(z: np.ndarray, alpha: float, beta: float, phi: float, state0) -> tuple[float, np.ndarray]:
    """(sum of squared one-step errors, the state after each row) by the recursion itself."""
    level, slope = float(state0[0]), float(state0[1])
    sse, states = 0.0, []
    for x in z:
        e = x - (level + phi * slope)
        sse += e * e
        level, slope = level + phi * slope + alpha * e, phi * slope + beta * e
        states.append((level, slope))
    return sse, np.array(states)


def noisy_trend(n: int = 80, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 50 + 0.7 * np.arange(n) + np.cumsum(rng.normal(0, 1, n)) + rng.normal(0, 2, n)


@pytest.mark.parametrize("kind", smoothing.KINDS)
def test_the_starting_state_is_the_least_squares_one(kind):
    z = noisy_trend()
    (fits,) = smoothing.fit([z], season=1)
    f = fits[kind]
    sse, _ = loop(z, f.alpha, f.beta, f.phi, f.state0)
    n = len(z)
    k = smoothing.PARAMETERS[kind] + 1  # and the variance
    assert f.aicc == pytest.approx(n * math.log(sse / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1), rel=1e-6)
    # no other starting state does better at the same weights: the normal equations are exact
    for dl, db in [(0.5, 0), (-0.5, 0), (0, 0.05), (0, -0.05)]:
        if kind == "ses" and db:
            continue
        moved, _ = loop(z, f.alpha, f.beta, f.phi, f.state0 + np.array([dl, db]))
        assert moved > sse
    if kind == "ses":
        assert f.beta == 0 and f.state0[1] == 0
    if kind == "holt":
        assert f.phi == 1
    if kind == "damped":
        assert smoothing.PHI[0] <= f.phi <= smoothing.PHI[1]


def test_the_weights_found_are_as_good_as_a_fine_search():
    z = noisy_trend(60, seed=4)
    (fits,) = smoothing.fit([z], season=1)
    f = fits["ses"]
    found, _ = loop(z, f.alpha, 0.0, 0.0, f.state0)
    brute = math.inf
    for alpha in np.linspace(0.01, 0.99, 99):  # for each alpha, the best level by least squares
        c = np.array([(1 - alpha) ** t for t in range(len(z))])  # weight of l0 in each prediction
        a = np.array(loop(z, alpha, 0.0, 0.0, (0.0, 0.0))[1][:, 0])
        pred0 = np.concatenate([[0.0], a[:-1]])
        l0 = float(c @ (z - pred0) / (c @ c))
        brute = min(brute, loop(z, alpha, 0.0, 0.0, (l0, 0.0))[0])
    assert found <= brute * 1.001


def test_holt_forecasts_a_straight_line_exactly():
    line = 3.0 + 2.5 * np.arange(40)
    forecasts = smoothing.forecast([line], horizon=5)
    expected = 3.0 + 2.5 * np.arange(40, 45)
    np.testing.assert_allclose(forecasts["holt"][0], expected, atol=1e-6)
    np.testing.assert_allclose(forecasts["ses"][0], np.full(5, line[-1]), atol=0.1 * 2.5 * 5)


def test_the_damped_forecast_adds_the_damped_sum_of_the_slope():
    z = noisy_trend(70, seed=2)
    (fits,) = smoothing.fit([z], season=1)
    f = fits["damped"]
    _, states = loop(z, f.alpha, f.beta, f.phi, f.state0)
    level, slope = states[-1]
    expected = [level + sum(f.phi**i for i in range(1, h + 1)) * slope for h in range(1, 9)]
    end = np.array([len(z)])
    got = f.forecast(f.states_before(lambda lo, hi: z[lo:hi], end), end, 8)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_states_before_any_origin_match_the_loop():
    z = noisy_trend(300, seed=5)  # over the block size: several blocks are carried
    (fits,) = smoothing.fit([z[:200]], season=1)
    f = fits["holt"]
    _, states = loop(z, f.alpha, f.beta, f.phi, f.state0)
    rows = np.array([1, 63, 64, 65, 128, 200, 250, 299])
    got = f.states_before(lambda lo, hi: z[lo:hi], rows)
    np.testing.assert_allclose(got, states[rows - 1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f.states_before(lambda lo, hi: z[lo:hi], np.array([0])), [f.state0])


def test_ets_is_the_kind_with_the_lowest_aicc_and_com_their_mean():
    trend, flat = noisy_trend(90, seed=6), 20 + np.random.default_rng(7).normal(0, 1, 90)
    forecasts = smoothing.forecast([trend, flat], horizon=6)
    fits = smoothing.fit([trend, flat], season=1)
    for row, f in enumerate(fits):
        chosen = smoothing.best(f)
        assert f[chosen].aicc == min(f[k].aicc for k in smoothing.KINDS)
        np.testing.assert_allclose(forecasts["ets"][row], forecasts[chosen][row])
        mean = np.mean([forecasts[k][row] for k in smoothing.KINDS], axis=0)
        np.testing.assert_allclose(forecasts["com"][row], mean)
    assert smoothing.best(fits[1]) == "ses"  # noise about a level: the trend's parameters do not pay


def test_a_seasonal_series_gets_its_indices_back():
    t = np.arange(96)
    pattern = np.array([0.7, 0.9, 1.3, 1.1])
    y = (200 + 2 * t) * pattern[t % 4]
    forecasts = smoothing.forecast([y], horizon=8, season=4)
    expected = (200 + 2 * np.arange(96, 104)) * pattern[np.arange(96, 104) % 4]
    np.testing.assert_allclose(forecasts["holt"][0], expected, rtol=0.02)


def test_series_of_different_lengths_are_fitted_as_if_alone():
    a, b = noisy_trend(50, seed=8), noisy_trend(140, seed=9)
    together = smoothing.fit([a, b], season=1)
    alone = [smoothing.fit([a], season=1)[0], smoothing.fit([b], season=1)[0]]
    for got, want in zip(together, alone):
        for kind in smoothing.KINDS:
            assert got[kind].aicc == pytest.approx(want[kind].aicc, rel=1e-9)


def test_values_at_rounding_level_are_not_divided_by():
    from rnncli.evaluation import seasonality, theta

    week = np.array([0, 0, 3, 0, 1, 0, 0], dtype=float)
    y = np.tile(week, 30) + 1e-9  # zeros read back through a scaler: a hair above zero
    index, multiplicative, _ = seasonality.adjust(y, 7)
    assert not multiplicative and index.min() < 0
    later = np.concatenate([y, [0.5]])  # a small value where the season had none
    assert np.abs(theta.forecast([later], 7, 7)).max() < 10  # before: about 5e8
    sales = np.tile(week + 10, 30)  # positive with indices well above zero: still divided
    assert seasonality.adjust(sales, 7)[1]
