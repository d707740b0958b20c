"""Window normalisation: each input window on its own scale, and the forecast mapped back.

For many-to-many models, which forecast from every step, the statistics are running ones: step t
is normalised by the mean and standard deviation of steps 1 .. t, and its forecast mapped back
with them, so no step sees statistics of a later one (`RunningNorm`). The last step's running
statistics are the whole window's, so a forecast from the end of a window is the same either way.

Data that drifts (a level that moves over months, a variance that grows) puts later windows at
values the network never saw in training. Normalising every window by its own statistics, and
mapping the forecast back with them, lets the network learn shapes rather than levels (reversible
instance normalisation, Kim et al., ICLR 2022). The first `columns` input columns (targets, then
numeric features) are shifted by the window's mean and divided by its standard deviation;
calendar sine and cosine columns after them are left as they are. A constant window is divided by
sqrt(EPS), not by zero, and forecasts its constant.
"""

from __future__ import annotations

import torch
from torch import nn

EPS = 1e-5


class WindowNorm(nn.Module):
    """No parameters: the statistics come from each window, at training and at forecasting alike.
    `masked`: the column after the normalised ones marks data (1) and padding (0); padded rows are
    left out of the statistics."""

    def __init__(self, columns: int, masked: bool = False, last: bool = False):
        super().__init__()
        self.columns, self.masked, self.last = columns, masked, last

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """x (batch, time, inputs) -> (normalised x, (shift, scale)), each statistic (batch, 1, columns).
        With `last`, the shift is the window's last row instead of its mean: a forecast of zero is
        persistence."""
        x, stats = self._by_mean(x)
        if not self.last:
            return x, stats
        shift, scale = stats
        last = x[:, -1:, : self.columns] * scale + shift  # the last row, in the window's own units
        return _rejoin(x[..., : self.columns] + (shift - last) / scale, x, self.columns), (last, scale)

    def _by_mean(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        head = x[..., : self.columns]
        if self.masked:
            weight = x[..., self.columns : self.columns + 1]
            count = weight.sum(dim=1, keepdim=True).clamp_min(1)
            shift = (head * weight).sum(dim=1, keepdim=True) / count
            scale = torch.sqrt((((head - shift) ** 2) * weight).sum(dim=1, keepdim=True) / count + EPS)
            return _rejoin((head - shift) / scale * weight, x, self.columns), (shift, scale)
        shift = head.mean(dim=1, keepdim=True)
        scale = torch.sqrt(head.var(dim=1, keepdim=True, unbiased=False) + EPS)
        return _rejoin((head - shift) / scale, x, self.columns), (shift, scale)

    @staticmethod
    def restore(y: torch.Tensor, stats: tuple[torch.Tensor, torch.Tensor], n_targets: int) -> torch.Tensor:
        """Forecasts (batch, horizon, targets) back on the scale of their input window."""
        shift, scale = stats
        return y * scale[..., :n_targets] + shift[..., :n_targets]


class RunningNorm(nn.Module):
    """Causal normalisation for many-to-many: each step by the statistics of the steps up to it
    (of the data among them, when `masked`)."""

    def __init__(self, columns: int, masked: bool = False):
        super().__init__()
        self.columns, self.masked = columns, masked

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """x (batch, time, inputs) -> (normalised x, (shift, scale)), each statistic (batch, time,
        columns)."""
        head = x[..., : self.columns]
        weight = x[..., self.columns : self.columns + 1] if self.masked else torch.ones_like(head[..., :1])
        count = weight.cumsum(dim=1).clamp_min(1)
        shift = (head * weight).cumsum(dim=1) / count
        var = ((head * head * weight).cumsum(dim=1) / count - shift * shift).clamp_min(0)
        scale = torch.sqrt(var + EPS)
        normalised = (head - shift) / scale
        return _rejoin(normalised * weight if self.masked else normalised, x, self.columns), (shift, scale)

    @staticmethod
    def restore(y: torch.Tensor, stats: tuple[torch.Tensor, torch.Tensor], n_targets: int) -> torch.Tensor:
        """Forecasts (batch, time, horizon, targets) back on the scale of the steps they were made from."""
        shift, scale = stats
        return y * scale[..., None, :n_targets] + shift[..., None, :n_targets]


def _rejoin(normalised: torch.Tensor, x: torch.Tensor, columns: int) -> torch.Tensor:
    """The normalised columns, then x's others (calendar columns) as they were."""
    return torch.cat([normalised, x[..., columns:]], dim=-1) if columns < x.shape[-1] else normalised
