"""Online interval updates: the coverage level of each series' intervals follows its own misses.

Split conformal intervals hold on average when the stretch forecast is like the one they were
calibrated on; a season or regime unlike it (a winter calibrated on an autumn) is covered too
little or too much all through. With `predict.online_step` (g > 0) the intervals are updated as
the actual values become known, by adaptive conformal inference: each series keeps a miss rate
target alpha = 1 - coverage, and the level its next interval is drawn at (a quantile of the
calibration scores) is

    level = calibrated level - g * sum over the revealed forecasts of (alpha - missed),

per step ahead and target, so a miss raises the level by g * (1 - alpha) and a hit lowers it by
g * alpha: over any stretch of T forecasts the share missed is within about 1 / (g T) of alpha,
whatever the data do. A forecast `k` steps ahead is revealed only once its actual value lies
before the window being forecast (delayed feedback), so no window's interval uses a value it
could not have known. The level stays within the calibration's scores, 0 to 1: an interval is
never infinite. `evaluate`, `backtest` and the test scores of `train` update through the split
they score, in time order; `predict` replays the test part of the data it forecasts from and
draws at the level reached at its end.
"""

from __future__ import annotations

import numpy as np


class Tracker:
    """Each series' online level, per step ahead and target, as windows stream past in time order.

    `grid` (levels, steps, targets) holds the calibration scores' quantiles at evenly spaced
    probabilities 0..1; `level` is the calibrated probability the intervals are drawn at.
    """

    def __init__(self, grid: np.ndarray, level: float, coverage: float, step: float):
        self.grid = np.asarray(grid, dtype=np.float64)
        self.level, self.alpha, self.step = level, 1 - coverage, step
        self.sums: dict[
            int, np.ndarray
        ] = {}  # series -> (steps, targets): the sum of (alpha - missed) revealed so far
        self.pending: dict[
            int, list[tuple[int, np.ndarray, np.ndarray]]
        ] = {}  # series -> [(start, missed, counted)]
        self.tracked = 0  # the steps ahead scored (a model's horizon; the calibration may reach further)

    def thresholds(self, series: np.ndarray, starts: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """The score each window's interval reaches, (windows, steps, targets), for the windows
        (each series' in time order, chunk after chunk) whose scores these are; it also records
        which of them missed."""
        out = np.empty(scores.shape, dtype=np.float64)
        self.tracked = max(self.tracked, scores.shape[1])
        for i in range(len(scores)):
            k, start = int(series[i]), int(starts[i])
            known = self._reveal(k, start)
            out[i] = self.at(self.level - self.step * known)[: scores.shape[1]]
            self.pending.setdefault(k, []).append(
                (start, scores[i] > out[i], np.zeros(scores.shape[1:], dtype=bool))
            )
        return out

    def _reveal(self, k: int, start: int) -> np.ndarray:
        """Series k's sum once every forecast whose actual value lies before `start`'s window is counted."""
        total = self.sums.setdefault(k, np.zeros(self.grid.shape[1:]))
        kept = []
        for first, missed, counted in self.pending.get(k, []):
            steps = len(missed)
            ready = (first + np.arange(steps) + 1 <= start)[
                :, None
            ] & ~counted  # step j's value lies before the window at `start`
            total[:steps] += np.where(ready, self.alpha - missed, 0.0)
            counted |= ready
            if not counted.all():
                kept.append((first, missed, counted))
        self.pending[k] = kept
        return total

    def at(self, level: np.ndarray) -> np.ndarray:
        """The calibration scores' quantile at each (steps, targets) level, kept within 0..1."""
        position = np.clip(level, 0.0, 1.0) * (self.grid.shape[0] - 1)
        lo = np.floor(position).astype(np.int64)
        hi = np.minimum(lo + 1, self.grid.shape[0] - 1)
        s, t = np.indices(self.grid.shape[1:])
        return self.grid[lo, s, t] + (self.grid[hi, s, t] - self.grid[lo, s, t]) * (position - lo)

    def reached(self, n_series: int) -> np.ndarray:
        """(series, steps, targets): the score each series' next interval reaches once every
        forecast scored is revealed (the end of the data)."""
        return np.stack([self.at(level) for level in self.final(n_series)])

    def final(self, n_series: int) -> np.ndarray:
        """(series, steps, targets): the level each series reached once every forecast scored is
        revealed (the end of the data); steps beyond those scored move as the last scored one
        did, and a series never seen keeps the calibrated level."""
        out = np.full((n_series, *self.grid.shape[1:]), self.level)
        for k in range(n_series):
            if k in self.sums:
                total = self._reveal(k, np.iinfo(np.int64).max // 2).copy()
                total[self.tracked :] = total[self.tracked - 1]
                out[k] -= self.step * total
        return np.clip(out, 0.0, 1.0)


def tracker(interval) -> Tracker | None:
    """A tracker for `interval` (an intervals.Widths) when it is updated online; None otherwise."""
    if interval is None or not interval.online:
        return None
    return Tracker(interval.grid.numpy(), interval.level, interval.coverage, interval.online)
