"""Which of a file's other columns `init` makes past features: those the validation part says help.

The measure is the linear AR with the model's covariates (`arx.py`), fitted on the training windows
and scored on the validation windows (mean absolute error, scaled units): with every candidate,
with none, and with each one left out in turn. A candidate is kept when leaving it out raises the
error by MARGIN; the kept ones are used only when they beat none at all by MARGIN (a past feature has a
cost: its values are needed at every forecast, which cannot reach past the model's horizon). A
linear measure, chosen because it costs seconds where training a network per candidate would cost
minutes; the reasons, with the errors, go into the config's comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnncli.data.prepared import Prepared
from rnncli.evaluation import arx

MAX_WINDOWS = 20_000  # training (and validation) windows each measure reads at most, evenly spread
CHUNK = 2048
MARGIN = 0.01  # the share of the error a feature (and the kept ones together) must save to be kept


@dataclass
class Choice:
    kept: list[str]
    reasons: dict[str, str] = field(default_factory=dict)  # candidate: why it is kept or left out
    errors: dict[str, float] = field(default_factory=dict)  # "all", "none" and "without <name>"
    summary: str = ""  # the errors the choice rests on, in a line


def choose(prepared: Prepared, candidates: list[str]) -> Choice:
    """The candidates (past features of `prepared`) worth reading, by the validation part."""
    if not candidates:
        return Choice([])
    if not len(prepared.index("val")):
        return Choice(
            list(candidates),
            {c: "kept" for c in candidates},
            summary="no validation windows to weigh them on",
        )
    every = _error(prepared, frozenset())
    none = _error(prepared, frozenset(candidates))
    errors = {"all": every, "none": none}
    kept, reasons = [], {}
    for name in candidates:
        errors[f"without {name}"] = without = _error(prepared, frozenset({name}))
        helps = without > every * (1 + MARGIN)
        reasons[name] = f"{without:.4g} without it" if helps else f"no help: {without:.4g} without it"
        if helps:
            kept.append(name)
    if kept and len(kept) < len(candidates):
        errors["kept"] = _error(prepared, frozenset(set(candidates) - set(kept)))
    best = errors.get("kept", every)
    summary = f"validation MAE of a linear AR with the covariates: {every:.4g} with all, {none:.4g} with none"
    if "kept" in errors:
        summary += f", {best:.4g} with those kept"
    if kept and best >= none * (1 - MARGIN):
        summary += f": not {MARGIN:.0%} below none, so none is used"
        kept = []
    return Choice(kept, reasons, errors, summary)


def _error(prepared: Prepared, without: frozenset[str]) -> float:
    """The validation MAE (scaled units) of the linear AR with the covariates, less `without`."""
    device = prepared.windows.values.device
    model = arx.fit(prepared, prepared.index("train").chunks(device, CHUNK, MAX_WINDOWS), without)
    total, count = 0.0, 0
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    for starts in prepared.index("val").chunks(device, CHUNK, MAX_WINDOWS):
        w = prepared.windows.gather(starts)
        error = (model.predict(w) - w[:, lookback:, :nt].double().cpu()).abs()
        total, count = total + float(error.sum()), count + error.numel()
    return total / max(count, 1)
