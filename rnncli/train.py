"""Fit a forecaster to the config's data and write its run folder; or resume one exactly.

`fit(cfg)` is the one place that unpacks a new config: it prepares the data (split, scaler fitted on
the training rows, window views), builds the model and optimizer, runs the epochs (train, validate,
schedule, checkpoint, stop early), then scores the best checkpoint on the test split beside the
baselines and writes `summary.json`. `resume(run)` rebuilds the same state from the run's
`last.pt`, random states included, and carries on as if never stopped.

Every epoch ends by writing metrics.csv, best.pt (on improvement) and last.pt, each atomically. A
first SIGINT / SIGTERM stops after the current batch and saves the part-epoch in last.pt.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnncli import checkpoint, config, device as devices, loop, runs, scoring, timegrid
from rnncli.check import preflight, schema_of, spec_of
from rnncli.config import Config, TrainConfig, to_yaml
from rnncli.dataset import Prepared, prepare
from rnncli.errors import Interrupted, RnnCliError, TrainingFailed
from rnncli.files import write_text
from rnncli.interrupt import StopRequest
from rnncli.model import Forecaster, ModelArgs, count_parameters
from rnncli.progress import Progress, Silent
from rnncli.state import Partial, TrainState, capture_rng, fingerprint, restore_rng
from rnncli.windows import Scaler

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


@dataclass
class Session:
    """Everything the epochs act on."""

    cfg: Config
    run: Path
    device: torch.device
    prepared: Prepared
    season: int
    model: Forecaster
    optimizer: torch.optim.Optimizer
    scheduler: object
    generator: torch.Generator
    state: TrainState
    data_digest: str


def fit(cfg: Config, progress: Progress | None = None) -> FitResult:
    """Train per `cfg` in a new run folder; return where it was written and how it scored."""
    progress = progress or Silent()
    seed_everything(cfg.train.seed)
    device = devices.resolve(cfg.train.device)
    flight = preflight(cfg)  # the same checks as `rnncli check`
    prepared = flight.prepared
    try:
        model = Forecaster(_model_args(cfg, prepared)).to(device)
    except (RuntimeError, MemoryError) as exc:
        _raise_if_out_of_memory(exc, cfg, device)
        raise
    run = runs.create(cfg.output.dir, cfg.name)
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=str(Path(cfg.data.path).resolve())))
    write_text(run / "config.yaml", to_yaml(cfg))
    session = _session(cfg, run, device, prepared, model, TrainState())
    for note in prepared.notes:
        progress.note(note)
    for warning in flight.warnings:
        progress.note(f"warning: {warning}")
    progress.note(f"run folder {run}; {len(prepared.index('train'))} training and {len(prepared.index('val'))} validation windows; "
                  f"{cfg.model.cell} with {count_parameters(model):,} parameters on {device}")
    return _train(session, progress)


def resume(run: str | Path, overrides: list[str] | tuple[str, ...] = (), progress: Progress | None = None) -> FitResult:
    """Continue the run in folder `run` from its last.pt, appending to its metrics.csv."""
    progress = progress or Silent()
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
    runs.check_writable(run)
    device = devices.resolve(cfg.train.device)
    prepared = prepare(schema_of(cfg), spec_of(cfg), Scaler.from_state(payload["scaler"]))
    state = TrainState.from_dict(payload["train_state"])
    session = _session(cfg, run, device, prepared, checkpoint.build_model(payload).to(device), state)
    if session.data_digest != payload["data_digest"]:
        raise RnnCliError(f"cannot resume '{run}': its data ({cfg.data.path}) changed since the run started; start a new run")
    if _finished(session):
        raise RnnCliError(f"run '{run}' is finished ({state.epoch} of {cfg.train.epochs} epochs"
                          + (", stopped early" if state.stopped_early else "") + "); raise train.epochs (or train.patience) to go on")
    session.optimizer.load_state_dict(payload["optimizer_state"])
    if session.scheduler is not None:
        session.scheduler.load_state_dict(payload["scheduler_state"])
    if not restore_rng(payload["rng"], session.generator):
        progress.note("resumed on another device: the batch order differs from the original run")
    session.state.stopped_early = False
    runs.write_metrics(run, state.history)  # drops any row written after last.pt
    write_text(run / "config.yaml", to_yaml(cfg))
    where = f", batch {state.partial.batches + 1}" if state.partial else ""
    progress.note(f"resuming {run} at epoch {state.epoch + 1} of {cfg.train.epochs}{where}")
    return _train(session, progress)


def _session(cfg: Config, run: Path, device: torch.device, prepared: Prepared, model: Forecaster, state: TrainState) -> Session:
    prepared.windows = prepared.windows.to(device)
    season = cfg.data.season or timegrid.season_of(prepared.frequency)  # as in preflight
    optimizer = make_optimizer(model, cfg.train)
    generator = torch.Generator(device=device).manual_seed(cfg.train.seed)
    return Session(cfg, run, device, prepared, season, model, optimizer, make_scheduler(optimizer, cfg.train), generator, state,
                   fingerprint(prepared.windows.values))


def _train(s: Session, progress: Progress) -> FitResult:
    started = time.perf_counter()
    batches = math.ceil(len(s.prepared.index("train")) / s.cfg.train.batch_size)
    progress.start(s.cfg.train.epochs, batches, s.state.epoch)
    try:
        with StopRequest() as stop:
            while not _finished(s):
                if stop.requested or not _epoch(s, stop, progress):
                    raise _interrupted(s, stop.signal_name)
    except (RuntimeError, MemoryError) as exc:
        _raise_if_out_of_memory(exc, s.cfg, s.device)
        raise
    finally:
        progress.stop()
    if s.state.stopped_early:
        progress.note(f"stopped early: no better val_loss for {s.state.bad_epochs} epochs; best epoch {s.state.best_epoch}")
    return _finish(s, time.perf_counter() - started)


def _finished(s: Session) -> bool:
    patience = s.cfg.train.patience
    s.state.stopped_early = patience is not None and s.state.bad_epochs >= patience and s.state.epoch < s.cfg.train.epochs
    return s.state.epoch >= s.cfg.train.epochs or s.state.stopped_early


def _epoch(s: Session, stop: StopRequest, progress: Progress) -> bool:
    """Run the next epoch (or the rest of an interrupted one); False if it was stopped part-way."""
    tick = time.perf_counter()
    state, index = s.state, s.prepared.index("train").to(s.device)
    epoch = state.epoch + 1
    partial, state.partial = state.partial, None
    if partial is not None:
        s.generator.set_state(partial.order_rng.cpu())
        sums = loop.EpochSums(partial.batches, partial.loss_sum.to(s.device), partial.norm_sum.to(s.device))
    else:
        sums = loop.EpochSums.zero(s.device)
    order_rng = s.generator.get_state()
    order = torch.randperm(len(index), generator=s.generator, device=s.device)
    t = s.cfg.train
    try:
        done = loop.train_epoch(s.model, s.prepared.windows, index, s.optimizer, t.batch_size, order, sums, t.clip_grad_norm,
                                t.clip_grad_value, stop, progress.batch, check_every=1 if s.device.type == "cpu" else 50)
    except loop.NonFinite as bad:
        raise _diverged(s, epoch, f"batch {bad.batch}") from None
    seconds = (partial.seconds if partial else 0.0) + time.perf_counter() - tick
    if not done:
        state.partial = Partial(epoch, sums.batches, order_rng, sums.loss_sum, sums.norm_sum, seconds)
        _save(s, improved=False)
        return False
    val_loss, val_mae = loop.validate(s.model, s.prepared.windows, s.prepared.index("val").to(s.device), s.prepared.unscale)
    if not math.isfinite(val_loss):
        raise _diverged(s, epoch, "validation")
    lr = s.optimizer.param_groups[0]["lr"]
    _step(s.scheduler, val_loss)
    improved = val_loss < state.best_loss
    if improved:
        state.best_loss, state.best_epoch, state.bad_epochs = val_loss, epoch, 0
    else:
        state.bad_epochs += 1
    row = {"epoch": epoch, "train_loss": (sums.loss_sum / len(index)).item(), "val_loss": val_loss, "val_mae": val_mae, "lr": lr,
           "grad_norm": (sums.norm_sum / sums.batches).item(), "seconds": round(time.perf_counter() - tick + seconds, 4)}
    state.history.append(row)
    state.epoch = epoch
    runs.write_metrics(s.run, state.history)
    _save(s, improved)
    progress.epoch({**row, "best": improved})
    return True


def _save(s: Session, improved: bool) -> None:
    """best.pt on improvement, then last.pt: a kill between the two is repaired by resuming."""
    payload = _payload(s)
    if improved:
        checkpoint.save(runs.checkpoint_path(s.run, "best"), payload)
    checkpoint.save(runs.checkpoint_path(s.run, "last"), payload)


def _finish(s: Session, seconds: float) -> FitResult:
    best = checkpoint.load(runs.checkpoint_path(s.run, "best"), map_location=s.device)
    s.model.load_state_dict(best["model_state"])
    test = scoring.score(s.model, s.prepared, "test", s.season)
    state, cfg = s.state, s.cfg
    runs.write_summary(s.run, {
        "name": cfg.name, "run_dir": str(s.run), "best_epoch": state.best_epoch, "epochs_run": state.epoch,
        "stopped_early": state.stopped_early, "val": {"loss": state.best_loss, "mae": state.history[state.best_epoch - 1]["val_mae"]},
        "test": test, "train_seconds": round(sum(r["seconds"] for r in state.history), 3), "wall_seconds": round(seconds, 3),
        "device": str(s.device), "parameters": count_parameters(s.model),
        "data": {"rows": sum(len(t) for t in s.prepared.times), "filled": s.prepared.filled, "frequency": s.prepared.frequency,
                 "windows": {split: len(s.prepared.index(split)) for split in ("train", "val", "test")}},
        "versions": checkpoint.versions(),
    })
    return FitResult(s.run, state.best_epoch, state.epoch, state.stopped_early, state.best_loss, test, seconds, str(s.device))


def _interrupted(s: Session, signal_name: str | None) -> Interrupted:
    where = (f"in epoch {s.state.partial.epoch} after batch {s.state.partial.batches}" if s.state.partial
             else f"after epoch {s.state.epoch}")
    return Interrupted(f"stopped by {signal_name or 'a signal'} {where}; the run is saved. Resume it with:\n"
                       f"  rnncli train --resume {s.run}")


def _raise_if_out_of_memory(exc: BaseException, cfg: Config, device: torch.device) -> None:
    """Turn an allocation failure into a failed job with advice; leave any other error alone."""
    text = str(exc)
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)) or "can't allocate memory" in text or "out of memory" in text:
        raise TrainingFailed(f"out of memory on {device}: lower train.batch_size (now {cfg.train.batch_size}) "
                             f"or model.hidden_size (now {cfg.model.hidden_size})") from exc


def _diverged(s: Session, epoch: int, where: str) -> TrainingFailed:
    kept = (f"best.pt (epoch {s.state.best_epoch}) is kept in {s.run / 'checkpoints'}" if s.state.best_epoch
            else "no checkpoint was saved")
    clip = (f"lower train.clip_grad_norm (now {s.cfg.train.clip_grad_norm})" if s.cfg.train.clip_grad_norm
            else "set train.clip_grad_norm (e.g. 1.0)")
    return TrainingFailed(f"training diverged: the loss or gradient became NaN or infinite in epoch {epoch}, {where}; "
                          f"lower train.lr (now {s.cfg.train.lr}) or {clip}; {kept}")


def seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_optimizer(model: torch.nn.Module, t: TrainConfig) -> torch.optim.Optimizer:
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
    return kinds[t.optimizer](model.parameters(), lr=t.lr, weight_decay=t.weight_decay)


def make_scheduler(optimizer: torch.optim.Optimizer, t: TrainConfig):
    if t.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, (t.patience or 10) // 3))
    if t.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t.epochs)
    return None


def _step(scheduler, val_loss: float) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(val_loss)
    elif scheduler is not None:
        scheduler.step()


def _model_args(cfg: Config, prepared: Prepared) -> ModelArgs:
    m = cfg.model
    return ModelArgs(input_size=len(prepared.columns), n_targets=prepared.n_targets, horizon=cfg.window.horizon, cell=m.cell,
                     hidden_size=m.hidden_size, num_layers=m.num_layers, nonlinearity=m.nonlinearity, dropout=m.dropout,
                     many_to_many=cfg.window.mode == "many_to_many", future_size=cfg.window.horizon * prepared.windows.n_calendar)


def _payload(s: Session) -> dict:
    cfg, first, last = s.cfg, min(t[0] for t in s.prepared.times), max(t[-1] for t in s.prepared.times)
    schema = dataclasses.asdict(dataclasses.replace(schema_of(cfg), frequency=s.prepared.frequency))
    del schema["path"]  # the data file is named in the config; predict and evaluate may be given another
    return {
        "model_args": s.model.args.to_dict(),
        "model_state": s.model.state_dict(),
        "optimizer_state": s.optimizer.state_dict(),
        "scheduler_state": s.scheduler.state_dict() if s.scheduler is not None else None,
        "epoch": s.state.epoch,
        "train_state": s.state.to_dict(),
        "rng": capture_rng(s.generator),
        "data_digest": s.data_digest,
        "scaler": s.prepared.fitted.state(),
        "schema": {**{k: list(v) if isinstance(v, tuple) else v for k, v in schema.items()}, "season": s.season,
                   "ids": [str(i) for i in s.prepared.ids if i is not None], "first_timestamp": first.isoformat(),
                   "last_timestamp": last.isoformat(), "rows": sum(len(t) for t in s.prepared.times)},
        "window": {"lookback": cfg.window.lookback, "horizon": cfg.window.horizon, "mode": cfg.window.mode,
                   "val_fraction": cfg.data.val_fraction, "test_fraction": cfg.data.test_fraction, "calendar": list(cfg.data.calendar)},
        "config": cfg.to_dict(),
        "versions": checkpoint.versions(),
    }
