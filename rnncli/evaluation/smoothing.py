"""Exponential smoothing as the M4 competition's benchmarks use it: simple (SES), Holt's linear trend
and the damped trend, each on the seasonally adjusted series (`seasonality.adjust`), seasonal
indices put back after; the one of the three with the lowest AICc ("ets"), and their mean ("com",
the organisers' combination benchmark).

Each is a linear state space model with additive errors, state s = (level, trend):

    e_t = x_t - (l_{t-1} + phi b_{t-1})             one-step error
    l_t = l_{t-1} + phi b_{t-1} + alpha e_t
    b_t = phi b_{t-1} + beta e_t                      (SES: no trend; Holt: phi = 1)
    forecast h ahead: l_T + (phi + phi^2 + ... + phi^h) b_T

The one-step errors are affine in the starting state, so for any smoothing parameters the best
starting state and its sum of squared errors follow from least squares exactly (`_sse`). The
parameters are chosen by that sum (as R's forecast::ets does by likelihood) on a grid, every
series and grid point at once, then refined around each series' best. `fit` fits each series'
training part; `SmoothingFit.states_before` carries the state through the data up to any origin,
so a forecast from an origin uses the rows before it only; `forecast` is the M4 benchmark from the
end of a series (bench/m4.py checks it against the published figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnncli.evaluation import seasonality

KINDS = ("ses", "holt", "damped")
PARAMETERS = {"ses": 2, "holt": 4, "damped": 5}  # smoothing weights and starting states
PHI = (0.8, 0.98)  # the damping range R's forecast::ets allows
MAX_FIT_ROWS = 5_000  # a long training part is fitted on its last rows: the weights decay long before
_ALPHA_GRID = 1.0 / (1.0 + np.exp(-np.linspace(-6.0, 6.0, 13)))
_RATIO_GRID = np.array([0.01, 0.05, 0.15, 0.35, 0.65, 0.95])  # beta as a share of alpha
_PHI_GRID = np.array([0.8, 0.86, 0.92, 0.98])
ROUNDS = 4  # refinements of each series' best point, each on a grid half as wide


@dataclass
class SmoothingFit:
    """One kind of exponential smoothing of one target of one series, fitted on its training part."""

    kind: str
    start: int  # the row of the series fitting began at: the seasonal phase and the state count from it
    alpha: float
    beta: float
    phi: float
    state0: np.ndarray  # (level, trend) before row `start`
    season: np.ndarray  # indices by position (row - start) % len(season)
    multiplicative: bool
    aicc: float

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """(D, g): the state moves as s_t = D s_{t-1} + g x_t."""
        a, b, p = self.alpha, self.beta, self.phi
        return np.array([[1 - a, p * (1 - a)], [-b, p * (1 - b)]]), np.array([a, b])

    def states_before(self, values, rows: np.ndarray) -> np.ndarray:
        """(len(rows), 2): the state just before each of `rows` (sorted positions in the series):
        what a forecast made at that row knows. `values(lo, hi)` gives rows lo .. hi - 1 in real
        units, read a block at a time."""
        out = np.tile(self.state0, (len(rows), 1))
        end = int(rows.max()) if len(rows) else self.start
        block = 64 if end - self.start < 100_000 else 512  # few rows: small blocks cost least to set up
        d, g = self.matrices()
        carry, weights = _block_weights(d, g, block)
        state, lo = self.state0.copy(), self.start
        while lo < end:
            hi = min(lo + block, end)
            x = seasonality.apply(
                np.asarray(values(lo, hi), dtype=np.float64),
                self.season,
                self.multiplicative,
                lo - self.start,
                inverse=True,
            )
            m = len(x)
            states = weights[:m, :, :m] @ x + carry[:m] @ state  # (m, 2): after each row
            inside = (rows > lo) & (rows <= hi)  # the state before row r is the one after row r - 1
            out[inside] = states[rows[inside] - 1 - lo]
            state, lo = states[m - 1], hi
        return out

    def forecast(self, states: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """Forecasts (windows, horizon) of rows origin .. origin + horizon - 1 from the states just
        before each origin (`states_before`), seasonal indices put back."""
        damped = np.cumsum(self.phi ** np.arange(1, horizon + 1))  # phi + ... + phi^h (h for Holt)
        flat = states[:, :1] + damped[None, :] * states[:, 1:]
        steps = (origins - self.start)[:, None] + np.arange(horizon)[None, :]
        at = self.season[steps % len(self.season)]
        return flat * at if self.multiplicative else flat + at


def _block_weights(d: np.ndarray, g: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """For a block of rows: carry (block, 2, 2), D^(j+1); weights (block, block, 2) of x_i in the
    state after row j, D^(j-i) g for i <= j; so states = weights @ x + carry @ state."""
    powers = [np.eye(2)]
    for _ in range(block):
        powers.append(powers[-1] @ d)
    powers = np.stack(powers)  # D^0 .. D^block
    impulse = powers[:block] @ g  # (block, 2): D^k g
    lags = np.arange(block)[:, None] - np.arange(block)[None, :]
    weights = np.where((lags >= 0)[..., None], impulse[np.maximum(lags, 0)], 0.0)  # (j, i, 2)
    return powers[1:], weights.transpose(0, 2, 1)  # (j, 2, i): weights[:m, :, :m] @ x -> (m, 2)


def fit(trains: list[np.ndarray], season: int) -> list[dict[str, SmoothingFit]]:
    """Each training part's three smoothings ({"ses", "holt", "damped"}), fitted together: the
    seasonal test and decomposition per series, then every series' parameters at once (series of
    like lengths together, so a short one does not wait through a long one's rows)."""
    adjusted, meta = [], []
    for y in trains:
        start = max(0, len(y) - MAX_FIT_ROWS)
        index, multiplicative, x = seasonality.adjust(np.asarray(y[start:], dtype=np.float64), season)
        adjusted.append(x)
        meta.append((start, index, multiplicative))
    found: list[dict[str, SmoothingFit]] = [{} for _ in trains]
    for group in _groups([len(x) for x in adjusted]):
        z = np.full((len(group), max(len(adjusted[k]) for k in group)), np.nan)
        for row, k in enumerate(group):
            z[row, z.shape[1] - len(adjusted[k]) :] = adjusted[k]  # left-padded: every series ends last
        n = np.isfinite(z).sum(1)
        for kind, (params, states, sse) in _fit_all(z).items():
            for row, k in enumerate(group):
                start, index, multiplicative = meta[k]
                a, b, p = params[row]
                aicc = _aicc(sse[row], int(n[row]), PARAMETERS[kind])
                found[k][kind] = SmoothingFit(kind, start, a, b, p, states[row], index, multiplicative, aicc)
    return found


def _groups(lengths: list[int], most: int = 256) -> list[list[int]]:
    """Series indices in groups of like length (each within 1.5 times its shortest), at most `most` each."""
    order = sorted(range(len(lengths)), key=lambda k: lengths[k])
    groups: list[list[int]] = []
    for k in order:
        if groups and len(groups[-1]) < most and lengths[k] <= 1.5 * lengths[groups[-1][0]] + 8:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def _fit_all(z: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each kind's (params, starting states, least SSE) per series of z. The damped trend starts
    from the Holt grid's best few points at each damping, not from the whole grid again."""
    out = {"ses": _fit_kind(z, "ses", _start(z, _grid("ses")))}
    holt = _start(z, _grid("holt"))
    sse, _ = _sse(z, holt, "holt")
    out["holt"] = _fit_kind(z, "holt", holt, sse)
    keep = np.argsort(sse, 1)[:, :4]
    seeds = np.take_along_axis(holt, keep[..., None], 1)  # (series, 4, 3)
    damped = np.concatenate(
        [np.concatenate([seeds[..., :2], np.full_like(seeds[..., :1], p)], 2) for p in _PHI_GRID], 1
    )
    out["damped"] = _fit_kind(z, "damped", damped)
    return out


def _start(z: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return np.broadcast_to(grid, (len(z), *grid.shape)).copy()


def best(fits: dict[str, SmoothingFit]) -> str:
    """The kind with the lowest AICc: the "ets" forecast."""
    return min(KINDS, key=lambda kind: fits[kind].aicc)


def _aicc(sse: float, n: int, parameters: int) -> float:
    """The corrected Akaike criterion of a Gaussian fit with these free parameters (and its variance)."""
    k = parameters + 1
    if n - k - 1 <= 0 or sse <= 0:
        return math.inf if n - k - 1 <= 0 else -math.inf
    return n * math.log(sse / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def _grid(kind: str) -> np.ndarray:
    """(points, 3) of alpha, beta, phi to try first."""
    if kind == "ses":
        return np.stack([_ALPHA_GRID, np.zeros_like(_ALPHA_GRID), np.zeros_like(_ALPHA_GRID)], 1)
    a, r = np.meshgrid(_ALPHA_GRID, _RATIO_GRID, indexing="ij")
    if kind == "holt":
        return np.stack([a.ravel(), (a * r).ravel(), np.ones(a.size)], 1)
    a, r, p = np.meshgrid(_ALPHA_GRID, _RATIO_GRID, _PHI_GRID, indexing="ij")
    return np.stack([a.ravel(), (a * r).ravel(), p.ravel()], 1)


def _fit_kind(
    z: np.ndarray, kind: str, points: np.ndarray, sse: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(params (series, 3), starting states (series, 2), least sum of squared errors (series,)):
    the best of `points` (series, points, 3; their `sse` when known), refined ROUNDS times."""
    if sse is None:
        sse, _ = _sse(z, points, kind)
    rows = np.arange(len(z))
    chosen = points[rows, np.argmin(sse, 1)]
    width = np.array([1.0, 1.0, 0.06])  # in logit(alpha), logit(beta / alpha), phi
    for _ in range(ROUNDS):
        width = width / 2
        points = _around(chosen, width, kind)
        sse, states = _sse(z, points, kind)
        best = np.argmin(sse, 1)
        chosen = points[rows, best]
    return chosen, states[rows, best], sse[rows, best]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _around(chosen: np.ndarray, width: np.ndarray, kind: str) -> np.ndarray:
    """(series, points, 3): a small grid around each series' current best (itself included)."""
    steps = np.array([-1.0, 0.0, 1.0])
    la, lr = _logit(chosen[:, 0]), _logit(chosen[:, 1] / np.maximum(chosen[:, 0], 1e-12))
    da, dr, dp = np.meshgrid(
        steps, steps if kind != "ses" else [0.0], steps if kind == "damped" else [0.0], indexing="ij"
    )
    da, dr, dp = da.ravel(), dr.ravel(), dp.ravel()
    alpha = 1 / (1 + np.exp(-(la[:, None] + da[None] * width[0])))
    ratio = 1 / (1 + np.exp(-(lr[:, None] + dr[None] * width[1])))
    alpha = np.clip(alpha, 1e-4, 0.9999)
    if kind == "ses":
        return np.stack([alpha, np.zeros_like(alpha), np.zeros_like(alpha)], 2)
    phi = np.ones_like(alpha) if kind == "holt" else np.clip(chosen[:, 2:3] + dp[None] * width[2], *PHI)
    return np.stack([alpha, alpha * np.clip(ratio, 1e-4, 0.9999), phi], 2)


def _sse(z: np.ndarray, points: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(least sum of squared one-step errors (series, points), the starting state that gives it
    (series, points, 2)) for the smoothing parameters `points` (series, points, 3); z (series,
    time), NaN before each series starts.

    With the starting state s0, the one-step error is e_t = a_t - c_t . s0, where a_t is the error
    from s0 = 0 and c_t = w' D^(t-1): one run of the recursion gives the normal equations in s0."""
    alpha, beta, phi = points[..., 0], points[..., 1], points[..., 2]
    trend = kind != "ses"
    s, pts = len(z), points.shape[1]
    present = np.isfinite(z).astype(np.float64)
    values = np.where(present > 0, z, 0.0)
    keep_l, keep_b = 1 - alpha, phi * (1 - alpha)  # c_t = c_{t-1} D, written out
    turn_l, turn_b = beta, phi * (1 - beta)
    level, slope = np.zeros((s, pts)), np.zeros((s, pts))
    c_level, c_slope = np.ones((s, pts)), phi.copy()  # w' = (1, phi)
    aa, ca0, ca1 = np.zeros((s, pts)), np.zeros((s, pts)), np.zeros((s, pts))
    c00, c01, c11 = np.zeros((s, pts)), np.zeros((s, pts)), np.zeros((s, pts))
    for t in range(z.shape[1]):
        m = present[:, t : t + 1]
        pushed = phi * slope
        a = (values[:, t : t + 1] - level - pushed) * m
        aa += a * a
        ca0 += c_level * a
        ca1 += c_slope * a
        ml, mb = c_level * m, c_slope * m
        c00 += ml * c_level
        c01 += ml * c_slope
        c11 += mb * c_slope
        level += pushed + alpha * a
        slope = pushed + beta * a
        # before a series starts (m = 0) its c stays w'; after, it moves by D
        step_l, step_b = c_level * keep_l - c_slope * turn_l, c_level * keep_b + c_slope * turn_b
        c_level += m * (step_l - c_level)
        c_slope += m * (step_b - c_slope)
    ca = np.stack([ca0, ca1], -1)
    cc = np.stack([c00, c01, c11], -1)
    if not trend:
        l0 = ca[..., 0] / np.maximum(cc[..., 0], 1e-300)
        return aa - l0 * ca[..., 0], np.stack([l0, np.zeros_like(l0)], -1)
    det = cc[..., 0] * cc[..., 2] - cc[..., 1] ** 2
    ridge = np.where(
        np.abs(det) > 1e-12 * (cc[..., 0] * cc[..., 2] + 1e-300), 0.0, 1e-9 * (cc[..., 0] + cc[..., 2])
    )
    a11, a12, a22 = cc[..., 0] + ridge, cc[..., 1], cc[..., 2] + ridge
    det = a11 * a22 - a12**2
    l0 = (a22 * ca[..., 0] - a12 * ca[..., 1]) / det
    b0 = (a11 * ca[..., 1] - a12 * ca[..., 0]) / det
    return aa - l0 * ca[..., 0] - b0 * ca[..., 1], np.stack([l0, b0], -1)


def forecast(series: list[np.ndarray], horizon: int, season: int = 1) -> dict[str, np.ndarray]:
    """The M4 benchmarks from the end of each series: {"ses", "holt", "damped", "ets", "com"} ->
    (series, horizon), fitted together."""
    out = {kind: [] for kind in (*KINDS, "ets", "com")}
    for y, fits in zip(series, fit(series, season)):
        y = np.asarray(y, dtype=np.float64)
        end = np.array([len(y)])
        each = {
            kind: f.forecast(f.states_before(lambda lo, hi, y=y: y[lo:hi], end), end, horizon)[0]
            for kind, f in fits.items()
        }
        for kind in KINDS:
            out[kind].append(each[kind])
        out["ets"].append(each[best(fits)])
        out["com"].append(np.mean([each[kind] for kind in KINDS], axis=0))
    return {kind: np.stack(values) for kind, values in out.items()}
