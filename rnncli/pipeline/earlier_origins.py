"""Calibration windows from earlier stretches, for data whose validation part holds too few.

A monthly series of 100 rows validates on 10: a window or two, and no conformal quantile at 90%
exists with fewer than 9 scores. Here the run's own config is trained again at earlier origins
(the backtest's rolling-origin folds, `folds.plan`, one test stretch apart, the last of them the
run's own split), each copy on the rows before its origin only, and each forecasts the
validation and test stretches after its training part as far ahead as the run's intervals reach: out-of-
sample errors of the same model, trained the same way on less data. Their
scores join the run's own validation scores, origin by origin, until the coverage asked for has
enough, or no earlier origin fits. The copies are kept in the run folder's calibration/ and the
run says how many windows its intervals rest on.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from rnncli.data import folds, timeseries
from rnncli.errors import RnnCliError
from rnncli.evaluation import conformal
from rnncli.pipeline import inputs
from rnncli.training import fit
from rnncli.training.distributed import SINGLE

MAX_ORIGINS = 12  # earlier trainings a run's calibration may add at most


def scores(
    fitted: fit.FitResult, steps: int, budget: int, need: int, have: int, progress
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(errors, spreads) of the earlier origins' forecasts, as `conformal.scores` gives them, from
    the latest origin back, until `have` plus theirs reach `need` windows; empty when none fits."""
    from rnncli.report.progress import Silent

    cfg = fitted.cfg
    series = timeseries.load(inputs.schema_of(cfg))
    plan = _plan(series, dataclasses.replace(inputs.spec_of(cfg), borders=fitted.prepared.spec.borders))
    if plan is None:
        return []
    found = []
    for fold in reversed(plan.folds[:-1]):  # the last fold is the run's own split
        if have >= need:
            break
        progress.note(
            f"calibrating on an earlier stretch: training again on the rows before {fold.spans['val'][0]}"
        )
        earlier = inputs.config_of_fold(cfg, fold)
        made = fit.fit(
            earlier,
            inputs.prepared_of(earlier, [s.copy() for s in series]),
            inputs.schema_of(earlier),
            Silent(),
            SINGLE,
            run_dir=fitted.run_dir / "calibration" / f"origin-{fold.k}",
        )
        made.model.load_state_dict(made.saved["best"]["model_state"])
        for part in ("val", "test"):
            got = conformal.scores(made.model, made.prepared, steps, budget, part)
            if got is not None:
                found.append(got)
                have += len(got[0])
    return found


def _plan(series: list, spec) -> folds.Plan | None:
    """The most rolling-origin folds (up to MAX_ORIGINS earlier ones) the data holds; None if it
    holds no earlier one."""
    for count in range(MAX_ORIGINS + 1, 1, -1):
        try:
            return folds.plan(series, spec, count)
        except RnnCliError:
            continue
    return None
