"""Which forecast a run serves: the network, a classical method, or the two averaged, chosen on the
windows it was validated on (the M4 competition's lesson: no single method wins everywhere).

Every candidate forecasts the same validation windows; each window's error is scaled by its
series' in-sample seasonal-naive error (MASE's scale), so series of any size weigh alike, and a
candidate's validation error is the mean over series of its mean scaled error. The candidate with
the lowest error is served, with one exception: a forecast that uses the network (the network
alone, or its average with the best classical method) is served only when it rests on at least
CHOICE_BLOCKS independent blocks of windows; on thinner evidence the simpler, classical forecast is
served, and the reason says so. `model.select` forces a candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from rnncli.errors import count
from rnncli.evaluation.scores import BASELINES, WITH_COVARIATES, label

NETWORK = ("network", "combined")  # the candidates that use the network
# independent blocks of validation windows (each a horizon or a season of windows, whichever is
# longer, of one series) a choice of the network rests on at least
CHOICE_BLOCKS = 10
CANDIDATES = (*NETWORK, *BASELINES, WITH_COVARIATES)
LABELS = {"network": "the network", "combined": "the network and {partner}, averaged"}


@dataclass
class Selection:
    served: str  # a name of CANDIDATES
    partner: str | None = (
        None  # the classical method "combined" averages with the network (the best classical)
    )
    errors: dict[str, float] | None = (
        None  # each candidate's validation error: mean over series of its mean MASE
    )
    windows: int = 0  # validation windows the errors rest on
    blocks: int = 0  # ... in independent blocks
    reason: str = ""  # why it is served, in one line
    forced: bool = False
    origins: int = 0  # earlier origins whose windows joined the run's validation windows

    @property
    def name(self) -> str:
        """How the served forecast is named to the user."""
        return describe(self.served, self.partner)

    def to_dict(self) -> dict:
        return {
            "served": self.served,
            "partner": self.partner,
            "errors": self.errors,
            "windows": self.windows,
            "blocks": self.blocks,
            "reason": self.reason,
            "forced": self.forced,
            "origins": self.origins,
        }

    @classmethod
    def from_dict(cls, raw: dict | None) -> Selection:
        """A checkpoint's selection; a run made before selection existed serves its network."""
        if not raw:
            return NETWORK_ONLY
        return cls(
            raw["served"],
            raw.get("partner"),
            dict(raw.get("errors", {})),
            int(raw.get("windows", 0)),
            int(raw.get("blocks", 0)),
            raw.get("reason", ""),
            bool(raw.get("forced", False)),
            int(raw.get("origins", 0)),
        )


NETWORK_ONLY = Selection(
    "network", None, {}, 0, 0, "a run made before the served forecast was chosen serves its network"
)


def describe(name: str, partner: str | None = None) -> str:
    if name == "combined":
        return LABELS["combined"].format(partner=label(partner or "theta"))
    return LABELS.get(name) or label(name)


def select(
    scaled: dict[str, torch.Tensor],
    window_series: torch.Tensor,
    blocks: int,
    forced: str = "auto",
    origins: int = 0,
    measure: str = "MASE",
) -> Selection:
    """The served candidate from each candidate's scaled error per validation window (`scaled`:
    name -> (windows,), "network" for the network alone and "combined:<classical>" for it averaged
    with each classical method); `window_series` gives each window's series, the windows make
    `blocks` independent blocks, `origins` earlier origins added to the run's validation part;
    `measure` names the scaled error in the reason (MASE, or MAE where its scale is undefined)."""
    errors = {name: _mean_over_series(values, window_series) for name, values in scaled.items()}
    errors["network"] = errors.get("network", float("inf"))
    partner = min([b for b in (*BASELINES, WITH_COVARIATES) if b in errors], key=lambda name: errors[name])
    errors["combined"] = errors.get(f"combined:{partner}", float("inf"))
    errors = {name: errors[name] for name in CANDIDATES if name in errors}
    windows = len(window_series)
    where = f"{windows:,} validation window{'' if windows == 1 else 's'}" + (
        f" ({count(origins, 'earlier origin')} included)" if origins else ""
    )
    made = dict(partner=partner, errors=errors, windows=windows, blocks=blocks, origins=origins)
    if forced != "auto":
        return Selection(forced, reason=f"forced by model.select={forced}", forced=True, **made)
    best = min(errors, key=errors.get)
    ranked = sorted(errors, key=errors.get)
    runner = next(name for name in ranked if name != best)
    if best in NETWORK and blocks < CHOICE_BLOCKS:
        why = (
            f"{describe(best, partner)} scored the lowest validation {measure} ({errors[best]:.3g}) but "
            f"{where} in {blocks} independent blocks cannot tell it from {label(partner)} "
            f"({errors[partner]:.3g}); the simpler forecast is served (a choice of the network rests on "
            f"{CHOICE_BLOCKS} blocks or more)"
        )
        return Selection(partner, reason=why, **made)
    why = (
        f"the lowest validation {measure}, {errors[best]:.3g}, on {where} (next: "
        f"{describe(runner, partner)} {errors[runner]:.3g}"
    )
    why += "" if "network" in (best, runner) else f"; the network {errors['network']:.3g}"
    return Selection(best, reason=why + ")", **made)


def _mean_over_series(values: torch.Tensor, series: torch.Tensor) -> float:
    """The unweighted mean over series of each series' mean (every series weighs alike); a window
    of values that were all filled in (NaN) counts for nothing."""
    means = [float(torch.nanmean(values[series == k].double())) for k in series.unique().tolist()]
    means = [m for m in means if math.isfinite(m)]
    return sum(means) / len(means) if means else float("inf")
