"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one.

Each write goes to a new temporary file in the target's folder (`.<name>.<pid>-<random>.tmp`,
created exclusively, never through a symlink), is flushed to disk, then renamed over the target
(a symlink there is replaced, not followed); a rename within one folder is atomic on POSIX and Windows.
A write that fails (a full disk, a folder removed or read-only) is one clear line naming the
file. Outputs are checked before any work: never a folder, never an input of the run.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rnncli.errors import RnnCliError, WriteFailed

TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)(-[a-z0-9_]+)?\.tmp$")


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write(fh)` on a temporary file beside `path`, then move it into place."""
    path = Path(path)
    tmp = None
    try:
        tmp = temporary_beside(path)
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from exc
        if isinstance(exc, RuntimeError) and "inline_container" in str(exc):
            raise write_error(path, _cause(path)) from exc  # torch.save's writer, failing mid-file
        raise
    _sync_folder(path.parent)


def _cause(path: Path) -> OSError:
    """What made torch's zip writer fail (it says only "unexpected pos"): a full disk, or else an
    error of the device."""
    try:
        stats = os.statvfs(path.parent)
        full = stats.f_bavail * stats.f_frsize < 1 << 20
    except (OSError, AttributeError):
        full = False
    code = errno.ENOSPC if full else errno.EIO
    return OSError(code, os.strerror(code))


def temporary_beside(path: Path) -> Path:
    """A new, empty file beside `path` for a write to go to first: a name no one can guess, created
    by this call alone (O_EXCL, never through a symlink planted there), readable as `path` would be."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes it private; the output is the user's usual file
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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


BACKTEST_PLAN = "backtest-plan.json"  # what makes a folder a backtest's (beside its fold run folders)


def check_outputs(*outputs: Path | None) -> None:
    """Refuse, before any work, an --output file that could not be written, and any file inside a run
    or backtest folder, whose files rnncli alone writes. None is no output."""
    for output in filter(None, outputs):
        if output.is_dir():
            raise RnnCliError(f"--output '{output}' is a folder; give a file name")
        if not output.parent.is_dir():
            raise RnnCliError(f"--output '{output}': folder '{output.parent}' does not exist")
        owner = run_folder_around(output)
        if owner is not None:
            raise RnnCliError(
                f"'{output}' is inside the run folder '{owner}', whose files rnncli writes itself; write "
                "the output elsewhere"
            )
        if not os.access(output.parent, os.W_OK):
            raise RnnCliError(f"--output '{output}': folder '{output.parent}' is not writable")


def run_folder_around(path: Path) -> Path | None:
    """The run folder (config.yaml beside checkpoints/) or backtest folder that holds `path`, if any."""
    try:
        folder = path.parent.resolve()
    except (OSError, RuntimeError):
        return None
    for candidate in (folder, *folder.parents):
        if (candidate / "checkpoints").is_dir() and (candidate / "config.yaml").is_file():
            return candidate
        if (candidate / BACKTEST_PLAN).is_file():
            return candidate
    return None


def refuse_overwriting(
    outputs: tuple[Path | None, ...] | list[Path | None], protected: dict[Path, str], force: bool = False
) -> None:
    """Refuse an output that is one of the files `protected` maps to what it is (the run's data,
    its checkpoint, a file of its run folder): writing it would destroy an input. Then any other
    file that exists, unless `force` (the user said to replace it)."""
    for output in filter(None, outputs):
        for path, what in protected.items():
            if _same_file(Path(output), Path(path)):
                raise RnnCliError(
                    f"'{output}' is {what}; writing the output there would replace it: choose another file "
                    "name"
                )
    for output in filter(None, outputs):
        if os.path.lexists(output) and not force:
            raise RnnCliError(f"'{output}' exists; add --force to replace it, or give another file name")


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
