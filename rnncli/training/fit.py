"""Fit a forecaster to prepared data in a new run folder, or again on every row (a refit).

`fit(cfg, prepared, schema, ...)` builds the model and optimizer from the config's model and
train sections, writes the resolved config.yaml, and runs the epochs (`session.py`) on the data
its caller prepared (split, scaler fitted on the training rows, window views; `pipeline.inputs`).
`resume.py` carries a stopped run on. Both return what they trained (`FitResult`) and stop there:
calibrating intervals, scoring the test split and writing the summary are left to whoever
finishes the run (`pipeline.finish`). Under torchrun every process trains with its `Group`; only
rank 0 writes and gets a result.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnncli.artifacts import checkpoint, run_folder
from rnncli.artifacts.files import write_text
from rnncli.config import Config, to_yaml
from rnncli.data import preflight
from rnncli.data.prepared import Prepared
from rnncli.data.series import Schema
from rnncli.errors import RnnCliError, count
from rnncli.model.ensemble import build
from rnncli.model.forecaster import Forecaster, ModelArgs, count_parameters
from rnncli.training import optimizers
from rnncli.training.distributed import Group
from rnncli.training.failures import raise_if_out_of_memory
from rnncli.training.session import Budget, Progress, Session, train_epochs
from rnncli.training.state import TrainState, fingerprint


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


def fit(
    cfg: Config,
    prepared: Prepared,
    schema: Schema,
    progress: Progress,
    group: Group,
    run_dir: Path | None = None,
) -> FitResult | None:
    """Train per `cfg` on `prepared` (read with `schema`) in a new run folder (None on the ranks
    other than 0 of several processes). A backtest names the exact folder (`run_dir`)."""
    started = time.perf_counter()
    seed_everything(cfg.train.seed)
    device = group.device(cfg.train.device)
    review = preflight.review(prepared)  # the notes and warnings `rnncli check` shows
    try:
        model = build(model_args(cfg, prepared)).to(device)
    except (RuntimeError, MemoryError) as exc:
        raise_if_out_of_memory(exc, device, cfg.train.batch_size, cfg.model.hidden_size)
        raise
    run_dir = _new_run(cfg, group, run_dir)
    cfg = dataclasses.replace(
        cfg, data=dataclasses.replace(cfg.data, path=str(Path(cfg.data.path).resolve()))
    )
    if group.main:
        write_text(run_dir / "config.yaml", to_yaml(cfg))
    run_id = group.from_main(checkpoint.new_run_id())
    session = session_of(cfg, schema, run_dir, device, prepared, model, TrainState(), group, run_id)
    for note in [*prepared.notes, *review.notes, *(f"warning: {w}" for w in review.warnings)]:
        progress.note(note)
    progress.note(
        f"run folder {run_dir}; {count(len(prepared.index('train')), 'training window')} and "
        f"{count(len(prepared.index('val')), 'validation window')}; {_model(cfg)} with "
        f"{count_parameters(model):,} parameters on {device}{_processes(cfg.train.batch_size, group)}"
    )
    train_epochs(session, progress)
    return result_of(cfg, session, started)


def fit_again(
    cfg: Config,
    prepared: Prepared,
    schema: Schema,
    epochs: int,
    run_dir: Path,
    progress: Progress,
    group: Group,
) -> FitResult | None:
    """Train again from the start, for the `epochs` validation chose, on every row of every series
    (the validation and test parts too): what a forecast of the real future is best made from.
    `prepared` is split and scaled as the validated run's was; written to `run_dir` (a new folder)."""
    started = time.perf_counter()
    cfg = dataclasses.replace(
        cfg, train=dataclasses.replace(cfg.train, epochs=epochs, patience=None, refit=False)
    )
    seed_everything(cfg.train.seed)
    device = group.device(cfg.train.device)
    prepared.layout.parts = [(sum(part), 0, 0) for part in prepared.layout.parts]  # every row trains
    model = build(model_args(cfg, prepared)).to(device)
    run_dir = _new_run(cfg, group, run_dir)
    if group.main:
        write_text(run_dir / "config.yaml", to_yaml(cfg))
    run_id = group.from_main(checkpoint.new_run_id())
    session = session_of(cfg, schema, run_dir, device, prepared, model, TrainState(), group, run_id)
    progress.note(
        f"refitting on every row: {count(len(prepared.index('train')), 'window')}, {epochs} epochs (the "
        "best of the validated run)"
    )
    train_epochs(session, progress)
    return result_of(cfg, session, started)


def _new_run(cfg: Config, group: Group, run_dir: Path | None = None) -> Path:
    """Rank 0 makes the run folder and tells the others where it is (or why it could not)."""
    made: Path | str | None = None
    if group.main:
        try:
            made = (
                run_folder.create(cfg.output.dir, cfg.name)
                if run_dir is None
                else run_folder.create_at(run_dir)
            )
        except RnnCliError as exc:
            made = str(exc)
    made = group.from_main(made)
    if isinstance(made, str):
        raise RnnCliError(made)
    return made


def _model(cfg: Config) -> str:
    k = cfg.model.ensemble
    return (
        cfg.model.cell if k == 1 else f"an ensemble of {k} {cfg.model.cell}s (training costs {k} times one)"
    )


def _processes(batch_size: int, group: Group) -> str:
    if not group.several:
        return ""
    return f" in each of {group.world} processes (global batch {batch_size * group.world})"


def session_of(
    cfg: Config,
    schema: Schema,
    run_dir: Path,
    device: torch.device,
    prepared: Prepared,
    model: Forecaster,
    state: TrainState,
    group: Group,
    run_id: str | None,
) -> Session:
    prepared.windows = prepared.windows.to(device)
    optimizer = optimizers.make_optimizer(model, cfg.train)
    generator = torch.Generator(device=device).manual_seed(cfg.train.seed)
    t = cfg.train
    budget = Budget(
        t.epochs,
        t.patience,
        t.batch_size,
        t.clip_grad_norm,
        t.clip_grad_value,
        t.lr,
        t.loss,
        t.steps_per_epoch,
        tuple(cfg.model.quantiles),
        t.checkpoint_every,
    )
    header = checkpoint.Header.of_run(
        model.args, prepared, schema, cfg.to_dict(), fingerprint(prepared.windows.values), run_id
    )
    return Session(
        budget,
        run_dir,
        device,
        prepared,
        model,
        optimizer,
        optimizers.make_scheduler(optimizer, cfg.train),
        generator,
        state,
        header,
        group.wrap(model, device),
        group,
    )


def result_of(cfg: Config, s: Session, started: float) -> FitResult | None:
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
    return ModelArgs(
        input_size=len(prepared.columns),
        n_targets=prepared.n_targets,
        horizon=cfg.window.horizon,
        cell=m.cell,
        hidden_size=m.hidden_size,
        num_layers=m.num_layers,
        nonlinearity=m.nonlinearity,
        dropout=m.dropout,
        many_to_many=cfg.window.mode == "many_to_many",
        future_size=cfg.window.horizon * prepared.windows.n_known,
        normalize=m.normalize,
        normalized_columns=prepared.n_values,
        segment=m.segment or 0,
        masked=prepared.masked,
        ensemble=m.ensemble,
        quantiles=tuple(m.quantiles),
        causal_future=bool(cfg.data.future_features),
    )
