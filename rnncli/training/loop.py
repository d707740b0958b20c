"""The hot loop: one training epoch over its batches, and one validation pass, on index-gathered windows.

Nothing here knows about configs, files or output. The loss and gradient norm are accumulated on
the device, so a step never waits for the GPU; the caller reads them once per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from rnncli.data.windows import Index, Windows

EVAL_CHUNK = 2048


@dataclass
class EpochSums:
    """Running totals of an epoch, kept on the device; `batches` done so far."""

    batches: int
    loss_sum: torch.Tensor
    norm_sum: torch.Tensor

    @classmethod
    def zero(cls, device: torch.device) -> EpochSums:
        return cls(0, torch.zeros((), device=device), torch.zeros((), device=device))


class NonFinite(Exception):
    """The loss or the gradient norm of batch `batch` was NaN or infinite."""

    def __init__(self, batch: int):
        super().__init__(f"non-finite loss or gradient in batch {batch}")
        self.batch = batch


def train_epoch(
    model: nn.Module,
    windows: Windows,
    index: Index,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    order: torch.Tensor,
    sums: EpochSums,
    clip_grad_norm: float | None = None,
    clip_grad_value: float | None = None,
    stop: Callable[[], bool] | None = None,
    on_batch: Callable[[int, torch.Tensor], None] | None = None,
    check_every: int = 1,
    rank: int = 0,
    world: int = 1,
    loss_fn=F.mse_loss,
) -> bool:
    """Train on the windows in `order`, from batch `sums.batches` on, adding to `sums`.

    Returns True when the epoch is complete, False when `stop()` asked to stop after a batch.
    Raises NonFinite when the gradient norm is NaN or infinite (a non-finite loss always makes it
    so); the check runs every `check_every` batches, before that batch's step, so a GPU need not
    wait for it at each step. With `world` > 1 processes each global batch of `world *
    batch_size` windows is shared out, and each process's loss is weighted so that the averaged
    gradients equal those of the whole global batch.
    """
    model.train()
    n = len(order)  # the windows this epoch draws: every one, or a sample (train.steps_per_epoch)
    params = [p for p in model.parameters() if p.requires_grad]
    starts_all = index.starts(
        order, in_place=True
    )  # the epoch's window starts, in order: batches are slices of it
    step = batch_size * world
    first_bad = None if check_every == 1 else torch.full((), -1, dtype=torch.long, device=order.device)
    for lo in range(sums.batches * step, n, step):
        batch = sums.batches + 1
        if world == 1:
            starts, weight, count = starts_all[lo : lo + batch_size], None, min(batch_size, n - lo)
        else:
            starts, weight, count = _share(starts_all, lo, min(step, n - lo), rank, world)
        x, y, future = windows.batch(starts)
        pred = model(x, future)
        loss = loss_fn(pred, y)  # an ensemble's members each against the same targets
        optimizer.zero_grad(set_to_none=True)
        (loss if weight is None else loss * weight).backward()
        norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        first_bad = _check_finite(norm, batch, first_bad, check_every)
        _clip(params, norm, clip_grad_norm, clip_grad_value)
        optimizer.step()
        sums.loss_sum.add_(loss.detach(), alpha=count)
        sums.norm_sum.add_(norm.detach())
        sums.batches = batch
        if on_batch is not None:
            on_batch(batch, loss)
        if stop is not None and lo + step < n and stop():
            return False
    if first_bad is not None and first_bad.item() >= 0:
        raise NonFinite(int(first_bad.item()))
    return True


def _check_finite(
    norm: torch.Tensor, batch: int, first_bad: torch.Tensor | None, check_every: int
) -> torch.Tensor | None:
    """Raise NonFinite for a NaN or infinite gradient norm: at once when checking every batch (the
    CPU), else by noting the first bad batch on the device and reading it every `check_every`."""
    if first_bad is None:
        if not torch.isfinite(norm):
            raise NonFinite(batch)
        return None
    first_bad = torch.where((first_bad < 0) & ~torch.isfinite(norm), batch, first_bad)
    if batch % check_every == 0 and first_bad.item() >= 0:
        raise NonFinite(int(first_bad.item()))
    return first_bad


def _clip(
    params: list[torch.Tensor],
    norm: torch.Tensor,
    clip_grad_norm: float | None,
    clip_grad_value: float | None,
) -> None:
    if clip_grad_norm is not None:
        torch.nn.utils.clip_grads_with_norm_(params, clip_grad_norm, norm)
    if clip_grad_value is not None:
        torch.nn.utils.clip_grad_value_(params, clip_grad_value)


def _share(
    starts_all: torch.Tensor, lo: int, size: int, rank: int, world: int
) -> tuple[torch.Tensor, float, int]:
    """This process's part of the global batch starts_all[lo : lo + size], the weight of its loss,
    and its window count. Parts differ by one window at most; a process left without any trains on
    one window with weight 0, so that every process takes the same steps."""
    a, b = rank * size // world, (rank + 1) * size // world
    if b == a:
        return starts_all[lo : lo + 1], 0.0, 0
    return starts_all[lo + a : lo + b], (b - a) * world / size, b - a


def validate(
    model: nn.Module,
    windows: Windows,
    index: Index,
    unscale: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    rank: int = 0,
    world: int = 1,
    reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
    loss_fn=F.mse_loss,
) -> tuple[float, float]:
    """(mean loss on scaled values, as in training; MAE of the forecasts in real units).

    With `world` > 1 each process scores its contiguous share of the windows and `reduce` sums
    the totals over the processes, so every one returns the same figures.
    """
    model.eval()
    device = windows.values.device
    totals = torch.zeros(
        4, device=device, dtype=torch.float64
    )  # loss sum, its count, absolute error sum, its count
    first, last = rank * len(index) // world, (rank + 1) * len(index) // world
    with torch.inference_mode():
        for lo in range(first, last, EVAL_CHUNK):
            starts = index.starts(torch.arange(lo, min(lo + EVAL_CHUNK, last), device=device))
            x, y, future = windows.batch(starts)
            out = model(x, future)
            totals[0] += loss_fn(out, y, reduction="sum").double()
            totals[1] += y.numel()
            if (
                out.dim() > y.dim()
            ):  # a quantile model's forecasts: the middle quantile, its median, is the point forecast
                out = out[..., out.shape[-1] // 2]
            if windows.many_to_many:
                out, y = out[:, -1], y[:, -1]
            totals[2] += (unscale(out, starts) - unscale(y, starts)).abs().sum().double()
            totals[3] += y.numel()
    if reduce is not None:
        totals = reduce(totals)
    loss_sum, n_loss, abs_sum, n_abs = totals.tolist()
    return (loss_sum / n_loss, abs_sum / n_abs) if n_loss else (math.nan, math.nan)
