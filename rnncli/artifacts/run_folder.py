"""Run folders: `<output.dir>/<name>/<YYYYmmdd-HHMMSS>`, a new one for every run, never overwritten.

A run folder holds the resolved `config.yaml`, `metrics.csv` (one row per epoch), `summary.json`,
`loss.png` and `checkpoints/{best,last}.pt`. Every file is written atomically. `collect` reads
what `rnncli runs` lists from these plain files, without loading any model.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

from rnncli.artifacts.files import write_json, write_text
from rnncli.errors import RnnCliError

METRIC_COLUMNS = ("epoch", "train_loss", "val_loss", "val_mae", "lr", "grad_norm", "seconds")
RUN_FILES = (
    "config.yaml",
    "metrics.csv",
    "summary.json",
    "loss.png",
)  # beside checkpoints/: what training writes


def protected(run_dir: Path) -> dict[Path, str]:
    """The files training wrote into a run folder, which no output may replace."""
    files = {run_dir / name: f"a file of the run folder '{run_dir}'" for name in RUN_FILES}
    files.update(
        {
            path: f"a checkpoint of the run folder '{run_dir}'"
            for path in (run_dir / "checkpoints").glob("*.pt")
        }
    )
    return files


def create(root: str | Path, name: str) -> Path:
    """Make a fresh run folder (with `checkpoints/`); a name clash within a second gets a suffix."""
    run_dir = new_folder(Path(root) / name, "", "run")
    try:
        (run_dir / "checkpoints").mkdir()
    except OSError as exc:
        raise RnnCliError(
            f"cannot create a run folder under '{run_dir.parent}' ({exc.strerror}); set output.dir to a "
            "folder you can write"
        ) from exc
    check_writable(run_dir)
    return run_dir


def new_folder(base: Path, prefix: str, what: str) -> Path:
    """Make `base/<prefix><YYYYmmdd-HHMMSS>`, never one that exists: a clash within a second gets a
    suffix (-2, -3, ...). `what` names the folder in errors ("run", "backtest")."""
    stamp = prefix + time.strftime("%Y%m%d-%H%M%S")
    try:
        base.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            folder = base / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return folder
    except OSError as exc:
        raise RnnCliError(
            f"cannot create a {what} folder under '{base}' ({exc.strerror}); set output.dir to a folder "
            "you can write"
        ) from exc
    raise RnnCliError(f"too many {what}s started in the same second under '{base}'")


def create_at(run_dir: str | Path) -> Path:
    """Make the run folder `run_dir` itself (with `checkpoints/`); refused if it exists: nothing is
    overwritten."""
    run_dir = Path(run_dir)
    try:
        run_dir.parent.mkdir(parents=True, exist_ok=True)
        run_dir.mkdir()
        (run_dir / "checkpoints").mkdir()
    except FileExistsError:
        raise RnnCliError(f"'{run_dir}' exists already; a run folder is never overwritten") from None
    except OSError as exc:
        raise RnnCliError(
            f"cannot create the run folder '{run_dir}' ({exc.strerror}); set output.dir to a folder you "
            "can write"
        ) from exc
    check_writable(run_dir)
    return run_dir


def write_metrics(run_dir: Path, rows: list[dict]) -> None:
    """metrics.csv with every epoch so far, rewritten atomically so it is never torn."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=METRIC_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _fmt(r[k]) for k in METRIC_COLUMNS} for r in rows)
    write_text(run_dir / "metrics.csv", buf.getvalue())


def check_writable(folder: Path, resuming: bool = False) -> None:
    """Fail now, before any training, if files cannot be written in `folder` (a run folder being
    resumed cannot move: the advice is to make it writable, or to copy it somewhere writable)."""
    probe = folder / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        fix = (
            f"make it writable (chmod -R u+w '{folder}'), or copy the run folder to a folder you can "
            "write and resume that copy"
            if resuming
            else "set output.dir to a folder you can write"
        )
        raise RnnCliError(f"cannot write in '{folder}' ({exc.strerror}); {fix}") from exc


def _fmt(value: float | int) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def write_summary(run_dir: Path, summary: dict) -> None:
    write_json(run_dir / "summary.json", summary)


RUN_COLUMNS = (
    "folder",
    "name",
    "time",
    "mode",
    "cell",
    "hidden",
    "lookback",
    "epochs",
    "best_val_loss",
    "test_mae",
    "vs_persistence",
    "coverage",
    "msis",
    "status",
)


def collect(root: str | Path) -> list[dict]:
    """One row per run folder found under `root` (sweeps and backtest folds included; not the
    trainings a run keeps inside its own folder, at earlier origins or refitted): what it trained,
    read from its checkpoint, and how it scored. A damaged folder (its checkpoint, metrics or
    summary unreadable) is listed as damaged, not fatal."""
    root = Path(root)
    if not root.is_dir():
        raise RnnCliError(
            f"'{root}' is not a folder of runs; give the output.dir your runs went to (default: runs)"
        )
    found = [p.parent for p in sorted(root.glob("**/config.yaml")) if (p.parent / "checkpoints").is_dir()]
    runs = set(found)
    inside = {d for d in found if any(parent in runs for parent in d.parents)}  # a run's own retrainings
    return [_row(d, root) for d in found if d not in inside]


def _row(run_dir: Path, root: Path) -> dict:
    row = {column: None for column in RUN_COLUMNS} | {
        "folder": str(run_dir.relative_to(root)),
        "time": _stamp(run_dir.name),
        "path": str(run_dir),
    }
    try:
        cfg = _trained_config(run_dir)
        history = (
            _read(run_dir / "metrics.csv", _metrics, list) if (run_dir / "metrics.csv").is_file() else []
        )
        summary = (
            _read(run_dir / "summary.json", json.loads, dict)
            if (run_dir / "summary.json").is_file()
            else None
        )
    except _Damaged as exc:
        return row | {"name": run_dir.parent.name, "status": f"damaged: {exc}"}
    test = (summary or {}).get("test", {})
    mae, persistence = (
        test.get("model", {}).get("mae"),
        test.get("baselines", {}).get("persistence", {}).get("mae"),
    )
    window, model = cfg.get("window") or {}, cfg.get("model") or {}
    iv = test.get("intervals") or {}
    return row | {
        "coverage": None
        if iv.get("coverage") is None
        else f"{iv['coverage']:.1%} of {iv['coverage_target']:.0%}",
        "msis": iv.get("msis"),
        "name": cfg.get("name"),
        "mode": window.get("mode"),
        "cell": model.get("cell"),
        "hidden": model.get("hidden_size"),
        "lookback": window.get("lookback"),
        "epochs": len(history),
        "best_val_loss": min((r["val_loss"] for r in history), default=None),
        "test_mae": mae,
        "vs_persistence": mae / persistence if mae is not None and persistence else None,
        "status": "unfinished"
        if summary is None
        else "stopped early"
        if summary.get("stopped_early")
        else "done",
    }


def _trained_config(run_dir: Path) -> dict:
    """The config the run trained with, as its checkpoint records it (config.yaml may have been
    edited since): the best checkpoint's, or the last one's while the run has no best yet."""
    from rnncli.artifacts import checkpoint
    from rnncli.errors import RnnCliError

    which = "best" if checkpoint.path(run_dir, "best").is_file() else "last"
    try:
        cfg = checkpoint.load(checkpoint.path(run_dir, which), mmap=True).get("config")
    except RnnCliError as exc:
        raise _Damaged(f"{which}.pt cannot be read") from exc
    if not isinstance(cfg, dict):
        raise _Damaged(f"{which}.pt records no config")
    return cfg


class _Damaged(Exception):
    """A run folder's file that cannot be read; its message says which and why."""


def _read(path: Path, parse, kind: type):
    try:
        value = parse(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise _Damaged(f"{path.name} cannot be read ({type(exc).__name__})") from exc
    if not isinstance(value, kind):
        raise _Damaged(f"{path.name} holds no {'rows' if kind is list else 'mapping'}")
    return value


def read(run_dir: Path, name: str) -> dict | list:
    """A run folder's summary.json, config.yaml (as a mapping) or metrics.csv (rows of numbers);
    one clear line when it is missing or damaged."""
    parse, kind = {
        "summary.json": (json.loads, dict),
        "config.yaml": (_yaml, dict),
        "metrics.csv": (_metrics, list),
    }[name]
    if not (run_dir / name).is_file():
        raise RnnCliError(f"'{run_dir}' has no {name}; give a run folder made by 'rnncli train'")
    try:
        return _read(run_dir / name, parse, kind)
    except _Damaged as exc:
        raise RnnCliError(f"'{run_dir}': {exc}") from None


def _yaml(text: str) -> dict:
    import yaml

    return yaml.safe_load(text)


def _metrics(text: str) -> list[dict]:
    return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


def sort_rows(rows: list[dict], column: str, reverse: bool = False) -> list[dict]:
    if column not in RUN_COLUMNS:
        raise RnnCliError(f"--sort {column!r}: sort by one of {', '.join(RUN_COLUMNS)}")
    present = [r for r in rows if r[column] is not None]
    return sorted(present, key=lambda r: r[column], reverse=reverse) + [r for r in rows if r[column] is None]


def _stamp(folder: str) -> str:
    """20261122-204010 -> 2026-11-22 20:40:10 (a suffix for runs started in the same second is kept)."""
    try:
        parsed = time.strptime(folder[:15], "%Y%m%d-%H%M%S")
    except ValueError:
        return folder
    return time.strftime("%Y-%m-%d %H:%M:%S", parsed) + folder[15:]
