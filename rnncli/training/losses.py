"""The training losses a config names (train.loss), on scaled values.

mse is the mean squared error; mae the mean absolute error, which rewards the median forecast
that MAE, sMAPE and MASE score best; huber is squared within one (scaled) unit and absolute
beyond it, robust to the rare large miss; pinball (a quantile model's, model.quantiles) is the
quantile loss of each forecast quantile q, q (y - f) above the forecast and (1 - q) (f - y)
below, averaged over the quantiles: it is minimised by the true quantiles. Every loss takes the
forecast and the actual values, and broadcasts the actual ones over an ensemble's members (and
a quantile model's quantiles). Validation reports the same loss, so early stopping follows what
training minimises.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F

Loss = Callable[..., torch.Tensor]  # (forecast, actual, reduction="mean") -> loss


def _broadcast(loss) -> Loss:
    return lambda pred, y, reduction="mean": loss(pred, y.expand_as(pred), reduction=reduction)


LOSSES: dict[str, Loss] = {
    "mse": _broadcast(F.mse_loss),
    "mae": _broadcast(F.l1_loss),
    "huber": _broadcast(partial(F.huber_loss, delta=1.0)),
}


def pinball(
    pred: torch.Tensor, y: torch.Tensor, quantiles: tuple[float, ...] | torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """pred (..., quantiles), y (...) broadcast to pred's leading shape: the mean over quantiles of
    each one's pinball loss, then the mean (or, "sum", the sum) over the values."""
    q = (
        quantiles
        if isinstance(quantiles, torch.Tensor)
        else torch.tensor(quantiles, dtype=pred.dtype, device=pred.device)
    )
    miss = y.unsqueeze(-1) - pred
    per_value = torch.maximum(q * miss, (q - 1) * miss).mean(-1)
    return per_value.sum() if reduction == "sum" else per_value.mean()


def get(name: str, quantiles: tuple[float, ...] = ()) -> Loss:
    """The loss `name`; the pinball loss keeps its quantiles as a tensor on the forecasts' device,
    made once rather than copied there at every batch (on a GPU, a copy from the host per step)."""
    if name != "pinball":
        return LOSSES[name]
    levels: dict = {}

    def loss(pred: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        key = (pred.device, pred.dtype)
        if key not in levels:
            levels[key] = torch.tensor(quantiles, dtype=pred.dtype, device=pred.device)
        return pinball(pred, y, levels[key], reduction)

    return loss
