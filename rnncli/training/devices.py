"""Resolve `train.device` (auto, cpu, cuda, cuda:N, mps) to a torch device that exists here."""

from __future__ import annotations

import torch

from rnncli.errors import RnnCliError


def resolve(name: str) -> torch.device:
    """`auto` picks the first CUDA GPU when there is one, else the CPU; others must be present."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RnnCliError(
                f"train.device={name} but torch sees no CUDA GPU here (torch {torch.__version__}); "
                "use train.device=cpu or auto, or install a CUDA build of torch"
            )
        index = int(name.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise RnnCliError(
                f"train.device={name} but only {torch.cuda.device_count()} CUDA device(s) exist (cuda:0 .. "
                f"cuda:{torch.cuda.device_count() - 1})"
            )
    if name == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise RnnCliError(
            "train.device=mps but Apple's MPS backend is not available here; use train.device=cpu or auto"
        )
    return torch.device(name)
