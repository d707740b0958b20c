"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one.

Each write goes to a temporary file in the target's folder, is flushed to disk, then renamed over
the target; a rename within one folder is atomic on POSIX and Windows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write(fh)` on a temporary file beside `path`, then move it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def check_outputs(*outputs: Path | None) -> None:
    """Refuse, before any work, an --output file that could not be written; None is no output."""
    from rnncli.errors import RnnCliError

    for output in filter(None, outputs):
        if output.is_dir():
            raise RnnCliError(f"--output '{output}' is a folder; give a file name")
        if not output.parent.is_dir():
            raise RnnCliError(f"--output '{output}': folder '{output.parent}' does not exist")
        if not os.access(output.parent, os.W_OK):
            raise RnnCliError(f"--output '{output}': folder '{output.parent}' is not writable")


def write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def write_json(path: str | Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder, which is harmless."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
