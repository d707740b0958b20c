"""What experiment tracking costs: importing each tracker, opening it on a run, each epoch logged,
and the final scores and files.

    python bench/tracking.py [--epochs 50]

A run of the bundled config (Seattle, 2 epochs) is trained once without tracking; then each
tracker is timed on that run folder exactly as training drives it (`pipeline/trackers.py`): opened
(MLflow on a fresh SQLite store, whose tables are made on the first run, and again on one that
exists), `--epochs` epochs logged (the median is printed), the final scores and small files
logged, closed. Imports are timed in fresh interpreters, beside `import torch` (what training
imports anyway). Timing the trackers directly, not whole trainings, keeps the epochs' own noise
out of figures that are a fraction of it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time

from common import CACHE, ROOT, save, table

CONFIG = str(ROOT / "configs" / "seattle_temp_max.yaml")
DATA = f"data.path={ROOT / 'data' / 'seattle-weather.csv'}"
IMPORTS = {
    "torch (training imports it anyway)": "import torch",
    "tensorboard": "import torch, torch.utils.tensorboard",
    "mlflow": "import torch, mlflow.tracking, sqlalchemy",
}


def import_seconds(code: str, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        tick = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - tick)
    return statistics.median(times)


def timed(call) -> float:
    tick = time.perf_counter()
    call()
    return time.perf_counter() - tick


def measure(kind, run_dir, cfg, summary: dict, rows: list[dict], fresh: bool) -> dict:
    (run_dir / "tracking.json").unlink(missing_ok=True)
    shutil.rmtree(run_dir / "tensorboard", ignore_errors=True)
    if fresh:
        for name in ("mlflow.db", "mlartifacts"):
            target = CACHE / "tracking-runs" / name
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    made = []
    opened = timed(lambda: made.append(kind(run_dir, cfg, None)))
    tracker = made[0]
    per_epoch = statistics.median(timed(lambda row=row: tracker.epoch(row)) for row in rows)
    finished = timed(lambda: tracker.finish(run_dir, summary))
    closed = timed(lambda: tracker.close("FINISHED"))
    return {"open_s": opened, "per_epoch_s": per_epoch, "final_s": finished + closed}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    epochs = parser.parse_args(argv).epochs
    from rnncli import config
    from rnncli.pipeline import trackers
    from rnncli.pipeline.run import train_run
    from rnncli.report.progress import Silent

    out = CACHE / "tracking-runs"
    shutil.rmtree(out, ignore_errors=True)
    cfg = config.load(CONFIG, [DATA, "train.epochs=2", f"output.dir={out}"])
    run_dir = train_run(cfg, Silent()).run_dir
    summary = json.loads((run_dir / "summary.json").read_text())
    base = {
        "train_loss": 0.3,
        "val_loss": 0.25,
        "val_mae": 2.9,
        "lr": 0.002,
        "grad_norm": 0.5,
        "seconds": 1.0,
    }
    rows = [{"epoch": k + 1, **base} for k in range(epochs)]
    results = {
        "tensorboard": measure(trackers.TensorBoard, run_dir, cfg, summary, rows, fresh=True),
        "mlflow, new store": measure(trackers.MLflow, run_dir, cfg, summary, rows, fresh=True),
        "mlflow, existing store": measure(trackers.MLflow, run_dir, cfg, summary, rows, fresh=False),
    }
    header = ["open_s", "per_epoch_s", "final_s"]
    table(
        "train.tracking: seconds per call",
        ["tracker", *header],
        [[n, *(r[h] for h in header)] for n, r in results.items()],
    )
    imports = {name: import_seconds(code) for name, code in IMPORTS.items()}
    table(
        "imports (fresh interpreter, median of 3)",
        ["import", "seconds"],
        [[n, s] for n, s in imports.items()],
    )
    save("tracking", {"calls": results, "imports": imports, "epochs": epochs})


if __name__ == "__main__":
    main(sys.argv[1:])
