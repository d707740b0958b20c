"""The hot loop: one training epoch and one validation pass over index-gathered windows.

Nothing here knows about configs, files or output. The loss and gradient norm are accumulated on
the device, so a step never waits for the GPU; the caller reads them once per epoch.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from rnncli.windows import Index, Windows

EVAL_CHUNK = 4096


def train_epoch(
    model: nn.Module,
    windows: Windows,
    index: Index,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    generator: torch.Generator,
    clip_grad_norm: float | None = None,
    clip_grad_value: float | None = None,
    on_batch: Callable[[int, torch.Tensor], None] | None = None,
) -> tuple[float, float]:
    """One pass over the windows in a random order; returns (mean loss, mean gradient norm before clipping)."""
    model.train()
    n = len(index)
    device = windows.values.device
    order = torch.randperm(n, generator=generator, device=device)
    params = [p for p in model.parameters() if p.requires_grad]
    loss_sum = torch.zeros((), device=device)
    norm_sum = torch.zeros((), device=device)
    batches = 0
    for lo in range(0, n, batch_size):
        starts = index.starts(order[lo : lo + batch_size])
        x, y = windows.batch(starts)
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        if clip_grad_norm is not None:
            torch.nn.utils.clip_grads_with_norm_(params, clip_grad_norm, norm)
        if clip_grad_value is not None:
            torch.nn.utils.clip_grad_value_(params, clip_grad_value)
        optimizer.step()
        loss_sum += loss.detach() * len(starts)
        norm_sum += norm.detach()
        batches += 1
        if on_batch is not None:
            on_batch(batches, loss)
    return (loss_sum / n).item(), (norm_sum / batches).item()


def validate(
    model: nn.Module,
    windows: Windows,
    index: Index,
    unscale: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> tuple[float, float]:
    """(mean loss on scaled values, as in training; MAE of the forecasts in real units)."""
    model.eval()
    device = windows.values.device
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    abs_sum = torch.zeros((), device=device, dtype=torch.float64)
    n_loss = n_abs = 0
    with torch.inference_mode():
        for lo in range(0, len(index), EVAL_CHUNK):
            starts = index.starts(torch.arange(lo, min(lo + EVAL_CHUNK, len(index)), device=device))
            x, y = windows.batch(starts)
            out = model(x)
            loss_sum += F.mse_loss(out, y, reduction="sum").double()
            n_loss += y.numel()
            if windows.many_to_many:
                out, y = out[:, -1], y[:, -1]
            abs_sum += (unscale(out, starts) - unscale(y, starts)).abs().sum().double()
            n_abs += y.numel()
    return (loss_sum / n_loss).item(), (abs_sum / n_abs).item()
