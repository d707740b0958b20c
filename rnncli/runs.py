"""Run folders: `<output.dir>/<name>/<YYYYmmdd-HHMMSS>`, a new one for every run, never overwritten.

A run folder holds the resolved `config.yaml`, `metrics.csv` (one row per epoch), `summary.json`
and `checkpoints/{best,last}.pt`. Every file is written atomically.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

from rnncli.errors import RnnCliError
from rnncli.files import write_json, write_text

METRIC_COLUMNS = ("epoch", "train_loss", "val_loss", "val_mae", "lr", "grad_norm", "seconds")


def create(root: str | Path, name: str) -> Path:
    """Make a fresh run folder (with `checkpoints/`); a name clash within a second gets a suffix."""
    base = Path(root) / name
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        base.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            run = base / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                run.mkdir()
            except FileExistsError:
                continue
            (run / "checkpoints").mkdir()
            check_writable(run)
            return run
    except OSError as exc:
        raise RnnCliError(f"cannot create a run folder under '{base}' ({exc.strerror}); set output.dir to a folder you can write") from exc
    raise RnnCliError(f"too many runs started in the same second under '{base}'")


def checkpoint_path(run: Path, which: str = "best") -> Path:
    return run / "checkpoints" / f"{which}.pt"


def write_metrics(run: Path, rows: list[dict]) -> None:
    """metrics.csv with every epoch so far, rewritten atomically so it is never torn."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=METRIC_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _fmt(r[k]) for k in METRIC_COLUMNS} for r in rows)
    write_text(run / "metrics.csv", buf.getvalue())


def check_writable(folder: Path) -> None:
    """Fail now, before any training, if files cannot be written in `folder`."""
    probe = folder / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RnnCliError(f"cannot write in '{folder}' ({exc.strerror}); set output.dir to a folder you can write") from exc


def _fmt(value: float | int) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def write_summary(run: Path, summary: dict) -> None:
    write_json(run / "summary.json", summary)
