"""`rnncli evaluate RUN`: score the model on a split beside the baselines, in real units, with the
coverage and width of its intervals and a verdict."""

from __future__ import annotations

from pathlib import Path

from rnncli.artifacts.files import check_outputs, refuse_overwriting
from rnncli.artifacts.trained import open_trained
from rnncli.errors import RnnCliError
from rnncli.evaluation.scores import Scores

SPLITS = ("test", "val", "train", "all")


def evaluate(
    run: str | Path,
    data_path: str | Path | None = None,
    split: str = "test",
    which: str = "best",
    coverage: float | None = None,
    output: Path | None = None,
    plot: Path | None = None,
    force: bool = False,
) -> Scores:
    """Metrics of the model and the baselines on every window of `split`, in real units, and the
    coverage and width of the prediction intervals (at the run's predict.coverage by default);
    written as JSON to `output` and drawn into the PNG `plot` when asked for."""
    from rnncli.evaluation import comparison, scoring, verdict
    from rnncli.evaluation.selection import Selection

    if split not in SPLITS:
        raise RnnCliError(f"--split must be one of {', '.join(SPLITS)}; got {split!r}")
    check_outputs(output, plot)
    trained = open_trained(run, which, data_path)
    refuse_overwriting((output, plot), trained.inputs(), force)
    prepared = trained.prepare()
    scores = scoring.score_with(
        trained.model,
        prepared,
        split,
        trained.served_calibration,
        trained.coverage(coverage),
        keep_forecasts=plot is not None,
        keep_errors=True,
        online_step=trained.online_step,
        selection=Selection.from_dict(trained.selection),
    )
    for one in scores.forecasts or []:
        one["time_column"] = trained.schema.time_column
    scores.metrics.update(checkpoint=str(trained.path), data=trained.schema.path)
    scores.warnings = [*prepared.warnings, *scores.warnings]
    metrics, block = scores.metrics, max(scores.metrics["horizon"], trained.season)
    compared = comparison.compare(
        [metrics], [scores.window_errors], block, window_series=[scores.window_series], part=f"{split} split"
    )
    scores.verdict = verdict.lines(
        metrics, f"{split} split", trained.payload["config"], trained.season, compared
    )
    _write(scores, output, plot)
    return scores


def _write(scores: Scores, output: Path | None, plot: Path | None) -> None:
    from rnncli.artifacts.files import write_json
    from rnncli.report import plots

    if output is not None:
        write_json(output, scores.metrics)
    if plot is not None:
        plots.evaluation(scores, plot)
