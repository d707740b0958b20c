"""Fit a forecaster to the config's data and write its run folder; or resume one exactly.

`fit(cfg)` is the one place that unpacks a new config: it prepares the data (split, scaler fitted on
the training rows, window views), builds the model and optimizer, runs the epochs (train, validate,
schedule, checkpoint, stop early), then scores the best checkpoint on the test split beside the
baselines and writes `summary.json`. `resume(run)` rebuilds the same state from the run's
`last.pt`, random states included, and carries on as if never stopped. The epochs themselves are
run by `epochs.py`. Under torchrun every process runs `fit` with its `Group`; only rank 0 writes
the run folder, scores and returns a result.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnncli import config
from rnncli.artifacts import checkpoint, runs
from rnncli.artifacts.files import write_text
from rnncli.config import Config, to_yaml
from rnncli.data import preflight
from rnncli.data.prepared import Prepared, from_config, prepare, schema_of, spec_of
from rnncli.data.scaling import Scaler
from rnncli.errors import RnnCliError
from rnncli.evaluation import intervals, scoring
from rnncli.model.forecaster import Forecaster, ModelArgs, count_parameters
from rnncli.report import plots
from rnncli.report.progress import Progress, Silent
from rnncli.training import distributed, epochs, optimizers
from rnncli.training.distributed import SINGLE, Group
from rnncli.training.epochs import Session
from rnncli.training.state import TrainState, fingerprint, restore_rng

MIN_FORECASTS = 20_000  # forecasts interval calibration may always make: every window of a small validation part

# What may change when a run is resumed; anything else would change the model, the data or the
# optimisation already done, so the resumed run would not be the run that was started.
RESUMABLE = ("train.epochs", "train.patience", "train.device")


@dataclass
class FitResult:
    run_dir: Path
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    best_val_loss: float
    test: dict
    seconds: float
    device: str
    extras: dict | None = None  # with extras=True: each window's errors and the one-step forecasts of the test split


def fit(cfg: Config, progress: Progress | None = None, group: Group | None = None, run_dir: Path | None = None,
        series: list | None = None, extras: bool = False) -> FitResult | None:
    """Train per `cfg` in a new run folder; return where it was written and how it scored
    (None on the ranks other than 0 of several processes). `group` defaults to torchrun's, if any.
    A backtest names the exact folder (`run_dir`), passes the CSV it read once (`series`), and
    asks for each test window's errors (`extras`)."""
    started = time.perf_counter()
    group = group or distributed.setup(cfg.train.device)
    progress = progress if progress is not None and group.main else Silent()
    seed_everything(cfg.train.seed)
    device = group.device(cfg.train.device)
    prepared = from_config(cfg, series)
    warnings = preflight.review(prepared).warnings  # the warnings `rnncli check` shows
    try:
        model = Forecaster(_model_args(cfg, prepared)).to(device)
    except (RuntimeError, MemoryError) as exc:
        epochs.raise_if_out_of_memory(exc, cfg, device)
        raise
    run = _new_run(cfg, group, run_dir)
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=str(Path(cfg.data.path).resolve())))
    if group.main:
        write_text(run / "config.yaml", to_yaml(cfg))
    session = _session(cfg, run, device, prepared, model, TrainState(), group)
    for note in prepared.notes:
        progress.note(note)
    for warning in warnings:
        progress.note(f"warning: {warning}")
    progress.note(f"run folder {run}; {len(prepared.index('train'))} training and {len(prepared.index('val'))} validation windows; "
                  f"{cfg.model.cell} with {count_parameters(model):,} parameters on {device}{_processes(cfg, group)}")
    del prepared  # the session holds the data now, and lets it go before the end
    epochs.run(session, progress)
    return _finish(session, time.perf_counter() - started, progress, extras) if group.main else None


def _new_run(cfg: Config, group: Group, run_dir: Path | None = None) -> Path:
    """Rank 0 makes the run folder and tells the others where it is (or why it could not)."""
    made: Path | str | None = None
    if group.main:
        try:
            made = runs.create(cfg.output.dir, cfg.name) if run_dir is None else runs.create_at(run_dir)
        except RnnCliError as exc:
            made = str(exc)
    made = group.from_main(made)
    if isinstance(made, str):
        raise RnnCliError(made)
    return made


def _processes(cfg: Config, group: Group) -> str:
    if not group.several:
        return ""
    return f" in each of {group.world} processes (global batch {cfg.train.batch_size * group.world})"


def resume(run: str | Path, overrides: list[str] | tuple[str, ...] = (), progress: Progress | None = None,
           group: Group | None = None, extras: bool = False) -> FitResult | None:
    """Continue the run in folder `run` from its last.pt, appending to its metrics.csv (None on the
    ranks other than 0 of several processes; with several nodes the folder must be on shared storage)."""
    started = time.perf_counter()
    run = Path(run)
    last = runs.checkpoint_path(run, "last")
    if not last.is_file():
        raise RnnCliError(f"cannot resume '{run}': it has no checkpoints/last.pt (give a run folder made by 'rnncli train')")
    payload = checkpoint.load(last)  # on the CPU; each piece moves to the training device below
    cfg, changed = config.with_overrides(config.from_dict(payload["config"], source=str(last)), overrides)
    refused = [k for k in changed if k not in RESUMABLE]
    if refused:
        raise RnnCliError(f"{refused[0]} cannot change when resuming: it changes the model, the data or the optimisation already done; "
                          f"only {', '.join(RESUMABLE)} can (start a new run to change it)")
    group = group or distributed.setup(cfg.train.device)
    progress = progress if progress is not None and group.main else Silent()
    if group.main:
        runs.check_writable(run)
    device = group.device(cfg.train.device)
    prepared = prepare(schema_of(cfg), spec_of(cfg), Scaler.from_state(payload["scaler"]), season=cfg.data.season)
    state = TrainState.from_dict(payload["train_state"])
    if state.partial is not None and group.several:
        raise RnnCliError(f"run '{run}' stopped part-way through epoch {state.partial.epoch} in one process; resume it in one process "
                          f"(rnncli train --resume {run}), which finishes that epoch, then go on with several")
    session = _session(cfg, run, device, prepared, checkpoint.build_model(payload).to(device), state, group)
    if session.data_digest != payload["data_digest"]:
        raise RnnCliError(f"cannot resume '{run}': its data ({cfg.data.path}) changed since the run started; start a new run")
    if epochs.finished(session):
        raise RnnCliError(f"run '{run}' is finished ({state.epoch} of {cfg.train.epochs} epochs"
                          + (", stopped early" if state.stopped_early else "") + "); raise train.epochs (or train.patience) to go on")
    session.optimizer.load_state_dict(payload["optimizer_state"])
    if session.scheduler is not None:
        session.scheduler.load_state_dict(payload["scheduler_state"])
    if not restore_rng(payload["rng"], session.generator):
        progress.note("resumed on another device: the batch order differs from the original run")
    session.state.stopped_early = False
    if group.main:
        runs.write_metrics(run, state.history)  # drops any row written after last.pt
        write_text(run / "config.yaml", to_yaml(cfg))
    where = f", batch {state.partial.batches + 1}" if state.partial else ""
    progress.note(f"resuming {run} at epoch {state.epoch + 1} of {cfg.train.epochs}{where}")
    epochs.run(session, progress)
    return _finish(session, time.perf_counter() - started, progress, extras) if group.main else None


def _session(cfg: Config, run: Path, device: torch.device, prepared: Prepared, model: Forecaster, state: TrainState,
             group: Group = SINGLE) -> Session:
    prepared.windows = prepared.windows.to(device)
    optimizer = optimizers.make_optimizer(model, cfg.train)
    generator = torch.Generator(device=device).manual_seed(cfg.train.seed)
    return Session(cfg, run, device, prepared, model, optimizer, optimizers.make_scheduler(optimizer, cfg.train), generator, state,
                   fingerprint(prepared.windows.values), group.wrap(model, device), group)


def _finish(s: Session, seconds: float, progress: Progress, extras: bool = False) -> FitResult:
    """Calibrate prediction intervals for last.pt and best.pt, score the best on the test split,
    write summary.json."""
    interval = intervals.for_scoring(_calibrate(s, progress), s.cfg.predict.coverage)
    test = scoring.score(s.model, s.prepared, "test", interval, keep_forecasts=extras, keep_errors=extras)
    kept = {key: test.pop(key) for key in ("forecasts", "window_errors") if key in test}
    state, cfg = s.state, s.cfg
    runs.write_summary(s.run, {
        "name": cfg.name, "run_dir": str(s.run), "best_epoch": state.best_epoch, "epochs_run": state.epoch,
        "stopped_early": state.stopped_early, "val": {"loss": state.best_loss, "mae": state.history[state.best_epoch - 1]["val_mae"]},
        "test": test, "train_seconds": round(sum(r["seconds"] for r in state.history), 3), "wall_seconds": round(seconds, 3),
        "device": str(s.device), "processes": s.group.world, "parameters": count_parameters(s.model),
        "data": {"rows": sum(len(t) for t in s.prepared.times), "filled": s.prepared.filled, "frequency": s.prepared.frequency,
                 "windows": {split: len(s.prepared.index(split)) for split in ("train", "val", "test")}},
        "versions": checkpoint.versions(),
    })
    s.prepared = None  # a long series need not sit in memory while the plot is drawn
    plots.loss(state.history, s.run / "loss.png", f"{cfg.name}: loss per epoch")
    return FitResult(s.run, state.best_epoch, state.epoch, state.stopped_early, state.best_loss, test, seconds, str(s.device), kept or None)


def _calibrate(s: Session, progress: Progress) -> dict:
    """Calibrate the intervals of last.pt, then of best.pt (whose weights the model keeps), and
    store each in its checkpoint; once for both when the last epoch was the best. Returns best's.

    Intervals are calibrated `max(horizon, min(season, validation rows))` steps ahead. Their cost
    is bounded by a budget of half an epoch's training windows in forecasts (each a forward pass,
    about a third of a training step), but never less than MIN_FORECASTS.
    """
    horizon = s.cfg.window.horizon
    steps = max(horizon, min(s.prepared.season, max(n_val for _, n_val, _ in s.prepared.layout.parts)))
    budget = max(MIN_FORECASTS, len(s.prepared.index("train")) // 2)
    same = s.state.best_epoch == s.state.epoch  # then best.pt and last.pt hold the same weights
    calibration = None
    for name in ("best",) if same else ("last", "best"):
        payload = checkpoint.load(runs.checkpoint_path(s.run, name))
        s.model.load_state_dict(payload["model_state"])
        which = "" if same else f" of the {name} epoch"
        payload["conformal"] = calibration = (_calibrate_one(s, steps, budget, progress, which)
                                              or _calibrate_one(s, horizon, budget, progress, which))
        for target in ("best", "last") if same else (name,):
            checkpoint.save(runs.checkpoint_path(s.run, target), payload)
    return calibration


def _calibrate_one(s: Session, steps: int, budget: int, progress: Progress, which: str) -> dict | None:
    n = intervals.window_count(s.prepared, steps, s.cfg.window.horizon, budget)
    if not n:
        return None
    with progress.stage(f"calibrating prediction intervals{which} on {n:,} validation windows, {steps} steps ahead", n) as advance:
        return intervals.calibrate(s.model, s.prepared, steps, budget, advance)


def seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _model_args(cfg: Config, prepared: Prepared) -> ModelArgs:
    m = cfg.model
    return ModelArgs(input_size=len(prepared.columns), n_targets=prepared.n_targets, horizon=cfg.window.horizon, cell=m.cell,
                     hidden_size=m.hidden_size, num_layers=m.num_layers, nonlinearity=m.nonlinearity, dropout=m.dropout,
                     many_to_many=cfg.window.mode == "many_to_many", future_size=cfg.window.horizon * prepared.windows.n_calendar,
                     normalize=m.normalize, normalized_columns=len(prepared.columns) - prepared.windows.n_calendar, segment=m.segment or 0)


