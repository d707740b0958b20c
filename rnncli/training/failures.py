"""How training fails, in words a user can act on: a signal (resumable), an allocation that does not
fit, a loss that diverges, a peer process that went away."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from rnncli.errors import Interrupted, TrainingFailed


def interrupted(run_dir: Path, state, signal_name: str | None) -> Interrupted:
    """Stopped by a signal after saving: how to resume."""
    where = (
        f"in epoch {state.partial.epoch} after batch {state.partial.batches}"
        if state.partial
        else f"after epoch {state.epoch}"
    )
    reason = f"stopped by {signal_name or 'a signal'} {where}"
    return Interrupted(
        f"{reason}; the run is saved. Resume it with:\n  rnncli train --resume {run_dir}",
        every_process=True,
        reason=reason,
    )


def raise_if_out_of_memory(
    exc: BaseException, device: torch.device, batch_size: int, hidden_size: int
) -> None:
    """Turn an allocation failure into a failed job with advice; leave any other error alone."""
    text = str(exc)
    if (
        isinstance(exc, (MemoryError, torch.OutOfMemoryError))
        or "can't allocate memory" in text
        or "out of memory" in text
    ):
        raise TrainingFailed(
            f"out of memory on {device}: lower train.batch_size (now {batch_size}) or model.hidden_size "
            f"(now {hidden_size})"
        ) from exc


def lost_peer(exc: BaseException) -> bool:
    """The collective operations failed because a peer process went away (gloo or NCCL)."""
    text = str(exc)
    return isinstance(exc, torch.distributed.DistError) or any(
        m in text for m in ("Connection closed by peer", "Connection reset by peer", "NCCL", "gloo")
    )


def peer_stopped(exc: BaseException, run_dir: Path, world: int) -> TrainingFailed:
    """Another process of several stopped: this one cannot go on; how to resume them all."""
    return TrainingFailed(
        f"another training process stopped, so this one cannot go on ({_reason(exc)}); its own message "
        f"says why; last.pt holds the last finished epoch: rnncli train --resume {run_dir} --nproc {world}"
    )


def _reason(exc: BaseException) -> str:
    """The first sentence of a backend's error, without the source file it names."""
    text = re.sub(r"^\[[^\]]*\]\s*", "", str(exc).strip().splitlines()[0])
    return text.split(". ")[0][:120]


def diverged(run_dir: Path, state, budget, epoch: int, where: str) -> TrainingFailed:
    """The loss or gradient became NaN or infinite: what is kept, and what to lower."""
    kept = (
        f"best.pt (epoch {state.best_epoch}) is kept in {run_dir / 'checkpoints'}"
        if state.best_epoch
        else "no checkpoint was saved"
    )
    clip = (
        f"lower train.clip_grad_norm (now {budget.clip_grad_norm})"
        if budget.clip_grad_norm
        else "set train.clip_grad_norm (e.g. 1.0)"
    )
    return TrainingFailed(
        f"training diverged: the loss or gradient became NaN or infinite in epoch {epoch}, {where}; "
        f"lower train.lr (now {budget.lr}) or {clip}; {kept}",
        every_process=True,
    )
