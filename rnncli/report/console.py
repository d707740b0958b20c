"""Where output goes: standard output for tables and results, standard error for progress.

Into a pipe, a file or a CI log, tables keep their natural width (rich would otherwise fit them to
80 columns and cut names short); on a terminal, training shows a live bar unless told to be quiet.
"""

from __future__ import annotations

import sys
from pathlib import Path

UNBOUNDED_WIDTH = 100_000  # wider than any table; tables are not stretched to it, only never squeezed


def stdout():
    from rich.console import Console

    console = Console(markup=False)  # user text (column names, ids, paths) may hold [brackets]
    if not console.is_terminal:
        console.width = UNBOUNDED_WIDTH
    return console


def progress(quiet: bool, folds: bool = False):
    """A live progress bar on a terminal, else (or when quiet) one plain line per epoch; a quiet
    backtest (`folds`) says only which fold it is in, and each warning once."""
    from rich.console import Console

    from rnncli.report.progress import FoldLines, PlainProgress, RichProgress

    if quiet and folds:
        return FoldLines(sys.stderr)
    err = Console(stderr=True, markup=False)
    return RichProgress(err) if err.is_terminal and not quiet else PlainProgress(sys.stderr)


def warn(warnings: list[str]) -> None:
    """Warnings about the data, one line each on standard error."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr, flush=True)


def wrote(console, *outputs: Path | None) -> None:
    """One 'wrote PATH' line per file written (None: not asked for)."""
    for output in filter(None, outputs):
        console.print(f"wrote {output}", highlight=False)
