"""What a finished run serves, and the intervals of what it serves, from the windows it was validated
on (and, where those are too few, windows at earlier origins).

Every candidate (the network, each classical method, the network averaged with the best classical
one) forecasts the same validation windows; `evaluation.selection` chooses among them. The
network's calibration (kept in the checkpoint for `--checkpoint last` and older readers) and the
served forecast's are made on the same windows. When the validation part holds too few windows
for the intervals' coverage, or too few independent blocks for a choice, the run's config is
trained again at earlier origins (`earlier_origins.py`), one after another, until there are enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from rnncli.errors import count
from rnncli.evaluation import conformal, intervals, scoring, selection
from rnncli.evaluation.baselines import BaselineFit
from rnncli.evaluation.scores import Scores
from rnncli.evaluation.selection import CHOICE_BLOCKS, Selection
from rnncli.pipeline import earlier_origins
from rnncli.training.fit import FitResult


@dataclass
class Choice:
    selection: Selection
    network: dict | None  # the network's calibration
    served: dict | None  # the served forecast's calibration (the network's when it serves the network)
    baselines: BaselineFit  # fitted on the run's training part
    windows: dict = field(default_factory=dict)  # what the calibrations rest on: "validation", "earlier"


@dataclass
class Source:
    """Windows the choices rest on: the run's own validation part, or an earlier origin's parts."""

    model: torch.nn.Module
    prepared: object
    baselines: BaselineFit
    parts: tuple[str, ...]


class Evidence:
    """Each candidate's scaled error per window, pooled over the sources' parts, and the
    independent blocks they make (windows of different series or parts share no forecast)."""

    def __init__(self, block: int):
        self.block, self.scaled, self.series, self.blocks, self.windows = block, {}, [], 0, 0

    def add(self, scores: Scores) -> None:
        for name, values in scores.window_scaled.items():
            self.scaled.setdefault(name, []).append(values)
        pool = len(self.series) * (int(scores.window_series.max()) + 1 if len(scores.window_series) else 1)
        self.series.append(scores.window_series + pool)  # a series in another part is a unit of its own
        counts = torch.bincount(scores.window_series)
        self.blocks += int(torch.clamp(counts[counts > 0] // self.block, min=1).sum())
        self.windows += len(scores.window_series)

    def select(self, forced: str, origins: int, scales: torch.Tensor) -> Selection:
        """`scales`: the series' MASE scales (NaN where undefined: those series weigh by their MAE)."""
        scaled = {name: torch.cat(parts) for name, parts in self.scaled.items()}
        defined = scales.isfinite()
        measure = (
            "MASE"
            if bool(defined.all())
            else "MAE (MASE is undefined: the training part never changes at the seasonal lag)"
            if not bool(defined.any())
            else "MASE (MAE for the series whose MASE is undefined)"
        )
        return selection.select(scaled, torch.cat(self.series), self.blocks, forced, origins, measure)


def choose(fitted: FitResult, progress) -> Choice:
    """The selection and the calibrations of a finished run whose model holds its best weights."""
    prepared, cfg = fitted.prepared, fitted.cfg
    steps, budget = conformal.reach(prepared)
    steps = _reach(fitted, steps, budget)
    need = intervals.needed(cfg.predict.coverage)
    evidence = Evidence(max(prepared.spec.horizon, prepared.season))
    run = Source(fitted.model, prepared, BaselineFit.on(prepared), ("val",))
    found, sources = _network_scores(run, steps, budget, progress), [run]
    validation = sum(len(f[0]) for f in found)
    evidence.add(scoring.score(run.model, prepared, "val", keep_errors=True, baselines=run.baselines))
    if validation < need or (
        cfg.model.select == "auto" and evidence.blocks < CHOICE_BLOCKS and _short(prepared)
    ):
        for made in earlier_origins.trainings(fitted, progress):
            source = Source(made.model, made.prepared, BaselineFit.on(made.prepared), ("val", "test"))
            sources.append(source)
            for part in source.parts:
                if len(made.prepared.index(part)):
                    scores = scoring.score(
                        made.model, made.prepared, part, keep_errors=True, baselines=source.baselines
                    )
                    evidence.add(scores)
                found += [
                    got for got in [conformal.scores(made.model, made.prepared, steps, budget, part)] if got
                ]
            enough = cfg.model.select != "auto" or evidence.blocks >= CHOICE_BLOCKS
            if sum(len(f[0]) for f in found) >= need and enough:
                break
    chosen = evidence.select(cfg.model.select, len(sources) - 1, run.baselines.mase_scales)
    network = _summary(found, fitted, validation, progress)
    served = (
        network if chosen.served == "network" else _served(sources, chosen, steps, budget, fitted, validation)
    )
    windows = {"validation": validation, "earlier": sum(len(f[0]) for f in found) - validation}
    return Choice(chosen, network, served, run.baselines, windows)


SHORT = 20_000  # training windows below which earlier origins are trained for a choice's evidence


def _short(prepared) -> bool:
    """Data short enough that training it again at earlier origins costs little: where thin
    evidence is most common, and an earlier origin's windows settle it."""
    return len(prepared.index("train")) <= SHORT


def _reach(fitted: FitResult, steps: int, budget: int) -> int:
    """How far ahead to calibrate: `steps` (as far as predict forecasts) when the validation part
    holds enough windows that far ahead for predict.coverage, else the model's own horizon (more
    windows fit; later steps then get no interval, and predict says so)."""
    horizon = fitted.prepared.spec.horizon
    enough = conformal.window_count(fitted.prepared, steps, horizon, budget) >= intervals.needed(
        fitted.cfg.predict.coverage
    )
    return (
        steps if enough and not fitted.model.args.quantiles else horizon
    )  # a quantile model's reach its horizon


def _network_scores(run: Source, steps: int, budget: int, progress, which: str = "") -> list:
    """The network's calibration scores on the run's validation windows `steps` ahead."""
    n = conformal.window_count(run.prepared, steps, run.prepared.spec.horizon, budget)
    if not n:
        return []
    label = (
        f"calibrating prediction intervals{which} on {n:,} validation window{'s' * (n != 1)}, "
        f"{steps} step{'s' * (steps != 1)} ahead"
    )
    with progress.stage(label, n) as advance:
        return [conformal.scores(run.model, run.prepared, steps, budget, "val", advance)]


def network_calibration(fitted: FitResult, progress, which: str) -> dict | None:
    """The network's calibration on the run's validation windows alone (the last epoch's)."""
    steps, budget = conformal.reach(fitted.prepared)
    run = Source(fitted.model, fitted.prepared, None, ("val",))
    found = _network_scores(run, _reach(fitted, steps, budget), budget, progress, which)
    return _summary(found, fitted, sum(len(f[0]) for f in found), None)


def _summary(found: list, fitted: FitResult, validation: int, progress) -> dict | None:
    if not found:
        return None
    errors, spreads = (np.concatenate([f[k] for f in found]) for k in (0, 1))
    adaptive, cqr = fitted.cfg.predict.intervals == "adaptive", bool(fitted.model.args.quantiles)
    calibration = conformal.summarise(errors, spreads, adaptive, cqr)
    calibration["sources"] = {"validation": validation, "earlier": len(errors) - validation}
    if progress is not None and len(errors) > validation:
        progress.note(
            f"the intervals rest on {count(len(errors), 'window')}: {validation:,} of the validation part "
            f"and {len(errors) - validation:,} forecast by the same config trained at earlier origins "
            "(kept in calibration/)"
        )
    return calibration


def _served(
    sources: list[Source], chosen: Selection, steps: int, budget: int, fitted: FitResult, validation: int
):
    """The served forecast's calibration on the windows the network's rests on."""
    found = []
    for source in sources:
        for part in source.parts:
            got = conformal.scores(
                source.model, source.prepared, steps, budget, part, None, chosen, source.baselines
            )
            if got is not None:
                found.append(got)
    if not found:
        return None
    errors, spreads = (np.concatenate([f[k] for f in found]) for k in (0, 1))
    calibration = conformal.summarise(errors, spreads, fitted.cfg.predict.intervals == "adaptive")
    calibration["sources"] = {"validation": validation, "earlier": len(errors) - validation}
    return calibration
