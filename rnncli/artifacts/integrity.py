"""What makes a checkpoint trustworthy beyond being readable (`checkpoint.load` reads it, refusing
pickled code; this module judges the rest): it belongs to the run folder it lies in."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from rnncli.artifacts.checkpoint import WHICH, path
from rnncli.errors import RnnCliError


def check_belongs(checkpoint_path: Path, loaded: dict) -> None:
    """Refuse a checkpoint whose run id differs from its run folder's (summary.json, the other
    checkpoint): it was copied in from another run, and would forecast or resume that run."""
    mine = loaded.get("run_id")
    run_dir = checkpoint_path.parent.parent if checkpoint_path.parent.name == "checkpoints" else None
    if mine is None or run_dir is None:
        return
    for other, where in (
        (run_dir / "summary.json", "its summary.json"),
        *((path(run_dir, w), f"its {w}.pt") for w in WHICH),
    ):
        theirs = _run_id_of(other) if other.resolve() != checkpoint_path.resolve() else mine
        if theirs is not None and theirs != mine:
            raise RnnCliError(
                f"checkpoint '{checkpoint_path}' belongs to run {mine}, but the run folder '{run_dir}' is "
                f"run {theirs} ({where}): it was copied in from another run; use the run folder it came "
                "from, or give the .pt file itself from outside a run folder"
            )


def _run_id_of(file: Path) -> str | None:
    """The run id a summary.json or a checkpoint records; None when absent or unreadable."""
    if not file.is_file():
        return None
    try:
        if file.suffix == ".json":
            import json

            return json.loads(file.read_text()).get("run_id")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(file, map_location="cpu", weights_only=True, mmap=True).get("run_id")
    except Exception:
        return None
