"""The forecast a run serves, window by window: the network's, a classical method's, or the two
averaged, as its selection says (`selection.py`), in real units and in the scaled units its
intervals are measured in. Scoring, calibration and `predict` all take the served forecast from
here, so what is scored is what is served.
"""

from __future__ import annotations

import torch

from rnncli.data.prepared import Prepared
from rnncli.evaluation.selection import Selection


def forecast(
    selection: Selection,
    network: torch.Tensor | None,
    classical: dict[str, torch.Tensor],
    prepared: Prepared,
    rows: torch.Tensor,
) -> torch.Tensor:
    """The served forecast (windows, steps, targets) in real units from the network's (None where it
    is not needed) and every classical one (real units); `rows` are rows of each window's series
    (for its scale and floor), kept at or above zero where the target never went below it in
    training."""
    if selection.served == "network":
        return network
    if selection.served == "combined":
        values = (network.double() + classical[selection.partner].to(network.device)) / 2
    else:
        values = classical[selection.served]
        values = values if network is None else values.to(network.device)
    floor = prepared.floor(rows, values.device)
    return values if floor is None else torch.maximum(values, floor.to(values.dtype))


def scaled(values: torch.Tensor, prepared: Prepared, rows: torch.Tensor) -> torch.Tensor:
    """Real-unit forecasts (windows, steps, targets) in the scaled units the model reads (so their
    intervals are measured as the network's are): the inverse of `Prepared.unscale`."""
    series = prepared.layout.series_of(rows.to(prepared.scaler.loc.device)).to(values.device)
    nt = prepared.n_targets
    loc = prepared.scaler.loc.to(values.device)[series, :nt].double()[:, None, :]
    scale = prepared.scaler.scale.to(values.device)[series, :nt].double()[:, None, :]
    values = values.double()
    if prepared.scaler.log_columns:
        values = torch.log1p(values.clamp_min(0.0))  # a log-scaled target was never negative in training
    return (values - loc) / scale
