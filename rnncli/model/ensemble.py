"""An ensemble: K forecasters of one shape, trained side by side on the same batches, each from
its own random start; the forecast is their median (the mean of the two middle ones for even K).

In training the members' outputs are stacked, and the loss is the mean of their losses, so each
member learns on its own; in evaluation the median is what every caller sees (forecast, roll,
calibration, export). Both M4 winners and N-BEATS forecast with ensembles.
"""

from __future__ import annotations

import torch
from torch import nn

from rnncli.model.forecaster import Forecaster, ModelArgs


class Ensemble(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.members = nn.ModuleList(Forecaster(args) for _ in range(args.ensemble))

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """Training: (members, *shape) of each member's output; evaluation: their median (*shape)."""
        outs = torch.stack([member(x, future) for member in self.members])
        return outs if self.training else median(outs)

    def forecast(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        return median(torch.stack([member.forecast(x, future) for member in self.members]))

    def forecast_quantiles(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """Each quantile's median over the members (a quantile model's ensemble)."""
        return median(torch.stack([member.forecast_quantiles(x, future) for member in self.members]))


def median(outs: torch.Tensor) -> torch.Tensor:
    """The median over the first dimension, by sorting (which every exporter knows)."""
    ordered = outs.sort(dim=0).values
    k = len(outs)
    return (ordered[(k - 1) // 2] + ordered[k // 2]) / 2


def build(args: ModelArgs) -> nn.Module:
    """The model `args` describe: one forecaster, or an ensemble of `args.ensemble`."""
    return Ensemble(args) if args.ensemble > 1 else Forecaster(args)
