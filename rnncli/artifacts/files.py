"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one.

Each write goes to a temporary file in the target's folder (`.<name>.<pid>.tmp`), is flushed to
disk, then renamed over the target; a rename within one folder is atomic on POSIX and Windows.
A write that fails (a full disk, a folder removed or read-only) is one clear line naming the
file. Outputs are checked before any work: never a folder, never an input of the run.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rnncli.errors import RnnCliError, WriteFailed

TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")


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
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from exc
        raise
    _sync_folder(path.parent)


def write_error(path: Path, exc: OSError) -> RnnCliError:
    """One line for a file that could not be written, and what to do."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return WriteFailed(
            f"cannot write '{path}': the disk is full ({exc.strerror}); free some space or write elsewhere "
            "(output.dir, --output)"
        )
    if code == errno.EFBIG:
        return WriteFailed(
            f"cannot write '{path}': the file would be larger than this file system allows; write elsewhere"
        )
    if code == errno.ENOENT:
        return RnnCliError(
            f"cannot write '{path}': its folder '{path.parent}' no longer exists (moved or removed while "
            "rnncli ran); put it back, or start again"
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return RnnCliError(
            f"cannot write '{path}': its folder is not writable ({exc.strerror}); choose a folder you can "
            "write"
        )
    return WriteFailed(f"cannot write '{path}' ({exc.strerror or exc}); check the disk, or write elsewhere")


def make_folder(folder: Path) -> None:
    """mkdir -p, with a failure as one line."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(folder / ".", exc) from exc


def check_outputs(*outputs: Path | None) -> None:
    """Refuse, before any work, an --output file that could not be written; None is no output."""
    for output in filter(None, outputs):
        if output.is_dir():
            raise RnnCliError(f"--output '{output}' is a folder; give a file name")
        if not output.parent.is_dir():
            raise RnnCliError(f"--output '{output}': folder '{output.parent}' does not exist")
        if not os.access(output.parent, os.W_OK):
            raise RnnCliError(f"--output '{output}': folder '{output.parent}' is not writable")


def refuse_overwriting(
    outputs: tuple[Path | None, ...] | list[Path | None], protected: dict[Path, str]
) -> None:
    """Refuse an output that is one of the files `protected` maps to what it is (the run's data,
    its checkpoint, a file of its run folder): writing it would destroy an input."""
    for output in filter(None, outputs):
        for path, what in protected.items():
            if _same_file(Path(output), Path(path)):
                raise RnnCliError(
                    f"'{output}' is {what}; writing the output there would replace it: choose another file "
                    "name"
                )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, ValueError):
        return False


def clean_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files of writes whose process is gone (killed mid-write); return them."""
    removed = []
    for path in folder.glob(".*.tmp") if folder.is_dir() else ():
        match = TEMPORARY.match(path.name)
        if match and not _alive(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process: leave its file alone
    return True


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
