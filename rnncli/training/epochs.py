"""The epochs of a training session: train, validate, schedule, checkpoint, stop.

`run(session, progress)` drives the epochs until the last one, early stopping, or a signal; every
epoch ends by writing metrics.csv, best.pt (on improvement) and last.pt, each atomically. A first
SIGINT / SIGTERM stops after the current batch and saves the part-epoch in last.pt. With several
processes (torchrun) only rank 0 writes, and a signal stops every process at the end of the epoch.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnncli.artifacts import checkpoint, runs
from rnncli.config import Config
from rnncli.data.prepared import Prepared, schema_of
from rnncli.errors import Interrupted, TrainingFailed
from rnncli.model.forecaster import Forecaster
from rnncli.report.progress import Progress
from rnncli.training import batches, optimizers
from rnncli.training.distributed import SINGLE, Group
from rnncli.training.interrupt import StopRequest
from rnncli.training.state import Partial, TrainState, capture_rng


@dataclass
class Session:
    """Everything the epochs act on."""

    cfg: Config
    run: Path
    device: torch.device
    prepared: Prepared
    model: Forecaster
    optimizer: torch.optim.Optimizer
    scheduler: object
    generator: torch.Generator
    state: TrainState
    data_digest: str
    trainer: torch.nn.Module  # what the training step calls: the model, or DistributedDataParallel over it
    group: Group = SINGLE


def run(s: Session, progress: Progress) -> None:
    """Run epochs until the last, early stopping, or a signal (Interrupted, after saving)."""
    batches = math.ceil(len(s.prepared.index("train")) / (s.cfg.train.batch_size * s.group.world))
    progress.start(s.cfg.train.epochs, batches, s.state.epoch)
    try:
        with StopRequest() as stop:
            while not finished(s):
                if s.group.any(stop.requested, s.device) or not _epoch(s, stop, progress):
                    raise _interrupted(s, stop.signal_name)
    except (RuntimeError, MemoryError) as exc:
        raise_if_out_of_memory(exc, s.cfg, s.device)
        if s.group.several and _lost_peer(exc):
            raise TrainingFailed(f"another training process stopped, so this one cannot go on ({_reason(exc)}); its own message says "
                                 f"why; last.pt holds the last finished epoch: "
                                 f"rnncli train --resume {s.run} --nproc {s.group.world}") from exc
        raise
    finally:
        progress.stop()
    if s.state.stopped_early:
        progress.note(f"stopped early: no better val_loss for {s.state.bad_epochs} epochs; best epoch {s.state.best_epoch}")


def finished(s: Session) -> bool:
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
        sums = batches.EpochSums(partial.batches, partial.loss_sum.to(s.device), partial.norm_sum.to(s.device))
    else:
        sums = batches.EpochSums.zero(s.device)
    order_rng = s.generator.get_state()
    order = epoch_order(len(index), s.generator, s.device)
    t = s.cfg.train
    try:
        done = batches.train_epoch(s.trainer, s.prepared.windows, index, s.optimizer, t.batch_size, order, sums, t.clip_grad_norm,
                                t.clip_grad_value, None if s.group.several else stop, progress.batch,
                                check_every=1 if s.device.type == "cpu" else 50, rank=s.group.rank, world=s.group.world)
    except batches.NonFinite as bad:
        raise _diverged(s, epoch, f"batch {bad.batch}") from None
    trained = time.perf_counter()
    seconds = (partial.seconds if partial else 0.0) + trained - tick  # training time of this epoch, all parts
    if not done:
        state.partial = Partial(epoch, sums.batches, order_rng, sums.loss_sum, sums.norm_sum, seconds)
        _save(s, improved=False)
        return False
    val_loss, val_mae = batches.validate(s.model, s.prepared.windows, s.prepared.index("val").to(s.device), s.prepared.unscale,
                                      s.group.rank, s.group.world, s.group.sum)
    if not math.isfinite(val_loss):
        raise _diverged(s, epoch, "validation")
    lr = s.optimizer.param_groups[0]["lr"]
    optimizers.step_scheduler(s.scheduler, val_loss)
    improved = val_loss < state.best_loss
    if improved:
        state.best_loss, state.best_epoch, state.bad_epochs = val_loss, epoch, 0
    else:
        state.bad_epochs += 1
    row = {"epoch": epoch, "train_loss": (s.group.sum(sums.loss_sum) / len(index)).item(), "val_loss": val_loss, "val_mae": val_mae, "lr": lr,
           "grad_norm": (sums.norm_sum / sums.batches).item(), "seconds": round(seconds + time.perf_counter() - trained, 4)}
    state.history.append(row)
    state.epoch = epoch
    if s.group.main:
        runs.write_metrics(s.run, state.history)
    _save(s, improved)
    progress.epoch({**row, "best": improved})
    return True


def epoch_order(n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """A random order of the n training windows: int32 while it fits, half the memory of int64."""
    dtype = torch.int32 if n < 2**31 - 2**24 else torch.int64
    return torch.randperm(n, generator=generator, device=device, dtype=dtype)


def _save(s: Session, improved: bool) -> None:
    """best.pt on improvement, then last.pt: a kill between the two is repaired by resuming. Rank 0 alone writes."""
    if not s.group.main:
        return
    payload = _payload(s)
    if improved:
        checkpoint.save(runs.checkpoint_path(s.run, "best"), payload)
    checkpoint.save(runs.checkpoint_path(s.run, "last"), payload)


def _interrupted(s: Session, signal_name: str | None) -> Interrupted:
    where = (f"in epoch {s.state.partial.epoch} after batch {s.state.partial.batches}" if s.state.partial
             else f"after epoch {s.state.epoch}")
    return Interrupted(f"stopped by {signal_name or 'a signal'} {where}; the run is saved. Resume it with:\n"
                       f"  rnncli train --resume {s.run}", every_process=True)


def raise_if_out_of_memory(exc: BaseException, cfg: Config, device: torch.device) -> None:
    """Turn an allocation failure into a failed job with advice; leave any other error alone."""
    text = str(exc)
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)) or "can't allocate memory" in text or "out of memory" in text:
        raise TrainingFailed(f"out of memory on {device}: lower train.batch_size (now {cfg.train.batch_size}) "
                             f"or model.hidden_size (now {cfg.model.hidden_size})") from exc


def _lost_peer(exc: BaseException) -> bool:
    """The collective operations failed because a peer process went away (gloo or NCCL)."""
    text = str(exc)
    return isinstance(exc, torch.distributed.DistError) or any(m in text for m in ("Connection closed by peer", "Connection reset by peer",
                                                                                    "NCCL", "gloo"))


def _reason(exc: BaseException) -> str:
    """The first sentence of a backend's error, without the source file it names."""
    import re

    text = re.sub(r"^\[[^\]]*\]\s*", "", str(exc).strip().splitlines()[0])
    return text.split(". ")[0][:120]


def _diverged(s: Session, epoch: int, where: str) -> TrainingFailed:
    kept = (f"best.pt (epoch {s.state.best_epoch}) is kept in {s.run / 'checkpoints'}" if s.state.best_epoch
            else "no checkpoint was saved")
    clip = (f"lower train.clip_grad_norm (now {s.cfg.train.clip_grad_norm})" if s.cfg.train.clip_grad_norm
            else "set train.clip_grad_norm (e.g. 1.0)")
    return TrainingFailed(f"training diverged: the loss or gradient became NaN or infinite in epoch {epoch}, {where}; "
                          f"lower train.lr (now {s.cfg.train.lr}) or {clip}; {kept}", every_process=True)


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
        "schema": {**{k: list(v) if isinstance(v, tuple) else v for k, v in schema.items()}, "season": s.prepared.season,
                   "ids": [str(i) for i in s.prepared.ids if i is not None], "first_timestamp": first.isoformat(),
                   "last_timestamp": last.isoformat(), "rows": sum(len(t) for t in s.prepared.times)},
        "window": {"lookback": cfg.window.lookback, "horizon": cfg.window.horizon, "mode": cfg.window.mode,
                   "val_fraction": cfg.data.val_fraction, "test_fraction": cfg.data.test_fraction, "calendar": list(cfg.data.calendar),
                   "borders": [cfg.data.train_end, cfg.data.val_end, cfg.data.test_end]},
        "config": cfg.to_dict(),
        "versions": checkpoint.versions(),
    }
