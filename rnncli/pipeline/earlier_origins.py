"""The run's config trained again at earlier origins, for data whose validation part holds too few
windows to rest its choices on.

A monthly series of 100 rows validates on 10: a window or two, no conformal quantile at 90%
(which needs 9 scores), and no evidence to choose what to serve. Here the run's own config is
trained again at earlier origins (the backtest's rolling-origin folds, `folds.plan`, one test
stretch apart, the last of them the run's own split), each copy on the rows before its origin
only; each then forecasts the validation and test stretches after its training part: out-of-sample
errors of the same model, trained the same way on less data, beside every classical method fitted
on the same rows. The copies are kept in the run folder's calibration/.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from rnncli.data import folds, timeseries
from rnncli.errors import RnnCliError
from rnncli.pipeline import inputs
from rnncli.training import fit
from rnncli.training.distributed import SINGLE

MAX_ORIGINS = 12  # earlier trainings a run may add at most


def trainings(fitted: fit.FitResult, progress) -> Iterator[fit.FitResult]:
    """The run's config trained at each earlier origin the data holds, the latest first (the
    caller stops when it has enough); its best epoch's weights loaded."""
    from rnncli.report.progress import Silent

    cfg = fitted.cfg
    series = timeseries.load(inputs.schema_of(cfg))
    plan = _plan(series, dataclasses.replace(inputs.spec_of(cfg), borders=fitted.prepared.spec.borders))
    if plan is None:
        return
    for fold in reversed(plan.folds[:-1]):  # the last fold is the run's own split
        progress.note(
            f"training again on the rows before {fold.spans['val'][0]}, for windows at an earlier origin"
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
        yield made


def _plan(series: list, spec) -> folds.Plan | None:
    """The most rolling-origin folds (up to MAX_ORIGINS earlier ones) the data holds; None if it
    holds no earlier one."""
    for count in range(MAX_ORIGINS + 1, 1, -1):
        try:
            return folds.plan(series, spec, count, shorten=False)  # each copy the run's own window
        except RnnCliError:
            continue
    return None
