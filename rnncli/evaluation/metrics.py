"""Forecast error metrics in the units of the data, accumulated chunk by chunk.

`Errors` sums what each metric needs over batches of windows, so a split of millions of windows is
scored without holding its forecasts. Shapes: actual and predicted (windows, horizon, targets) as
float64 tensors; the MASE scale (windows, targets). MAPE skips actual values of zero (undefined
there) and counts them; sMAPE skips steps where actual and forecast are both zero; MASE and MSIS
skip windows whose scale is undefined (NaN: a training part that never changes at the seasonal
lag) and count them: with none left they are None, never a number over a made-up scale.
"""

from __future__ import annotations

import math

import torch


class Errors:
    """The sums every metric needs, per forecast step and target, in one tensor (a file of thousands
    of series keeps one of these per series and forecast: one tensor each, not seven)."""

    FIELDS = ("abs", "sq", "count", "mase_sum", "mase_n", "ape", "ape_n", "sape", "sape_n")

    def __init__(self, horizon: int, n_targets: int):
        self.n = 0
        self.sums = torch.zeros(len(self.FIELDS), horizon, n_targets, dtype=torch.float64)

    def __getattr__(self, name: str) -> torch.Tensor:
        if name in Errors.FIELDS:
            return self.sums[Errors.FIELDS.index(name)]
        raise AttributeError(name)

    def add(self, actual: torch.Tensor, pred: torch.Tensor, mase_scale: torch.Tensor) -> None:
        actual, pred = actual.double().cpu(), pred.double().cpu()
        measured = actual.isfinite()  # NaN: a value filled in, not measured, left out
        actual = torch.where(measured, actual, 0.0)
        err = torch.where(measured, (pred - actual).abs(), 0.0)
        nonzero = (actual != 0) & measured
        denom = torch.where(measured, actual.abs() + pred.abs(), 0.0)
        scale = mase_scale.double().cpu().unsqueeze(1).expand_as(err)
        defined = scale.isfinite() & measured
        self.n += len(err)
        self.sums += torch.stack(
            [
                err.sum(0),
                err.pow(2).sum(0),
                measured.sum(0),
                torch.where(defined, err / scale, 0.0).sum(0),
                defined.sum(0),
                torch.where(nonzero, 100 * err / actual.abs().clamp_min(1e-300), 0.0).sum(0),
                nonzero.sum(0),
                torch.where(denom > 0, 200 * err / denom.clamp_min(1e-300), 0.0).sum(0),
                (denom > 0).sum(0),
            ]
        )

    def merge(self, other: Errors) -> Errors:
        """Add another accumulator's sums to this one's (e.g. several series into one total)."""
        self.n += other.n
        self.sums = self.sums + other.sums
        return self

    def result(self, dims: tuple[int, ...] = (0, 1)) -> dict:
        """Metrics reduced over `dims` of (horizon, targets): all by default; a list per remaining one."""
        count = self.count.sum(dims)
        out = {
            "mae": _ratio(self.abs.sum(dims), count),
            "mse": _ratio(self.sq.sum(dims), count),
            "rmse": _ratio(self.sq.sum(dims), count).sqrt(),
            "mape": _ratio(self.ape.sum(dims), self.ape_n.sum(dims)),
            "smape": _ratio(self.sape.sum(dims), self.sape_n.sum(dims)),
            "mase": _ratio(self.mase_sum.sum(dims), self.mase_n.sum(dims)),
        }
        result = {k: _plain(v) for k, v in out.items()}
        result["mape_skipped_zeros"] = _plain((count - self.ape_n.sum(dims)).long())
        result["mase_undefined"] = _plain((count - self.mase_n.sum(dims)).long())
        result["filled_left_out"] = _plain((self.n * _size(self.abs, dims) - count).long())
        return result


def _size(t: torch.Tensor, dims: tuple[int, ...]) -> int:
    size = 1
    for d in dims:
        size *= t.shape[d]
    return size


def _ratio(total: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    return torch.where(count > 0, total / count.clamp_min(1), torch.full_like(total, float("nan")))


def _plain(value: torch.Tensor | float) -> float | int | list | None:
    """A tensor as JSON-ready Python values; NaN (nothing to average) and infinity (an unbounded
    interval) become None."""
    items = value.tolist() if isinstance(value, torch.Tensor) else value
    if isinstance(items, list):
        return [_plain(v) for v in items]
    return None if isinstance(items, float) and not math.isfinite(items) else items


class Standardised:
    """MSE and MAE of errors divided by a standard deviation per target (the training part's): the
    scale the long-horizon forecasting literature reports, comparable across data sets."""

    def __init__(self, n_targets: int):
        self.n = 0
        self.sums = torch.zeros(3, n_targets, dtype=torch.float64)  # |error|, error squared, count

    @property
    def abs(self) -> torch.Tensor:
        return self.sums[0]

    def add(self, actual: torch.Tensor, pred: torch.Tensor, sd: torch.Tensor) -> None:
        """actual, pred (windows, horizon, targets) in real units; sd (targets,)."""
        err = (pred.double().cpu() - actual.double().cpu()) / sd.double().cpu()
        measured = err.isfinite()  # a value filled in is NaN: left out
        err = torch.where(measured, err, 0.0)
        self.n += len(err)
        self.sums += torch.stack(
            [err.abs().sum((0, 1)), err.pow(2).sum((0, 1)), measured.double().sum((0, 1))]
        )

    def merge(self, other: Standardised) -> Standardised:
        self.n += other.n
        self.sums = self.sums + other.sums
        return self

    def result(self) -> dict:
        count = self.sums[2].sum().clamp_min(1)
        return {"mse": _plain(self.sums[1].sum() / count), "mae": _plain(self.sums[0].sum() / count)}


class Coverage:
    """How often actual values fall inside their intervals, how wide the intervals are, and their
    interval score: the M4 competition's MSIS, width plus 2 / alpha times each miss, over the
    MASE scale (for a 95% interval alpha is 0.05: a miss costs 40 times its distance)."""

    def __init__(self, horizon: int, n_targets: int, alpha: float):
        self.n, self.alpha = 0, alpha
        self.sums = torch.zeros(
            5, horizon, n_targets, dtype=torch.float64
        )  # inside, width, scaled interval score, values with a defined scale, measured values

    @property
    def inside(self) -> torch.Tensor:
        return self.sums[0]

    def add(
        self, actual: torch.Tensor, lower: torch.Tensor, upper: torch.Tensor, mase_scale: torch.Tensor
    ) -> None:
        """actual, lower, upper (windows, horizon, targets); mase_scale (windows, targets)."""
        actual, lower, upper = actual.double().cpu(), lower.double().cpu(), upper.double().cpu()
        measured = actual.isfinite()  # a value filled in is NaN: left out
        actual = torch.where(measured, actual, 0.0)
        width = torch.where(measured, upper - lower, 0.0)
        score = width + 2 / self.alpha * ((lower - actual).clamp_min(0) + (actual - upper).clamp_min(0))
        scale = mase_scale.double().cpu().unsqueeze(1).expand_as(score)
        defined = scale.isfinite() & measured
        self.n += len(actual)
        self.sums += torch.stack(
            [
                ((actual >= lower) & (actual <= upper) & measured).double().sum(0),
                width.sum(0),
                torch.where(defined, score / scale, 0.0).sum(0),
                defined.double().sum(0),
                measured.double().sum(0),
            ]
        )

    def merge(self, other: Coverage) -> Coverage:
        self.n += other.n
        self.sums = self.sums + other.sums
        return self

    def result(self, dims: tuple[int, ...] = (0, 1)) -> dict:
        total = self.sums.sum(tuple(d + 1 for d in dims))
        mean = _ratio(total, total[4])
        msis = _ratio(total[2], total[3])
        return {"coverage": _plain(mean[0]), "mean_width": _plain(mean[1]), "msis": _plain(msis)}
