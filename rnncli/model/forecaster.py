"""The forecaster: a recurrent layer (nn.RNN by default, nn.GRU or nn.LSTM) and a linear head.

- many-to-one: the last step's hidden state -> the next `horizon` values of each target (direct
  multi-step forecasting). Output (batch, horizon, targets).
- many-to-many: every step's hidden state -> the `horizon` values after that step. Output
  (batch, time, horizon, targets); the loss covers every step, forecasts use the last one.

Known-future inputs (calendar features and future-known covariates of the times being forecast)
join the hidden state at the head: `future` holds them flattened, step by step. With
`causal_future` the head's weights are masked so that the forecast of step h reads the known
values of steps 1..h only: a value known for a later step never reaches an earlier one.

Two options make it fit drifting data and long windows: `normalize="window"` puts each input
window on its own scale and maps the forecast back (normalization.py; for many-to-many, running
statistics, so no step sees a later one), and `segment=S` (many-to-one only: it leaves no output
per step) runs the recurrence over embedded segments of S steps instead of single steps
(segments.py). Both are part of the model, so training, forecasting, interval calibration and
export all apply them alike.

The constructor takes plain values only, and `ModelArgs` records them, so a checkpoint can rebuild
the model without the config that made it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from rnncli.model.normalization import RunningNorm, WindowNorm
from rnncli.model.segments import SegmentEmbedding

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
    # "window": each input window on its own scale; "last": shifted by its last value (normalization.py)
    normalize: str = "none"
    normalized_columns: int = 0  # the leading input columns that normalisation applies to
    segment: int = 0  # > 0: the recurrence runs over segments of this many steps (segments.py)
    masked: bool = (
        False  # the input column after the normalised ones says which rows are data (1) and which padding (0)
    )
    ensemble: int = 1  # > 1: that many members, forecasting their median (ensemble.py)
    causal_future: bool = False  # the forecast of step h reads the known values of steps <= h only
    quantiles: tuple[
        float, ...
    ] = ()  # the probabilities forecast (pinball loss); the middle one, 0.5, is the point forecast

    def __post_init__(self):
        object.__setattr__(self, "quantiles", tuple(self.quantiles))  # a list, as a checkpoint keeps it

    def to_dict(self) -> dict:
        return asdict(self)


class Forecaster(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        if args.normalize == "none":
            self.norm = None
        elif args.many_to_many:
            self.norm = RunningNorm(args.normalized_columns, args.masked)
        else:
            self.norm = WindowNorm(args.normalized_columns, args.masked, last=args.normalize == "last")
        self.embed = (
            SegmentEmbedding(args.segment, args.input_size, args.hidden_size) if args.segment else None
        )
        extra = {"nonlinearity": args.nonlinearity} if args.cell == "rnn" else {}
        self.rnn = CELLS[args.cell](
            input_size=args.hidden_size if args.segment else args.input_size,
            hidden_size=args.hidden_size,
            num_layers=args.num_layers,
            dropout=args.dropout,
            batch_first=True,
            **extra,
        )
        self.head = nn.Linear(
            args.hidden_size + args.future_size, args.horizon * args.n_targets * max(1, len(args.quantiles))
        )
        if args.causal_future and args.future_size:  # not a parameter: rebuilt from the args on loading
            self.register_buffer("head_mask", causal_mask(args), persistent=False)
        else:
            self.head_mask = None

    def _linear(self, hidden: torch.Tensor) -> torch.Tensor:
        if self.head_mask is None:
            return self.head(hidden)
        return nn.functional.linear(hidden, self.head.weight * self.head_mask, self.head.bias)

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """x: (batch, time, inputs); future: (batch, [time,] future_size) or None.
        Returns (batch, horizon, targets), or (batch, time, horizon, targets) for many-to-many,
        or (batch, horizon, targets, quantiles) for a quantile model (what its loss needs)."""
        if (
            self.args.many_to_many
        ):  # per step, each normalised by the steps up to it (segments are many-to-one only)
            steps, stats = self.sequence(x)
            out, _ = self.rnn(steps)
            y = self._head(out, future)
            return y if stats is None else self.norm.restore(y, stats, self.args.n_targets)
        return self.forecast_quantiles(x, future) if self.args.quantiles else self.forecast(x, future)

    def forecast(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """The forecast from the end of each input window, in either mode: (batch, horizon, targets).
        `future` is the last step's: (batch, future_size). A quantile model's is its median."""
        if self.args.quantiles:
            return self.forecast_quantiles(x, future)[..., len(self.args.quantiles) // 2]
        y, last = self._last(x, future)
        return y if last is None else WindowNorm.restore(y, last, self.args.n_targets)

    def forecast_quantiles(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """A quantile model's forecast of each of its quantiles: (batch, horizon, targets, quantiles)."""
        y, last = self._last(x, future)
        y = y.unflatten(-1, (self.args.n_targets, len(self.args.quantiles)))
        if last is None:
            return y
        return torch.stack(
            [WindowNorm.restore(y[..., k], last, self.args.n_targets) for k in range(y.shape[-1])], dim=-1
        )

    def _last(self, x: torch.Tensor, future: torch.Tensor | None) -> tuple[torch.Tensor, tuple | None]:
        """The head's output at the end of each window, (batch, horizon, targets [x quantiles]),
        normalised, and the statistics that restore it (None without normalisation; running
        statistics end as the whole window's)."""
        steps, stats = self.sequence(x)
        out, _ = self.rnn(steps)
        hidden = out[:, -1] if not self.args.future_size else torch.cat([out[:, -1], future], dim=-1)
        y = self._linear(hidden).unflatten(-1, (self.args.horizon, -1))
        return y, None if stats is None else tuple(stat[:, -1:] for stat in stats)

    def sequence(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None]:
        """What the recurrent layer reads: the window normalised and cut into embedded segments, as
        configured; and the normalisation's statistics (None without it)."""
        stats = None
        if self.norm is not None:
            x, stats = self.norm(x)
        return (x if self.embed is None else self.embed(x)), stats

    def _head(self, hidden: torch.Tensor, future: torch.Tensor | None) -> torch.Tensor:
        if self.args.future_size:
            hidden = torch.cat([hidden, future], dim=-1)
        return self._linear(hidden).unflatten(-1, (self.args.horizon, self.args.n_targets))


def causal_mask(args: ModelArgs) -> torch.Tensor:
    """(outputs, hidden + future): 1 where the head may read an input. Every output reads the whole
    hidden state; the output of step h reads the known values of steps 1..h."""
    per_out = args.n_targets * max(1, len(args.quantiles))
    per_step = args.future_size // args.horizon
    step_out = torch.arange(args.horizon).repeat_interleave(per_out)
    step_in = torch.arange(args.horizon).repeat_interleave(per_step)
    future = (step_in[None, :] <= step_out[:, None]).float()
    return torch.cat([torch.ones(len(step_out), args.hidden_size), future], dim=1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
