"""A model's recurrence step by step: what it computes from one input window, re-derived from its
own weights with PyTorch's equations and compared with PyTorch's output (`rnncli inspect --trace`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Step:
    layer: int
    t: int
    shape: tuple[int, ...]
    norm: float


@dataclass
class Trace:
    cell: str
    steps: list[Step]
    max_difference: float  # between the hand-written recurrence and the module's own output
    window: str  # which input was traced
    normalised: dict | None = (
        None  # with window normalisation: the statistics and the last rows before and after
    )


def trace(model: torch.nn.Module, x: torch.Tensor, columns: list[str], window: str, lookback: int) -> Trace:
    """Run the window `x` (1, lookback, columns) through the recurrence, step by step: normalised and
    cut into embedded segments first, when the model does so. `window` says which rows it is."""
    args = model.args
    model = getattr(model, "members", [model])[0]  # an ensemble: its first member
    with torch.no_grad():
        steps_in, stats = model.sequence(x)  # what the recurrent layer reads
        rnn = model.rnn
        steps, layer_input = [], steps_in
        for layer in range(rnn.num_layers):
            outputs = _recur(rnn, layer, layer_input, args.cell, args.nonlinearity)
            steps += [
                Step(layer, t, tuple(h.shape), float(h.norm())) for t, h in enumerate(outputs.unbind(1))
            ]
            layer_input = outputs
        expected, _ = rnn(steps_in)
    unit = f"{len(steps_in[0])} segments of {args.segment} steps" if args.segment else f"{lookback} steps"
    return Trace(
        args.cell,
        steps,
        float((layer_input - expected).abs().max()),
        f"{window} ({unit})",
        _normalised(x, model, stats, columns) if stats is not None else None,
    )


def _normalised(x: torch.Tensor, model, stats, columns: list[str], rows: int = 5) -> dict:
    """The window's statistics per normalised column and its last `rows` rows, before and after."""
    shift, scale = stats  # (1, 1 or time, columns): the last step's are the whole window's
    k = model.args.normalized_columns
    normed, _ = model.norm(x)
    return {
        "columns": columns[:k],
        "shift": shift[0, -1].tolist(),
        "scale": scale[0, -1].tolist(),
        "steps": list(range(x.shape[1] - rows + 1, x.shape[1] + 1)),
        "raw": x[0, -rows:, :k].tolist(),
        "values": normed[0, -rows:, :k].tolist(),
    }


def _recur(rnn: torch.nn.Module, layer: int, x: torch.Tensor, cell: str, nonlinearity: str) -> torch.Tensor:
    """One layer's hidden states (batch, time, hidden), from its weights and PyTorch's equations."""
    w_ih, w_hh = getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}")
    b_ih, b_hh = getattr(rnn, f"bias_ih_l{layer}"), getattr(rnn, f"bias_hh_l{layer}")
    h = x.new_zeros(x.shape[0], rnn.hidden_size)
    c = torch.zeros_like(h)
    out = []
    for t in range(x.shape[1]):
        gi, gh = x[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        if cell == "rnn":  # h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
            h = (torch.tanh if nonlinearity == "tanh" else torch.relu)(gi + gh)
        elif cell == "gru":  # reset r, update z, candidate n: h_t = (1 - z) n + z h_{t-1}
            i_r, i_z, i_n = gi.chunk(3, dim=1)
            h_r, h_z, h_n = gh.chunk(3, dim=1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            h = (1 - z) * torch.tanh(i_n + r * h_n) + z * h
        else:  # lstm: input i, forget f, cell g, output o: c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
            i, f, g, o = (gi + gh).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        out.append(h)
    return torch.stack(out, dim=1)
