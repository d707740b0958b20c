"""The epochs of a training session: train, validate, schedule, checkpoint, stop.

`train_epochs(session, progress)` drives the epochs until the last one, early stopping, or a
signal. Every epoch's checkpoints are kept in memory (best on improvement, and last) for whoever
finishes the run, and written, each atomically, with metrics.csv: after the first epoch, then
whenever train.checkpoint_every seconds have passed since the last write, after the last epoch, and on
a stop. On a small series an epoch takes milliseconds and writing it would take most of the run;
a kill that no signal announces (SIGKILL, a power cut) loses at most that many seconds of
training. A first SIGINT / SIGTERM stops after the current batch and saves the part-epoch in
last.pt. With several processes (torchrun) only rank 0 writes, and a signal stops every process
at the end of the epoch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import torch

from rnncli.artifacts import checkpoint, run_folder
from rnncli.data.prepared import Prepared
from rnncli.model.forecaster import Forecaster
from rnncli.training import failures, loop, losses, optimizers, slowdown
from rnncli.training.distributed import SINGLE, Group
from rnncli.training.interrupt import StopRequest
from rnncli.training.state import Partial, TrainState, capture_rng


class Progress(Protocol):
    """What training tells the user about (report.progress shows it)."""

    def note(self, message: str) -> None: ...
    def opened(self, run_dir: Path) -> None: ...  # the run folder the epochs are written to
    def start(self, epochs: int, batches: int, done: int = 0) -> None: ...
    def batch(self, done: int, loss: torch.Tensor) -> None: ...
    def epoch(self, row: dict) -> None: ...
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Budget:
    """The train.* values the epochs follow."""

    epochs: int
    patience: int | None
    batch_size: int
    clip_grad_norm: float | None
    clip_grad_value: float | None
    lr: float  # the starting learning rate, named in the advice when training diverges
    loss: str = "mse"  # train.loss (losses.py)
    steps_per_epoch: int | None = (
        None  # train.steps_per_epoch: an epoch of this many batches, sampled (None: every window)
    )
    quantiles: tuple[float, ...] = ()  # model.quantiles, which the pinball loss weighs
    checkpoint_every: float = 5.0  # train.checkpoint_every: seconds between checkpoint writes at most

    def windows(self, n: int, world: int = 1) -> int:
        """The training windows one epoch draws: all n, or steps_per_epoch batches of them."""
        return n if self.steps_per_epoch is None else min(n, self.steps_per_epoch * self.batch_size * world)


@dataclass
class Session:
    """Everything the epochs act on."""

    budget: Budget
    run_dir: Path
    device: torch.device
    prepared: Prepared
    model: Forecaster
    optimizer: torch.optim.Optimizer
    scheduler: object
    generator: torch.Generator
    state: TrainState
    header: checkpoint.Header  # what every checkpoint of the run records alike
    trainer: torch.nn.Module  # what the training step calls: the model, or DistributedDataParallel over it
    group: Group = SINGLE
    saved: dict[str, dict] = field(
        default_factory=dict
    )  # "best" (a snapshot) and "last": the latest payloads (rank 0)
    written: float = -math.inf  # time.perf_counter() of the last write of the checkpoints
    best_unwritten: bool = False  # saved["best"] is newer than best.pt


def train_epochs(s: Session, progress: Progress) -> None:
    """Run epochs until the last, early stopping, or a signal (Interrupted, after saving)."""
    batches = math.ceil(
        s.budget.windows(len(s.prepared.index("train")), s.group.world)
        / (s.budget.batch_size * s.group.world)
    )
    progress.opened(s.run_dir)
    progress.start(s.budget.epochs, batches, s.state.epoch)
    try:
        with StopRequest() as stop:
            while not finished(s):
                if s.group.any(stop.requested, s.device):
                    _save(s, improved=False, now=True)  # the epochs not yet written
                    raise failures.interrupted(s.run_dir, s.state, stop.signal_name)
                if not _epoch(s, stop, progress):
                    raise failures.interrupted(s.run_dir, s.state, stop.signal_name)
    except (RuntimeError, MemoryError) as exc:
        failures.raise_if_out_of_memory(exc, s.device, s.budget.batch_size, s.model.args.hidden_size)
        if s.group.several and failures.lost_peer(exc):
            raise failures.peer_stopped(exc, s.run_dir, s.group.world) from exc
        raise
    finally:
        progress.stop()
    if s.state.stopped_early:
        progress.note(
            f"stopped early: no better val_loss for {s.state.bad_epochs} epochs; best epoch "
            f"{s.state.best_epoch}"
        )


def finished(s: Session) -> bool:
    patience = s.budget.patience
    s.state.stopped_early = (
        patience is not None and s.state.bad_epochs >= patience and s.state.epoch < s.budget.epochs
    )
    return s.state.epoch >= s.budget.epochs or s.state.stopped_early


def _epoch(s: Session, stop: StopRequest, progress: Progress) -> bool:
    """Run the next epoch (or the rest of an interrupted one); False if it was stopped part-way."""
    tick = time.perf_counter()
    state, index = s.state, s.prepared.index("train").to(s.device)
    epoch = state.epoch + 1
    partial, state.partial = state.partial, None
    sums, order_rng, order = _order(s, partial, len(index), s.budget.windows(len(index), s.group.world))
    try:
        done = loop.train_epoch(
            s.trainer,
            s.prepared.windows,
            index,
            s.optimizer,
            s.budget.batch_size,
            order,
            sums,
            s.budget.clip_grad_norm,
            s.budget.clip_grad_value,
            None if s.group.several else stop,
            progress.batch,
            check_every=1 if s.device.type == "cpu" else 50,
            rank=s.group.rank,
            world=s.group.world,
            loss_fn=losses.get(s.budget.loss, s.budget.quantiles),
        )
    except loop.NonFinite as bad:
        raise failures.diverged(s.run_dir, s.state, s.budget, epoch, f"batch {bad.batch}") from None
    trained = time.perf_counter()
    seconds = (partial.seconds if partial else 0.0) + trained - tick  # training time of this epoch, all parts
    if not done:
        state.partial = Partial(epoch, sums.batches, order_rng, sums.loss_sum, sums.norm_sum, seconds)
        _save(s, improved=False, now=True)
        return False
    row, improved = _validated(s, epoch, sums, len(order))
    row["seconds"] = round(seconds + time.perf_counter() - trained, 4)
    state.history.append(row)
    state.epoch = epoch
    _save(s, improved, now=finished(s))
    progress.epoch({**row, "best": improved})
    slow = slowdown.check([r["seconds"] for r in state.history], s.device.type, torch.get_num_threads())
    if slow is not None:
        progress.note(f"warning: {slow}")
    return True


def _order(
    s: Session, partial: Partial | None, n: int, drawn: int
) -> tuple[loop.EpochSums, torch.Tensor, torch.Tensor]:
    """The epoch's running sums, the shuffling state it starts from, and its window order of
    `drawn` of the n windows (an interrupted epoch draws its order again from the state it began with)."""
    if partial is not None:
        s.generator.set_state(partial.order_rng.cpu())
        sums = loop.EpochSums(partial.batches, partial.loss_sum.to(s.device), partial.norm_sum.to(s.device))
    else:
        sums = loop.EpochSums.zero(s.device)
    order_rng = s.generator.get_state()
    return sums, order_rng, epoch_order(n, s.generator, s.device, drawn)


def _validated(s: Session, epoch: int, sums: loop.EpochSums, n_train: int) -> tuple[dict, bool]:
    """Validate after a finished epoch, step the schedule, track the best: the metrics row (without
    its seconds) and whether the epoch improved."""
    state, val = s.state, s.prepared.index("val")
    train_loss = (s.group.sum(sums.loss_sum) / n_train).item()
    if (
        len(val) == 0
    ):  # a refit on every row: no validation, each epoch the latest (the count was chosen before)
        val_loss, val_mae = math.nan, math.nan
    else:
        val_loss, val_mae = loop.validate(
            s.model,
            s.prepared.windows,
            val.to(s.device),
            s.prepared.unscale,
            s.group.rank,
            s.group.world,
            s.group.sum,
            losses.get(s.budget.loss, s.budget.quantiles),
        )
        if not math.isfinite(val_loss):
            raise failures.diverged(s.run_dir, s.state, s.budget, epoch, "validation")
    lr = s.optimizer.param_groups[0]["lr"]
    optimizers.step_scheduler(s.scheduler, train_loss if len(val) == 0 else val_loss)
    improved = len(val) == 0 or val_loss < state.best_loss
    if improved:
        state.best_loss, state.best_epoch, state.bad_epochs = val_loss, epoch, 0
    else:
        state.bad_epochs += 1
    return {
        "epoch": epoch,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_mae": val_mae,
        "lr": lr,
        "grad_norm": (sums.norm_sum / sums.batches).item(),
    }, improved


# beyond this many windows, an epoch of a few steps draws its windows with replacement
SAMPLE_WITH_REPLACEMENT = 2**24


def epoch_order(
    n: int, generator: torch.Generator, device: torch.device, drawn: int | None = None
) -> torch.Tensor:
    """A random order of the n training windows (int32 while it fits, half the memory of int64);
    with `drawn` < n, that many of them: the first of a permutation (each window at most once), or,
    for more than SAMPLE_WITH_REPLACEMENT windows, drawn uniformly with replacement, so an epoch of
    a few steps never shuffles millions."""
    dtype = torch.int32 if n < 2**31 - 2**24 else torch.int64
    if drawn is None or drawn >= n:
        return torch.randperm(n, generator=generator, device=device, dtype=dtype)
    if n > SAMPLE_WITH_REPLACEMENT:
        return torch.randint(n, (drawn,), generator=generator, device=device, dtype=dtype)
    return torch.randperm(n, generator=generator, device=device, dtype=dtype)[:drawn].clone()


def _save(s: Session, improved: bool, now: bool = False) -> None:
    """Keep this epoch's checkpoints (best on improvement, a copy; last); write them when `now`,
    after the first epoch, or train.checkpoint_every seconds after the last write: best.pt first, then
    last.pt (a kill between the two is repaired by resuming), then metrics.csv. Rank 0 alone."""
    if not s.group.main:
        return
    payload = checkpoint.payload(
        s.header,
        s.model,
        s.optimizer,
        s.scheduler,
        s.state.epoch,
        s.state.to_dict(),
        capture_rng(s.generator),
    )
    if improved:
        s.saved["best"], s.best_unwritten = checkpoint.snapshot(payload), True
    s.saved["last"] = payload
    if not now and time.perf_counter() - s.written < s.budget.checkpoint_every:
        return
    if s.best_unwritten:
        checkpoint.save(checkpoint.path(s.run_dir, "best"), s.saved["best"])
        s.best_unwritten = False
    checkpoint.save(checkpoint.path(s.run_dir, "last"), payload)
    run_folder.write_metrics(s.run_dir, s.state.history)
    s.written = time.perf_counter()
