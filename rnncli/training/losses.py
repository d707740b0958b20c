"""The training losses a config names (train.loss), on scaled values.

mse is the mean squared error; mae the mean absolute error, which rewards the median forecast
that MAE, sMAPE and MASE score best; huber is squared within one (scaled) unit and absolute
beyond it, robust to the rare large miss. Validation reports the same loss, so early stopping
follows what training minimises.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F

Loss = Callable[..., torch.Tensor]  # (forecast, actual, reduction="mean") -> loss

LOSSES: dict[str, Loss] = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": partial(F.huber_loss, delta=1.0)}


def get(name: str) -> Loss:
    return LOSSES[name]
