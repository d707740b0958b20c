"""Train a grid of configs and rank the runs: `rnncli sweep CONFIG KEY=V1,V2 [KEY=...]`.

Every combination is validated before anything trains, so a typo in the last value fails at
once. Each run is a normal run (`pipeline.run`) under one sweep folder,
`<output.dir>/<name>/sweep-<stamp>` (never one that exists); the runs are ranked by best
validation loss into `sweep.csv` there.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from rnncli import config
from rnncli.artifacts import run_folder
from rnncli.artifacts.files import write_text
from rnncli.errors import RnnCliError, TrainingFailed
from rnncli.report.progress import PlainProgress


@dataclass
class SweepResult:
    sweep_dir: Path
    keys: list[str]
    rows: list[dict]  # ranked: best validation loss first, failed runs last

    @property
    def best(self) -> dict | None:
        return next((r for r in self.rows if r["status"] == "ok"), None)


def grid(args: list[str] | tuple[str, ...]) -> tuple[list[str], list[list[str]]]:
    """`KEY=V1,V2` arguments -> (swept keys, one override list per combination)."""
    axes = []
    for arg in args:
        key, sep, text = arg.partition("=")
        if not sep or not key.strip():
            raise RnnCliError(f"sweep argument '{arg}' must look like KEY=V1,V2,..., e.g. model.cell=rnn,gru")
        values = _split(text)
        if len(set(values)) != len(values):
            raise RnnCliError(f"sweep argument '{arg}' repeats a value")
        axes.append((key.strip(), values))
    swept = [key for key, values in axes if len(values) > 1]
    combos = [
        [f"{key}={value}" for (key, _), value in zip(axes, combo)]
        for combo in itertools.product(*(v for _, v in axes))
    ]
    return swept, combos


def sweep(
    config_path: str | Path, args: list[str] | tuple[str, ...], max_runs: int, progress: PlainProgress
) -> SweepResult:
    """Train every combination; return the ranked runs (and write sweep.csv)."""
    from rnncli.pipeline import inputs, tracking

    swept, combos = grid(args)
    if len(combos) > max_runs:
        raise RnnCliError(
            f"the grid has {len(combos)} runs, more than --max-runs {max_runs}; use fewer values or raise "
            "--max-runs"
        )
    # every combination checked before anything trains
    configs = [inputs.resolve(config.load(config_path, combo)).cfg for combo in combos]
    base = configs[0]
    sweep_dir = run_folder.new_folder(Path(base.output.dir) / base.name, "sweep-", "sweep")
    parent = tracking.parent(base, sweep_dir, "sweep", progress)
    rows = []
    for n, (combo, cfg) in enumerate(zip(combos, configs), start=1):
        label = _label(combo, swept) or "run"
        cfg, _ = config.with_overrides(cfg, [f"output.dir={sweep_dir}", f"name={label}"])
        shown = " ".join(c for c in combo if c.split("=")[0] in swept) or "the config as it is"
        progress.note(f"sweep run {n}/{len(combos)}: {shown}")
        values = {c.split("=", 1)[0]: c.split("=", 1)[1] for c in combo}
        rows.append({**{k: values[k] for k in swept}, **_one(cfg, n, progress, parent)})
    rows.sort(key=lambda r: (r["best_val_loss"] is None, r["best_val_loss"] or 0.0))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    _write_csv(sweep_dir / "sweep.csv", swept, rows)
    best = rows[0]["best_val_loss"] if rows else None
    tracking.end_parent(parent, {} if best is None else {"best_val_loss": best}, progress)
    return SweepResult(sweep_dir, swept, rows)


def _one(cfg: config.Config, n: int, progress: PlainProgress, parent: dict | None) -> dict:
    """One combination trained: its row of sweep.csv (a run that fails is a row that says so)."""
    from rnncli.pipeline.run import train_run

    try:
        result = train_run(cfg, progress, parent=parent)
    except TrainingFailed as exc:
        progress.note(f"sweep run {n} failed: {exc}")
        return {"best_val_loss": None, "test_mae": None, "epochs": None, "status": "failed", "run_dir": ""}
    return {
        "best_val_loss": result.best_val_loss,
        "test_mae": result.scores.metrics["model"]["mae"],
        "epochs": result.epochs_run,
        "status": "ok",
        "run_dir": str(result.run_dir),
    }


def _split(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes: `a,[b,c],'d,e'` -> a | [b,c] | 'd,e'."""
    parts, depth, quote, current = [], 0, None, ""
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    if any(p == "" for p in parts):
        raise RnnCliError(f"sweep values '{text}' hold an empty value; separate values with single commas")
    return parts


def _label(combo: list[str], swept: list[str]) -> str:
    """A folder name from the swept values: model.cell=gru train.lr=0.01 -> cell-gru_lr-0.01."""
    pieces = [
        f"{c.split('=', 1)[0].rsplit('.', 1)[-1]}-{c.split('=', 1)[1]}"
        for c in combo
        if c.split("=", 1)[0] in swept
    ]
    return re.sub(r"[^A-Za-z0-9._-]+", "", "_".join(pieces))[:120]


def _write_csv(path: Path, swept: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf,
        fieldnames=["rank", *swept, "best_val_loss", "test_mae", "epochs", "status", "run_dir"],
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, buf.getvalue())
