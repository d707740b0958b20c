"""`rnncli backtest`: rolling-origin evaluation, so the comparison with the baselines rests on several
test stretches instead of one.

The CSV is read and checked once; `folds.plan` cuts it into K folds. With refitting (the default)
each fold is an ordinary run (`pipeline.run`) in `<output.dir>/<name>/backtest-<stamp>/fold-<k>/`,
trained on everything before its validation and test stretches (scaler and linear AR fitted on
that fold's training part alone) and scored on its test stretch. Without refitting, fold 1 is
trained and its model, with its scaler and its linear AR, is scored at every origin.
`backtest.json` and `backtest.csv` beside the folds hold each fold's scores, their mean and
standard deviation over folds, and the comparison with the best baseline (`backtest_folds.combine`).
A stopped backtest keeps its finished folds and resumes where it stopped (`--resume`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnncli import config
from rnncli.artifacts import run_folder
from rnncli.artifacts.files import BACKTEST_PLAN, check_outputs, refuse_overwriting, write_json, write_text
from rnncli.config import Config
from rnncli.data import folds, timeseries
from rnncli.data.folds import Plan
from rnncli.errors import RnnCliError, clip
from rnncli.evaluation import verdict
from rnncli.pipeline import backtest_folds, inputs
from rnncli.pipeline.backtest_folds import FoldResult, copies

STATE = BACKTEST_PLAN


@dataclass
class Backtest:
    backtest_dir: Path
    plan: Plan
    refit: bool
    results: list[FoldResult]
    scores: dict  # what backtest.json holds (`backtest_folds.combine`)
    time_column: str = "time"


@dataclass(frozen=True)
class Request:
    """What `rnncli backtest` was asked: a new backtest (a config, overrides, folds, step, refit) or
    `resume` of one, which takes everything from its folder."""

    config_path: str | None
    overrides: list[str]
    folds: int | None = None  # None: DEFAULT_FOLDS
    step: int | None = None  # None: the test part's length
    refit: bool | None = None  # None: refit
    resume: Path | None = None


DEFAULT_FOLDS = 5


def execute(
    request: Request,
    nproc: int,
    flags: list[str],
    progress,
    output: Path | None = None,
    plot: Path | None = None,
    force: bool = False,
) -> Backtest | int | None:
    """What `rnncli backtest` does: plan (or reopen) the backtest, then run it here; or train it in
    `nproc` processes, started on the planned folder as for a resumed backtest, and then score the
    finished folds here. The exit code of those processes when they failed. The JSON `output` and
    the PNG `plot`, when asked for, may not replace the config, the data or a file of the backtest."""
    import os

    from rnncli.report.progress import Silent
    from rnncli.training import distributed

    if nproc < 1:
        raise RnnCliError(f"--nproc must be at least 1, got {nproc}")
    check_outputs(output, plot)
    cfg, backtest_dir, plan, refit, series = _planned(request)
    refuse_overwriting((output, plot), _protected(request, cfg, backtest_dir), force)
    if nproc > 1 and "WORLD_SIZE" not in os.environ:
        code = distributed.launch(nproc, ["--resume", str(backtest_dir), *flags], command="backtest")
        if code:
            return code
        # every fold is trained now: this process scores them from their run folders, reports and plots
    group = distributed.setup(cfg.train.device)
    try:
        result = run_folds(
            cfg, backtest_dir, plan, refit, series, progress if group.main else Silent(), group
        )
    except RnnCliError as exc:
        distributed.teardown(orderly=exc.every_process)
        raise
    distributed.teardown()
    if result is not None:
        _write(result, output, plot)
    return result


def _write(result: Backtest, output: Path | None, plot: Path | None) -> None:
    from rnncli.report import plots

    if output is not None:
        write_json(output, result.scores)
    if plot is not None:
        plots.backtest(result, plot)


def _planned(request: Request) -> tuple[Config, Path, Plan, bool, list]:
    """A new backtest planned, or a stopped one reopened; refused when a resume is given settings of its
    own."""
    if request.resume is not None:
        given = [
            name
            for name, value in (
                ("a config file", request.config_path),
                ("KEY=VALUE overrides", request.overrides or None),
                ("--folds", request.folds),
                ("--step", request.step),
                ("--refit/--no-refit", request.refit),
            )
            if value is not None
        ]
        if given:
            raise RnnCliError(
                "--resume takes the config, folds, step and refit from the backtest folder, but "
                f"{given[0]} was given too; "
                "give only --resume FOLDER (or start a new backtest with those settings)"
            )
        cfg, plan, refit, series = reopen(request.resume)
        return cfg, Path(request.resume), plan, refit, series
    if request.config_path is None:
        raise RnnCliError(
            "give a config file (rnncli backtest configs/seattle_temp_max.yaml) or --resume FOLDER"
        )
    count = DEFAULT_FOLDS if request.folds is None else request.folds
    refit = True if request.refit is None else request.refit
    cfg, backtest_dir, plan, series = start(
        request.config_path, request.overrides, count, request.step, refit
    )
    return cfg, backtest_dir, plan, refit, series


def _protected(request: Request, cfg: Config, backtest_dir: Path) -> dict[Path, str]:
    files = {
        Path(cfg.data.path): "the backtest's data",
        backtest_dir / STATE: "a file of the backtest",
        backtest_dir / "backtest.json": "a file of the backtest",
        backtest_dir / "backtest.csv": "a file of the backtest",
    }
    if request.config_path is not None:
        files[Path(request.config_path)] = "the backtest's config"
    for fold in backtest_dir.glob("fold-*"):
        files.update(run_folder.protected(fold))
    return files


def start(
    config_path: str | Path, overrides: list[str], count: int, step: int | None, refit: bool
) -> tuple[Config, Path, Plan, list]:
    """Check everything before any training: the config, the data (read once), the folds; then
    make the backtest folder and record the plan in it."""
    resolved = inputs.resolve(config.load(config_path, overrides))  # the keys it leaves out, from its data
    cfg = resolved.cfg
    series = resolved.series if resolved.series is not None else timeseries.load(inputs.schema_of(cfg))
    plan = folds.plan(series, inputs.spec_of(cfg), count, step)
    backtest_dir = run_folder.new_folder(Path(cfg.output.dir) / cfg.name, "backtest-", "backtest")
    cfg = config.with_overrides(cfg, [f"data.path={Path(cfg.data.path).resolve()}"])[0]
    write_json(
        backtest_dir / STATE,
        {
            "config": cfg.to_dict(),
            "folds": count,
            "step": plan.step,
            "refit": refit,
            "borders": [f.borders.as_list() for f in plan.folds],
        },
    )
    return cfg, backtest_dir, plan, series


def reopen(backtest_dir: Path) -> tuple[Config, Plan, bool, list]:
    """A stopped backtest's config, plan and data, to finish it."""
    import json

    state_path = Path(backtest_dir) / STATE
    if not state_path.is_file():
        raise RnnCliError(
            f"'{backtest_dir}' is not a backtest folder (no {STATE}); give the backtest-<stamp> folder a "
            "backtest made"
        )
    try:
        state = json.loads(state_path.read_text())
        cfg = config.from_dict(state["config"], source=str(state_path))
        count, step, refit, borders = (
            int(state["folds"]),
            int(state["step"]),
            bool(state["refit"]),
            state["borders"],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RnnCliError(
            f"'{state_path}' is damaged ({type(exc).__name__}: {clip(str(exc))}), so the stopped backtest "
            "cannot be finished; start a new backtest"
        ) from None
    series = timeseries.load(inputs.schema_of(cfg))
    plan = folds.plan(series, inputs.spec_of(cfg), count, step)
    if [f.borders.as_list() for f in plan.folds] != borders:
        raise RnnCliError(
            f"the data of '{backtest_dir}' changed since the backtest started ({cfg.data.path}); start a "
            "new backtest"
        )
    return cfg, plan, refit, series


def run_folds(
    cfg: Config, backtest_dir: Path, plan: Plan, refit: bool, series: list, progress, group=None
) -> Backtest | None:
    """Train and score every fold in turn (finished folds of a resumed backtest are scored again
    from their run folders); None on the processes other than rank 0 of several. Each fold gets
    its own copy of the series read once."""
    from rnncli.pipeline import tracking

    results, first = [], None
    shortened = [line for fold in plan.folds if (line := fold.shortened(cfg.window.lookback))]
    parent = tracking.parent(cfg, backtest_dir, "backtest", progress) if group is None or group.main else None
    for fold in plan.folds:
        progress.fold(fold.k, len(plan.folds))
        if fold.shortened(cfg.window.lookback):
            progress.note(f"warning: {fold.shortened(cfg.window.lookback)}")
        if refit or fold.k == 1:
            result = backtest_folds.trained(
                cfg, backtest_dir, fold, series, progress, group, len(plan.folds), parent
            )
        elif results:  # rank 0 scores the first fold's model at this origin
            first = first or backtest_folds.first_fold(backtest_dir / "fold-1", copies(series))
            result = backtest_folds.without_refit(*first, fold, copies(series))
        else:
            result = None
        if result is not None:
            results.append(result)
    if not results:
        return None
    scores = backtest_folds.combine(results, refit)
    scores["shortened"] = shortened
    if scores["network"]["verdict"].startswith("worse"):  # what would most likely make the network win
        scores["network"]["advice"] = verdict.advice(cfg.to_dict(), results[0].scores.metrics["season"])
    tracking.end_parent(parent, tracking.backtest_scores(scores), progress)
    write_json(backtest_dir / "backtest.json", scores)
    write_text(backtest_dir / "backtest.csv", backtest_folds.to_csv(scores))
    return Backtest(backtest_dir, plan, refit, results, scores, cfg.data.time_column)
