"""Fit a forecaster to a config's data in a new run folder, or resume one exactly.

`fit(cfg, ...)` is the one place that unpacks a new config for training: it prepares the data
(split, scaler fitted on the training rows, window views), builds the model and optimizer, writes
the resolved config.yaml, and runs the epochs (`session.py`). `resume(...)` rebuilds the same
state from the run's `last.pt` (read by `reopen`), random states included, and carries on as if
never stopped.
Both return what they trained (`FitResult`) and stop there: calibrating intervals, scoring the
test split and writing the summary are left to whoever finishes the run (`experiments.finish`).
Under torchrun every process trains with its `Group`; only rank 0 writes and gets a result.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnncli import config
from rnncli.artifacts import checkpoint, runs
from rnncli.artifacts.files import clean_stale_temporaries, write_text
from rnncli.config import Config, to_yaml
from rnncli.data import preflight
from rnncli.data.prepared import Prepared, from_config, prepare, schema_of, spec_of
from rnncli.data.scaling import Scaler
from rnncli.errors import RnnCliError
from rnncli.model.ensemble import build
from rnncli.model.forecaster import Forecaster, ModelArgs, count_parameters
from rnncli.training import optimizers
from rnncli.training.distributed import Group
from rnncli.training.session import Budget, Progress, Session, finished, raise_if_out_of_memory, train_epochs
from rnncli.training.state import TrainState, fingerprint, restore_rng

# What may change when a run is resumed; anything else would change the model, the data or the
# optimisation already done, so the resumed run would not be the run that was started.
RESUMABLE = ("train.epochs", "train.patience", "train.device")


@dataclass
class FitResult:
    """What training made: the model (last epoch's weights), its data, its state, the checkpoints."""

    cfg: Config
    run_dir: Path
    model: Forecaster
    prepared: Prepared
    state: TrainState
    saved: dict[str, dict]  # "best" and "last": the checkpoint payloads as written
    device: torch.device
    processes: int
    started: float  # time.perf_counter() when the command began


def fit(cfg: Config, progress: Progress, group: Group, run_dir: Path | None = None, series: list | None = None) -> FitResult | None:
    """Train per `cfg` in a new run folder (None on the ranks other than 0 of several processes).
    A backtest names the exact folder (`run_dir`) and passes the CSV it read (`series`, consumed)."""
    started = time.perf_counter()
    seed_everything(cfg.train.seed)
    device = group.device(cfg.train.device)
    prepared = from_config(cfg, series)
    review = preflight.review(prepared)  # the notes and warnings `rnncli check` shows
    try:
        model = build(model_args(cfg, prepared)).to(device)
    except (RuntimeError, MemoryError) as exc:
        raise_if_out_of_memory(exc, device, cfg.train.batch_size, cfg.model.hidden_size)
        raise
    run_dir = _new_run(cfg, group, run_dir)
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=str(Path(cfg.data.path).resolve())))
    if group.main:
        write_text(run_dir / "config.yaml", to_yaml(cfg))
    session = _session(cfg, run_dir, device, prepared, model, TrainState(), group, group.from_main(checkpoint.new_run_id()))
    for note in [*prepared.notes, *review.notes, *(f"warning: {w}" for w in review.warnings)]:
        progress.note(note)
    progress.note(f"run folder {run_dir}; {len(prepared.index('train'))} training and {len(prepared.index('val'))} validation windows; "
                  f"{_model(cfg)} with {count_parameters(model):,} parameters on {device}{_processes(cfg.train.batch_size, group)}")
    train_epochs(session, progress)
    return _result(cfg, session, started)


def fit_again(cfg: Config, epochs: int, run_dir: Path, progress: Progress, group: Group) -> FitResult | None:
    """Train again from the start, for the `epochs` validation chose, on every row of every series
    (the validation and test parts too): what a forecast of the real future is best made from.
    The data is prepared and scaled as the validated run's was; written to `run_dir` (a new folder)."""
    started = time.perf_counter()
    cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=epochs, patience=None, refit=False))
    seed_everything(cfg.train.seed)
    device = group.device(cfg.train.device)
    prepared = from_config(cfg)
    prepared.layout.parts = [(sum(part), 0, 0) for part in prepared.layout.parts]  # every row trains; nothing validates
    model = build(model_args(cfg, prepared)).to(device)
    run_dir = _new_run(cfg, group, run_dir)
    if group.main:
        write_text(run_dir / "config.yaml", to_yaml(cfg))
    session = _session(cfg, run_dir, device, prepared, model, TrainState(), group, group.from_main(checkpoint.new_run_id()))
    progress.note(f"refitting on every row: {len(prepared.index('train'))} windows, {epochs} epochs (the best of the validated run)")
    train_epochs(session, progress)
    return _result(cfg, session, started)


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


def _model(cfg: Config) -> str:
    k = cfg.model.ensemble
    return cfg.model.cell if k == 1 else f"an ensemble of {k} {cfg.model.cell}s (training costs {k} times one)"


def _processes(batch_size: int, group: Group) -> str:
    if not group.several:
        return ""
    return f" in each of {group.world} processes (global batch {batch_size * group.world})"


def reopen(run_dir: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> tuple[dict, Config]:
    """A run to resume: its last.pt and its config with the overrides a resume allows."""
    last = checkpoint.path(run_dir, "last")
    if not last.is_file():
        raise RnnCliError(f"cannot resume '{run_dir}': it has no checkpoints/last.pt (give a run folder made by 'rnncli train')")
    payload = checkpoint.load(last)  # on the CPU; each piece moves to the training device below
    checkpoint.check_belongs(last, payload)
    return payload, _resumed_config(payload, overrides, last)


def resume(run_dir: str | Path, payload: dict, cfg: Config, progress: Progress, group: Group) -> FitResult | None:
    """Continue the run in `run_dir` from its last.pt (`reopen`), appending to its metrics.csv (None
    on the ranks other than 0 of several processes; with several nodes the folder must be on shared storage)."""
    started = time.perf_counter()
    run_dir = Path(run_dir)
    if group.main:
        runs.check_writable(run_dir)
        for stale in [*clean_stale_temporaries(run_dir), *clean_stale_temporaries(run_dir / "checkpoints")]:
            progress.note(f"removed {stale.name}, left by a write that was killed part-way")
    device = group.device(cfg.train.device)
    prepared = prepare(schema_of(cfg), spec_of(cfg), Scaler.from_dict(payload["scaler"]), season=cfg.data.season,
                       masked=bool(payload["model_args"].get("masked", False)))
    state = TrainState.from_dict(payload["train_state"])
    if state.partial is not None and group.several:
        raise RnnCliError(f"run '{run_dir}' stopped part-way through epoch {state.partial.epoch} in one process; resume it in one "
                          f"process (rnncli train --resume {run_dir}), which finishes that epoch, then go on with several")
    session = _session(cfg, run_dir, device, prepared, checkpoint.build_model(payload).to(device), state, group, payload.get("run_id"))
    _check_resumable(session, payload, state)
    session.optimizer.load_state_dict(payload["optimizer_state"])
    if session.scheduler is not None:
        session.scheduler.load_state_dict(payload["scheduler_state"])
    if not restore_rng(payload["rng"], session.generator):
        progress.note("resumed on another device: the batch order differs from the original run")
    session.state.stopped_early = False
    if group.main:
        best = checkpoint.path(run_dir, "best")
        session.saved = {"last": payload, **({"best": checkpoint.load(best)} if best.is_file() else {})}
        runs.write_metrics(run_dir, state.history)  # drops any row written after last.pt
        write_text(run_dir / "config.yaml", to_yaml(cfg))
    where = f", batch {state.partial.batches + 1}" if state.partial else ""
    progress.note(f"resuming {run_dir} at epoch {state.epoch + 1} of {cfg.train.epochs}{where}")
    train_epochs(session, progress)
    return _result(cfg, session, started)


def _resumed_config(payload: dict, overrides: list[str] | tuple[str, ...], source: Path) -> Config:
    cfg, changed = config.with_overrides(config.from_dict(payload["config"], source=str(source)), overrides)
    refused = [k for k in changed if k not in RESUMABLE]
    if refused:
        raise RnnCliError(f"{refused[0]} cannot change when resuming: it changes the model, the data or the optimisation already done; "
                          f"only {', '.join(RESUMABLE)} can (start a new run to change it)")
    return cfg


def _check_resumable(session: Session, payload: dict, state: TrainState) -> None:
    run_dir, cfg = session.run_dir, session.header.config
    if session.header.data_digest != payload["data_digest"]:
        raise RnnCliError(f"cannot resume '{run_dir}': its data ({cfg['data']['path']}) changed since the run started; start a new run")
    if finished(session):
        raise RnnCliError(f"run '{run_dir}' is finished ({state.epoch} of {cfg['train']['epochs']} epochs"
                          + (", stopped early" if state.stopped_early else "") + "); raise train.epochs (or train.patience) to go on")


def _session(cfg: Config, run_dir: Path, device: torch.device, prepared: Prepared, model: Forecaster, state: TrainState,
             group: Group, run_id: str | None) -> Session:
    prepared.windows = prepared.windows.to(device)
    optimizer = optimizers.make_optimizer(model, cfg.train)
    generator = torch.Generator(device=device).manual_seed(cfg.train.seed)
    t = cfg.train
    budget = Budget(t.epochs, t.patience, t.batch_size, t.clip_grad_norm, t.clip_grad_value, t.lr, t.loss, t.steps_per_epoch,
                    tuple(cfg.model.quantiles))
    header = checkpoint.Header.of_run(model.args, prepared, schema_of(cfg), cfg.to_dict(), fingerprint(prepared.windows.values), run_id)
    return Session(budget, run_dir, device, prepared, model, optimizer, optimizers.make_scheduler(optimizer, cfg.train), generator, state,
                   header, group.wrap(model, device), group)


def _result(cfg: Config, s: Session, started: float) -> FitResult | None:
    if not s.group.main:
        return None
    return FitResult(cfg, s.run_dir, s.model, s.prepared, s.state, s.saved, s.device, s.group.world, started)


def seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def model_args(cfg: Config, prepared: Prepared) -> ModelArgs:
    """The model a config asks for, sized to its prepared data."""
    m = cfg.model
    return ModelArgs(input_size=len(prepared.columns), n_targets=prepared.n_targets, horizon=cfg.window.horizon, cell=m.cell,
                     hidden_size=m.hidden_size, num_layers=m.num_layers, nonlinearity=m.nonlinearity, dropout=m.dropout,
                     many_to_many=cfg.window.mode == "many_to_many", future_size=cfg.window.horizon * prepared.windows.n_calendar,
                     normalize=m.normalize, normalized_columns=prepared.n_values, segment=m.segment or 0, masked=prepared.masked,
                     ensemble=m.ensemble, quantiles=tuple(m.quantiles))
