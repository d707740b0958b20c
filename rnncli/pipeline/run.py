"""A run from its config to its finished folder: train (new, or resumed), then finish.

`train_run` and `resume_run` are what `rnncli train`, `sweep` and `backtest` call: each prepares
the data (`inputs.prepared_of`), trains (`training.fit`, `training.resume`) and, on rank 0,
finishes the run (`finish.finish`: intervals, test scores, summary.json, loss.png); with
`train.refit` the finished run is trained again on every row and that refit becomes its best.pt.
"""

from __future__ import annotations

from pathlib import Path

from rnncli.config import Config
from rnncli.pipeline import inputs


def train_run(
    cfg: Config,
    progress=None,
    group=None,
    run_dir: Path | None = None,
    series: list | None = None,
    keep: bool = False,
    parent: dict | None = None,
):
    """Train `cfg` in a new run folder and finish it: the RunResult (None on the ranks other than 0).
    `group` defaults to torchrun's, if any; a backtest names the folder (`run_dir`), passes the CSV
    it read (`series`, consumed) and asks to `keep` each test window's errors and forecasts; a sweep
    or backtest passes the tracker run its run is a child of (`parent`, `tracking.parent`)."""
    from rnncli.pipeline.tracking import tracking
    from rnncli.training import distributed, fit

    group = group or distributed.setup(cfg.train.device)
    with tracking(_progress(progress, group), cfg, group, parent) as progress:
        prepared = inputs.prepared_of(cfg, series)
        fitted = fit.fit(cfg, prepared, inputs.schema_of(cfg), progress, group, run_dir=run_dir)
        result = None if fitted is None else _finish(fitted, progress, keep)
        if cfg.train.refit:
            _refit(
                cfg,
                group.from_main(None if result is None else str(result.run_dir)),
                group.from_main(None if result is None else result.best_epoch),
                progress,
                group,
            )
    return result


def _refit(cfg: Config, run_dir: str, best_epoch: int, progress, group) -> None:
    """Train the finished run again on every row, for the epochs it chose; the refit becomes its best.pt."""
    from rnncli.errors import Interrupted
    from rnncli.pipeline.finish import adopt_refit
    from rnncli.training import fit

    try:
        refitted = fit.fit_again(
            cfg,
            inputs.prepared_of(cfg),
            inputs.schema_of(cfg),
            best_epoch,
            Path(run_dir) / "refit",
            progress,
            group,
        )
    except Interrupted as exc:  # the refit's own folder is not one to resume: its run is
        raise Interrupted(
            f"{exc.reason} while refitting on every row; the validated run is saved. Finish the refit "
            f"with:\n  rnncli train --resume {run_dir}",
            every_process=exc.every_process,
            reason=exc.reason,
        ) from exc
    if refitted is not None:
        adopt_refit(Path(run_dir), refitted)
        progress.note(f"refit on every row done: {run_dir}/checkpoints/best.pt is the refit")


def _refit_left(run_dir: Path, cfg: Config, progress, group) -> bool:
    """Do a refit that a stop left undone (the run ended, its refit was not adopted): the refit is
    trained again from its start, as it is seeded, into the same folder. False when there is none."""
    import json
    import shutil

    from rnncli.training import resume

    summary = run_dir / "summary.json"
    if not (cfg.train.refit and resume.ended(run_dir)) or "refit" in json.loads(summary.read_text()):
        return False
    if (run_dir / "refit").exists():
        shutil.rmtree(run_dir / "refit")  # rnncli's own, stopped part-way: never a checkpoint in use
        progress.note("removed the refit a stop left part-way; training it again from its start")
    _refit(cfg, str(run_dir), json.loads(summary.read_text())["best_epoch"], progress, group)
    return True


def resume_run(
    run_dir: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    progress=None,
    group=None,
    keep: bool = False,
):
    """Continue the run in `run_dir` from its last.pt and finish it (None on the ranks other than 0)."""
    from rnncli.data import timeseries
    from rnncli.data.prepared import prepare
    from rnncli.pipeline.tracking import tracking
    from rnncli.training import distributed, resume

    payload, cfg = resume.reopen(run_dir, overrides)
    group = group or distributed.setup(cfg.train.device)
    progress = _progress(progress, group)
    if _refit_left(Path(run_dir), cfg, progress, group):
        return None
    schema = inputs.schema_of(cfg)
    prepared = prepare(
        timeseries.load(schema),
        schema,
        inputs.spec_of(cfg),
        resume.scaler_of(payload),
        season=cfg.data.season,
        masked=resume.masked_of(payload),
    )
    with tracking(progress, cfg, group) as progress:
        fitted = resume.resume(run_dir, payload, cfg, prepared, schema, progress, group)
        return None if fitted is None else _finish(fitted, progress, keep)


def _finish(fitted, progress, keep: bool):
    """Finish a trained run; a signal meanwhile says how to finish it later (the trained model is
    saved: `--resume` does only what is left)."""
    from rnncli.pipeline.finish import finish
    from rnncli.training.interrupt import StopNow

    advice = (
        "while the run was finishing (interval calibration, test scores); the trained model is saved. "
        f"Finish the run with:\n  rnncli train --resume {fitted.run_dir}"
    )
    with StopNow(advice):
        return finish(fitted, progress, keep)


def _progress(progress, group):
    """The progress given, on rank 0; the other processes of several say nothing."""
    from rnncli.report.progress import Silent

    return progress if progress is not None and group.main else Silent()
