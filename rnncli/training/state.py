"""What a run needs to continue exactly where it stopped: its progress and every random state.

Saved in each `last.pt` as plain values and tensors, so a resumed run draws the same batches and
the same dropout masks as the run that was never interrupted. An epoch stopped part-way (Ctrl-C)
keeps the random state from its start, so its batch order can be drawn again and the batches
already done skipped.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import asdict, dataclass, field

import numpy as np
import torch


@dataclass
class Partial:
    """An epoch interrupted after `batches` batches."""

    epoch: int
    batches: int
    order_rng: torch.Tensor  # the shuffling generator's state when the epoch began
    loss_sum: torch.Tensor
    norm_sum: torch.Tensor
    seconds: float


@dataclass
class TrainState:
    epoch: int = 0  # epochs completed
    best_loss: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    stopped_early: bool = False
    partial: Partial | None = None
    history: list[dict] = field(default_factory=list)  # the metrics.csv rows so far

    def to_dict(self) -> dict:
        out = asdict(self)
        out["partial"] = None if self.partial is None else asdict(self.partial)
        return out

    @classmethod
    def from_dict(cls, raw: dict) -> TrainState:
        raw = dict(raw)
        partial = raw.pop("partial")
        return cls(**raw, partial=None if partial is None else Partial(**partial))


def capture_rng(generator: torch.Generator) -> dict:
    """Every random state training depends on, as tensors and plain values."""
    keys_kind, keys, pos, has_gauss, cached = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    states = {
        "shuffle": generator.get_state(),
        "shuffle_device": str(generator.device),
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": keys_kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "python": {"version": py_version, "state": list(py_state), "gauss": py_gauss},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng(states: dict, generator: torch.Generator) -> bool:
    """Put every random state back; False when the shuffling generator moved to another device
    (it is then reseeded, and the batch order differs from the original run)."""
    torch.set_rng_state(states["torch"].cpu())
    n = states["numpy"]
    np.random.set_state(
        (n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"])
    )
    p = states["python"]
    random.setstate((p["version"], tuple(p["state"]), p["gauss"]))
    if "cuda" in states and torch.cuda.is_available():
        for i, s in enumerate(states["cuda"][: torch.cuda.device_count()]):
            torch.cuda.set_rng_state(s.cpu(), i)
    if states["shuffle_device"] == str(generator.device):
        generator.set_state(states["shuffle"].cpu())
        return True
    return False


def fingerprint(values: torch.Tensor) -> str:
    """A digest of the prepared rows: resuming on different data is refused."""
    return hashlib.sha256(
        memoryview(values.detach().cpu().contiguous().numpy()).cast("B")
    ).hexdigest()  # no copy
