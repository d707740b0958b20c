"""`rnncli runs [FOLDER]`: every run under a folder, what it trained and how it scored, sorted by
any column; read from the run folders' plain files (`artifacts.run_folder`), no model loaded."""

from __future__ import annotations

from pathlib import Path

from rnncli.artifacts import run_folder


def runs(root: Path, sort: str = "time", reverse: bool = False) -> list[dict]:
    """One row per run folder under `root`, sorted by `sort`."""
    return run_folder.sort_rows(run_folder.collect(root), sort, reverse)
