"""The forecaster: a recurrent layer (nn.RNN by default, nn.GRU or nn.LSTM) and a linear head.

- many-to-one: the last step's hidden state -> the next `horizon` values of each target (direct
  multi-step forecasting). Output (batch, horizon, targets).
- many-to-many: every step's hidden state -> the `horizon` values after that step. Output
  (batch, time, horizon, targets); the loss covers every step, forecasts use the last one.

Known-future inputs (calendar features of the times being forecast) join the hidden state at the
head: `future` holds them flattened, `future_size` values per step.

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
    future_size: int = 0

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
        self.head = nn.Linear(args.hidden_size + args.future_size, args.horizon * args.n_targets)

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """x: (batch, time, inputs); future: (batch, [time,] future_size) or None.
        Returns (batch, horizon, targets), or (batch, time, horizon, targets) for many-to-many."""
        out, _ = self.rnn(x)  # (batch, time, hidden)
        return self._head(out if self.args.many_to_many else out[:, -1], future)

    def forecast(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """The forecast from the end of each input window, in either mode: (batch, horizon, targets).
        `future` is the last step's: (batch, future_size)."""
        out, _ = self.rnn(x)
        return self._head(out[:, -1], future)

    def _head(self, hidden: torch.Tensor, future: torch.Tensor | None) -> torch.Tensor:
        if self.args.future_size:
            hidden = torch.cat([hidden, future], dim=-1)
        return self.head(hidden).unflatten(-1, (self.args.horizon, self.args.n_targets))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
