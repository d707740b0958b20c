"""Prediction intervals from a calibration (`calibration.py` makes it when a run ends): split
conformal intervals as wide as each window's own spread.

A calibration holds the quantiles of its calibration scores per step and target: absolute
errors over the spread of the window they were forecast from ("adaptive", predict.intervals;
`local_scale`: the mean absolute one-step change of the target over the window's inputs, which
the model sees at forecast time), the errors as they are ("fixed", one width per step in each
series' scale), or a quantile model's distance outside its outer quantiles (conformalised
quantile regression, `outside`). An interval of coverage c is then forecast ± the
conformal quantile (the ceil((n + 1) c)-th smallest of the n scores) times the window's spread:
it covers a new point with probability at least c when windows are exchangeable, and is narrow
where the series is calm and wide where it is not. With fewer than `needed(c)` windows no finite
quantile exists; `widths` then gives None and the caller says so (never an infinite bound).
With predict.online_step, `online.py` moves the level each series' intervals are drawn at (a
probability on the stored grid) as the actual values become known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

LEVELS = 1001  # quantiles stored at probabilities 0, 0.001, ..., 1


def needed(coverage: float) -> int:
    """The fewest calibration windows with a finite conformal quantile at this coverage: 9 for
    90%, 19 for 95%."""
    return math.ceil(coverage / (1 - coverage) - 1e-9)


def local_scale(inputs: torch.Tensor, n_targets: int, mask_column: int | None = None) -> torch.Tensor:
    """(windows, lookback, columns) scaled inputs -> (windows, targets): the mean absolute change
    from one step to the next of each target over the window's real rows (NaN with none)."""
    y = inputs[..., :n_targets].double()
    change = (y[:, 1:] - y[:, :-1]).abs()
    if mask_column is None:
        return change.mean(1)
    real = (inputs[:, 1:, mask_column] * inputs[:, :-1, mask_column]).double()[..., None]
    return (change * real).sum(1) / real.sum(1)  # 0 / 0: NaN, a window of padding alone


@dataclass
class Widths:
    """Half-widths at one coverage, in scaled units, for any window."""

    coverage: float
    half: torch.Tensor  # (steps, targets): the conformal quantile of the scores
    adaptive: bool  # the scores were errors over the window's spread: multiply back by it
    floor: torch.Tensor | None = None  # (targets,) the least spread a window is given
    typical: torch.Tensor | None = None  # (targets,) the spread of a window with no real change to measure
    n: int = 0  # the calibration windows the quantile rests on
    # conformalised quantile regression: the model's outer quantiles, widened (or narrowed) by `half`
    cqr: bool = False
    grid: torch.Tensor | None = (
        None  # (LEVELS, steps, targets): the scores' quantiles, which `half` is drawn from at `level`
    )
    level: float = 0.0  # the probability on the grid (0..1) that `half` is drawn at
    online: float = 0.0  # predict.online_step: how far each miss moves the level (online.py); 0 keeps it

    @property
    def steps(self) -> int:
        return self.half.shape[0]

    @property
    def kind(self) -> str:
        return "conformalised quantiles" if self.cqr else "adaptive" if self.adaptive else "fixed"

    def offsets(
        self,
        point: torch.Tensor,
        inputs: torch.Tensor,
        n_targets: int,
        mask_column: int | None = None,
        quantiles: torch.Tensor | None = None,
        thresholds: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(below, above): how far the interval reaches under and over the point forecasts
        (windows, steps, targets), in scaled units; a quantile model's from its outer quantiles
        (windows, steps, targets, quantiles), the others' symmetric. `thresholds` (windows,
        steps, targets), the score each window's interval reaches, replaces `half` (online.py)."""
        steps = point.shape[1]
        if self.cqr:
            half = (self.half if thresholds is None else thresholds).to(point.device, point.dtype)[
                ..., :steps, :
            ]
            return point - (quantiles[..., 0] - half), (quantiles[..., -1] + half) - point
        half = self.of(inputs, n_targets, mask_column, thresholds)[:, :steps].to(point.dtype)
        return half, half

    def of(
        self,
        inputs: torch.Tensor,
        n_targets: int,
        mask_column: int | None = None,
        thresholds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(windows, steps, targets) half-widths for the windows whose inputs these are."""
        half = self.half.double()[None] if thresholds is None else thresholds.double().cpu()
        scale = self.spread(inputs, n_targets, mask_column)
        if scale is None:
            return half.expand(inputs.shape[0], -1, -1).to(inputs.device, torch.float64)
        return (half * scale[:, None, :]).to(inputs.device)

    def spread(
        self, inputs: torch.Tensor, n_targets: int, mask_column: int | None = None
    ) -> torch.Tensor | None:
        """(windows, targets) on the CPU: the spread each window's scores are measured in (its
        mean absolute change, floored); None where scores are not scaled (fixed widths, CQR)."""
        if not self.adaptive or self.cqr:
            return None
        return self.floored(local_scale(inputs, n_targets, mask_column).cpu())

    def floored(self, scale: torch.Tensor) -> torch.Tensor:
        """(windows, targets) spreads as the scores are divided by them: at least `floor`, and
        `typical` for a window with no real change to measure (NaN)."""
        return torch.where(torch.isnan(scale), self.typical, torch.maximum(scale, self.floor))

    def calibration_scores(
        self,
        actual: torch.Tensor,
        point: torch.Tensor,
        inputs: torch.Tensor,
        n_targets: int,
        mask_column: int | None = None,
        quantiles: torch.Tensor | None = None,
    ) -> np.ndarray:
        """(windows, steps, targets): each window's score as calibration measured it (scaled
        units): the absolute error, over the window's spread when adaptive; a quantile model's
        distance outside its outer quantiles."""
        actual = actual.double().cpu()
        if self.cqr:
            return outside(quantiles.double().cpu()[:, : actual.shape[1]], actual).numpy()
        error = (point.double().cpu()[:, : actual.shape[1]] - actual).abs()
        scale = self.spread(inputs, n_targets, mask_column)
        return (error if scale is None else error / scale[:, None, :]).numpy()


def widths(calibration: dict | None, coverage: float, online: float = 0.0) -> Widths | None:
    """The half-widths at `coverage` (updated online by `online` per miss, online.py); None
    without a calibration, a coverage, or enough windows."""
    if not coverage or calibration is None or calibration["n"] < needed(coverage):
        return None
    n = calibration["n"]
    level = (math.ceil((n + 1) * coverage) - 1) / max(
        n - 1, 1
    )  # the rank-th smallest score, on the stored grid
    position = level * (LEVELS - 1)
    lo, hi = math.floor(position), math.ceil(position)
    q = calibration["quantiles"].double()
    half = q[lo] + (q[hi] - q[lo]) * (position - lo)
    # runs calibrated before adaptive widths have fixed ones
    adaptive = calibration.get("scaled_by") == "window"
    floor, typical = (
        (calibration["floor"].double(), calibration["typical"].double()) if adaptive else (None, None)
    )
    return Widths(
        coverage, half, adaptive, floor, typical, n, calibration.get("kind") == "cqr", q, level, online
    )


def missing(calibration: dict | None, coverage: float) -> str | None:
    """Why there is no interval at `coverage`, in one line; None when there is one."""
    if not coverage:
        return None
    if calibration is None:
        return (
            "no prediction intervals: they are calibrated when training ends, and this run has not ended "
            "(rnncli train --resume RUN ends it)"
        )
    if calibration["n"] < needed(coverage):
        n = calibration["n"]
        return (
            f"no honest {coverage:.0%} interval: it rests on {n} calibration window{'' if n == 1 else 's'} "
            f"and needs at least {needed(coverage)}; ask a lower --coverage (at most {most(n):.0%} here), "
            "or give the validation part more rows (data.val_fraction or data.val_steps)"
        )
    return None


def most(n: int) -> float:
    """The highest whole-percent coverage n calibration windows give a finite interval for."""
    return math.floor(100 * n / (n + 1) + 1e-9) / 100 if n else 0.0


def outside(quantiles: torch.Tensor, actual: torch.Tensor) -> torch.Tensor:
    """The conformalised quantile regression score: how far each actual value (windows, steps,
    targets) lies outside the outer quantiles (..., quantiles) (negative inside)."""
    return torch.maximum(quantiles[..., 0] - actual, actual - quantiles[..., -1])
