"""The forecaster: a recurrent layer (nn.RNN by default, nn.GRU or nn.LSTM) and a linear head.

- many-to-one: the last step's hidden state -> the next `horizon` values of each target (direct
  multi-step forecasting). Output (batch, horizon, targets).
- many-to-many: every step's hidden state -> the `horizon` values after that step. Output
  (batch, time, horizon, targets); the loss covers every step, forecasts use the last one.

The constructor takes plain values only, and `ModelArgs` records them, so a checkpoint can rebuild
the model without the config that made it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass(frozen=True)
class ModelArgs:
    input_size: int
    n_targets: int
    horizon: int
    cell: str = "rnn"
    hidden_size: int = 64
    num_layers: int = 1
    nonlinearity: str = "tanh"
    dropout: float = 0.0
    many_to_many: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


class Forecaster(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        extra = {"nonlinearity": args.nonlinearity} if args.cell == "rnn" else {}
        self.rnn = CELLS[args.cell](
            input_size=args.input_size,
            hidden_size=args.hidden_size,
            num_layers=args.num_layers,
            dropout=args.dropout,
            batch_first=True,
            **extra,
        )
        self.head = nn.Linear(args.hidden_size, args.horizon * args.n_targets)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, time, inputs) -> (batch, horizon, targets) or (batch, time, horizon, targets)."""
        out, _ = self.rnn(x)  # (batch, time, hidden)
        return self._head(out if self.args.many_to_many else out[:, -1])

    def forecast(self, x: torch.Tensor) -> torch.Tensor:
        """The forecast from the end of each input window, in either mode: (batch, horizon, targets)."""
        out, _ = self.rnn(x)
        return self._head(out[:, -1])

    def _head(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.head(hidden).unflatten(-1, (self.args.horizon, self.args.n_targets))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
