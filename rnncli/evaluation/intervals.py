"""Prediction intervals by split conformal calibration, as wide as each window's own spread.

When a run ends, the model forecasts the validation windows `steps` ahead (every one, or an evenly
spread share where rolling them all would cost more than a set budget), feeding its forecasts
back past its own horizon exactly as `predict` does (`recursive.roll`). Each absolute error is
divided by the spread of the window it was forecast from (`local_scale`: the mean absolute
one-step change of the target over the window's inputs, which the model sees at forecast time),
and these normalised scores are summarised by their quantiles per step and target and stored in
the checkpoint ("adaptive" intervals, predict.intervals; "fixed" keeps the scores unnormalised,
one width per step in each series' scale). A quantile model (model.quantiles, train.loss
pinball) is calibrated by conformalised quantile regression instead: the score is how far the
actual value lies outside the model's outer quantiles, and the interval those quantiles widened
by the conformal quantile of the scores (narrowed, when they were too wide), over the model's
own horizon. An interval of coverage c is then forecast ± the
conformal quantile (the ceil((n + 1) c)-th smallest of the n scores) times the window's spread:
it covers a new point with probability at least c when windows are exchangeable, and is narrow
where the series is calm and wide where it is not. With fewer than `needed(c)` windows no finite
quantile exists; `widths` then gives None and the caller says so (never an infinite bound).
With predict.online_step, `online.py` moves the level each series' intervals are drawn at (a
probability on the stored grid) as the actual values become known.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.evaluation import recursive
from rnncli.model.forecaster import Forecaster

LEVELS = 1001  # quantiles stored at probabilities 0, 0.001, ..., 1
MAX_WINDOWS = 20_000  # validation windows used at most, evenly spread
MIN_WINDOWS = 200  # ... and at least (or all there are): the 90% quantile is then the 181st of 200 errors
MIN_FORECASTS = 20_000  # forecasts a calibration may always make: every window of a small validation part
FLOOR = 0.01  # a window's spread is at least this share of the typical window's (a flat window still gets a width)


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
    cqr: bool = False  # conformalised quantile regression: the model's outer quantiles, widened (or narrowed) by `half`
    grid: torch.Tensor | None = None  # (LEVELS, steps, targets): the scores' quantiles, which `half` is drawn from at `level`
    level: float = 0.0  # the probability on the grid (0..1) that `half` is drawn at
    online: float = 0.0  # predict.online_step: how far each miss moves the level (online.py); 0 keeps it

    @property
    def steps(self) -> int:
        return self.half.shape[0]

    @property
    def kind(self) -> str:
        return "conformalised quantiles" if self.cqr else "adaptive" if self.adaptive else "fixed"

    def offsets(self, point: torch.Tensor, inputs: torch.Tensor, n_targets: int, mask_column: int | None = None,
                quantiles: torch.Tensor | None = None, thresholds: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(below, above): how far the interval reaches under and over the point forecasts
        (windows, steps, targets), in scaled units; a quantile model's from its outer quantiles
        (windows, steps, targets, quantiles), the others' symmetric. `thresholds` (windows,
        steps, targets), the score each window's interval reaches, replaces `half` (online.py)."""
        steps = point.shape[1]
        if self.cqr:
            half = (self.half if thresholds is None else thresholds).to(point.device, point.dtype)[..., :steps, :]
            return point - (quantiles[..., 0] - half), (quantiles[..., -1] + half) - point
        half = self.of(inputs, n_targets, mask_column, thresholds)[:, :steps].to(point.dtype)
        return half, half

    def of(self, inputs: torch.Tensor, n_targets: int, mask_column: int | None = None,
           thresholds: torch.Tensor | None = None) -> torch.Tensor:
        """(windows, steps, targets) half-widths for the windows whose inputs these are."""
        half = self.half.double()[None] if thresholds is None else thresholds.double().cpu()
        scale = self.spread(inputs, n_targets, mask_column)
        if scale is None:
            return half.expand(inputs.shape[0], -1, -1).to(inputs.device, torch.float64)
        return (half * scale[:, None, :]).to(inputs.device)

    def spread(self, inputs: torch.Tensor, n_targets: int, mask_column: int | None = None) -> torch.Tensor | None:
        """(windows, targets) on the CPU: the spread each window's scores are measured in (its
        mean absolute change, floored); None where scores are not scaled (fixed widths, CQR)."""
        if not self.adaptive or self.cqr:
            return None
        return self.floored(local_scale(inputs, n_targets, mask_column).cpu())

    def floored(self, scale: torch.Tensor) -> torch.Tensor:
        """(windows, targets) spreads as the scores are divided by them: at least `floor`, and
        `typical` for a window with no real change to measure (NaN)."""
        return torch.where(torch.isnan(scale), self.typical, torch.maximum(scale, self.floor))

    def scores(self, actual: torch.Tensor, point: torch.Tensor, inputs: torch.Tensor, n_targets: int, mask_column: int | None = None,
               quantiles: torch.Tensor | None = None) -> np.ndarray:
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
    level = (math.ceil((n + 1) * coverage) - 1) / max(n - 1, 1)  # the rank-th smallest score, on the stored grid
    position = level * (LEVELS - 1)
    lo, hi = math.floor(position), math.ceil(position)
    q = calibration["quantiles"].double()
    half = q[lo] + (q[hi] - q[lo]) * (position - lo)
    adaptive = calibration.get("scaled_by") == "window"  # runs calibrated before adaptive widths have fixed ones
    floor, typical = (calibration["floor"].double(), calibration["typical"].double()) if adaptive else (None, None)
    return Widths(coverage, half, adaptive, floor, typical, n, calibration.get("kind") == "cqr", q, level, online)


def missing(calibration: dict | None, coverage: float) -> str | None:
    """Why there is no interval at `coverage`, in one line; None when there is one."""
    if not coverage:
        return None
    if calibration is None:
        return "no prediction intervals: they are calibrated when training ends, and this run has not ended"
    if calibration["n"] < needed(coverage):
        n = calibration["n"]
        return (f"no honest {coverage:.0%} interval: it rests on {n} calibration window{'' if n == 1 else 's'} and needs at least "
                f"{needed(coverage)}; ask a lower --coverage (at most {most(n):.0%} here), or give the validation part more rows "
                "(data.val_fraction or data.val_steps)")
    return None


def most(n: int) -> float:
    """The highest whole-percent coverage n calibration windows give a finite interval for."""
    return math.floor(100 * n / (n + 1) + 1e-9) / 100 if n else 0.0


def reach(prepared: Prepared) -> tuple[int, int]:
    """(steps, budget): how far ahead a run's intervals are calibrated, `max(horizon, min(season,
    validation rows))` steps, and the forecasts that may cost at most: half an epoch's training
    windows (each forecast a forward pass, about a third of a training step), never fewer than
    MIN_FORECASTS."""
    horizon = prepared.spec.horizon
    steps = max(horizon, min(prepared.season, max(n_val for _, n_val, _ in prepared.layout.parts)))
    return steps, max(MIN_FORECASTS, len(prepared.index("train")) // 2)


def calibrate(model: Forecaster, prepared: Prepared, steps: int, budget: int, adaptive: bool = True,
              advance: Callable[[int], None] | None = None, part: str = "val") -> dict | None:
    """Quantiles of the scores of forecasts 1..steps ahead of the windows in `part` (a quantile
    model's own horizon only); None if no window fits. `advance(k)` is told of each k windows done."""
    steps = model.args.horizon if model.args.quantiles else steps
    found = scores(model, prepared, steps, budget, part, advance)
    return None if found is None else summarise(*found, adaptive, bool(model.args.quantiles))


def scores(model: Forecaster, prepared: Prepared, steps: int, budget: int, part: str = "val",
           advance: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(absolute errors (windows, steps, targets), the windows' spreads (windows, targets)) of
    forecasts rolled `steps` ahead from windows whose forecast rows all lie in `part`; None if none.

    Rolling a window `steps` ahead takes ceil(steps / horizon) model calls, so the windows used
    are limited to `budget` forecasts in all (windows x calls; see `window_count`): the cost is
    bounded however long the season and however many the windows.
    """
    lookback, nt, n_cal = prepared.spec.lookback, prepared.n_targets, prepared.windows.n_calendar
    mask = prepared.n_values if prepared.masked else None
    values = prepared.windows.values
    starts = _starts(prepared, steps, part).to(values.device)
    if len(starts) == 0:
        return None
    n = window_count(prepared, steps, model.args.horizon, budget, part)
    if len(starts) > n:  # evenly spread over the part
        starts = starts[torch.linspace(0, len(starts) - 1, n).round().long().to(values.device)]
    model.eval()
    errors = np.empty((n, steps, nt), dtype=np.float32)  # float32: millions of errors need no more
    spreads = np.empty((n, nt), dtype=np.float64)
    done = 0
    span = lookback + (recursive.padded(steps, model.args.horizon) if n_cal else steps)  # the rows after `steps` lend their calendar
    for chunk in starts.split(recursive.CHUNK):
        rows = values[chunk[:, None] + torch.arange(span, device=values.device)]  # a gathered copy
        actual = rows[:, lookback : lookback + steps, :nt].clone()
        spreads[done : done + len(chunk)] = local_scale(rows[:, :lookback], nt, mask).cpu().numpy()
        errors[done : done + len(chunk)] = _errors(model, rows, actual, lookback, nt, n_cal).cpu().numpy()
        done += len(chunk)
        if advance is not None:
            advance(len(chunk))
    return errors, spreads


def _errors(model: Forecaster, rows: torch.Tensor, actual: torch.Tensor, lookback: int, nt: int, n_cal: int) -> torch.Tensor:
    """Each window's score per step: the absolute error of the forecast rolled `steps` ahead; for
    a quantile model (its own horizon only) the conformalised quantile regression score, how far
    the actual value lies outside its outer quantiles (negative inside)."""
    if not model.args.quantiles:
        with torch.inference_mode():
            return (recursive.roll(model, rows, lookback, nt, n_cal)[:, : actual.shape[1]] - actual).abs()
    future = rows[:, lookback : lookback + model.args.horizon, rows.shape[2] - n_cal :].flatten(1) if n_cal else None
    with torch.inference_mode():
        q = model.forecast_quantiles(rows[:, :lookback], future)[:, : actual.shape[1]]
    return outside(q, actual)


def outside(quantiles: torch.Tensor, actual: torch.Tensor) -> torch.Tensor:
    """The conformalised quantile regression score: how far each actual value (windows, steps,
    targets) lies outside the outer quantiles (..., quantiles) (negative inside)."""
    return torch.maximum(quantiles[..., 0] - actual, actual - quantiles[..., -1])


def summarise(errors: np.ndarray, spreads: np.ndarray, adaptive: bool = True, cqr: bool = False) -> dict:
    """The calibration a checkpoint keeps: quantiles of the scores per step and target (errors
    over their window's spread when adaptive; a quantile model's CQR scores as they are), and
    what a window's spread is floored at."""
    n, nt = errors.shape[0], errors.shape[2]
    out: dict = {"n": n, "steps": errors.shape[1]}
    if cqr:
        out["kind"] = "cqr"
    elif adaptive:
        typical = np.nanmedian(spreads, axis=0) if not np.isnan(spreads).all() else np.ones(nt)
        typical = np.where(np.isfinite(typical) & (typical > 0), typical, 1.0)
        floor = FLOOR * typical
        scale = np.where(np.isnan(spreads), typical, np.maximum(spreads, floor))
        errors = errors / scale[:, None, :].astype(np.float32)
        out.update(scaled_by="window", floor=torch.from_numpy(floor), typical=torch.from_numpy(typical))
    errors.sort(axis=0)  # in place, per step and target: no index array, no copy
    ranks = np.round(np.linspace(0, 1, LEVELS) * (n - 1)).astype(np.int64)
    out["quantiles"] = torch.from_numpy(np.ascontiguousarray(errors[ranks]))  # (LEVELS, steps, targets)
    return out


def window_count(prepared: Prepared, steps: int, horizon: int, budget: int, part: str = "val") -> int:
    """Windows to calibrate on: all that are available, up to MAX_WINDOWS, and no more than
    `budget` model calls in all at ceil(steps / horizon) calls per window, though never fewer
    than MIN_WINDOWS. Split conformal intervals keep their coverage with fewer windows (the
    guarantee holds for any number); fewer windows make their width noisier (bench/intervals.py)."""
    available = len(_starts(prepared, steps, part))
    return min(available, MAX_WINDOWS, max(MIN_WINDOWS, budget // math.ceil(steps / horizon)))


def _starts(prepared: Prepared, steps: int, part: str) -> torch.Tensor:
    """Starts of the windows whose `steps` forecast rows all lie in a series' `part` (none in a
    series whose part is shorter than that)."""
    lookback, which = prepared.spec.lookback, ("train", "val", "test").index(part)
    out = []
    for lo, sizes in zip(prepared.layout.offsets, prepared.layout.parts):
        first = lo + sum(sizes[:which])  # the part's first row
        out.append(torch.arange(first - lookback, first + max(sizes[which] - steps + 1, 0) - lookback))
    return torch.cat(out)
