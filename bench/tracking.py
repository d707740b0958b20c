"""What experiment tracking costs: per epoch, and once per run (opening and closing the trackers).

    python bench/tracking.py [--repeat 3]

The bundled config (Seattle, daily) is trained for 2 and for 8 epochs with train.tracking empty,
[tensorboard], [mlflow] (a fresh SQLite store in the output folder each time: its tables are made
on the first run) and both, each the median of `repeat` runs (patience off, so every run trains
all its epochs). Per epoch: (wall at 8 - wall at 2) / 6, beside the same without tracking; once
per run: wall at 2 epochs less 2 epochs' cost, beside the same without tracking.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from common import CACHE, ROOT, median, rnncli, run_timed, save, table

CONFIG = str(ROOT / "configs" / "seattle_temp_max.yaml")
DATA = f"data.path={ROOT / 'data' / 'seattle-weather.csv'}"
SETTINGS = {
    "none": "[]",
    "tensorboard": "[tensorboard]",
    "mlflow": "[mlflow]",
    "both": "[tensorboard,mlflow]",
}


def wall(tracking: str, epochs: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        out = CACHE / "tracking-runs"
        shutil.rmtree(out, ignore_errors=True)
        cmd = rnncli(
            "train",
            CONFIG,
            DATA,
            f"train.epochs={epochs}",
            "train.patience=null",
            f"train.tracking={tracking}",
            f"output.dir={out}",
            "-q",
        )
        seconds, done = run_timed(cmd, env={"MLFLOW_TRACKING_URI": ""})
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        times.append(seconds)
    return median(times)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args(argv).repeat
    rows = {}
    for name, tracking in SETTINGS.items():
        short, long = wall(tracking, 2, repeat), wall(tracking, 8, repeat)
        per_epoch = (long - short) / 6
        rows[name] = {"per_epoch_s": per_epoch, "once_s": short - 2 * per_epoch}
    base = rows["none"]
    for row in rows.values():
        row["extra_per_epoch_s"] = row["per_epoch_s"] - base["per_epoch_s"]
        row["extra_once_s"] = row["once_s"] - base["once_s"]
    header = ["tracking", "per_epoch_s", "extra_per_epoch_s", "once_s", "extra_once_s"]
    table(
        "the cost of train.tracking (seconds)",
        header,
        [[n, *(r[h] for h in header[1:])] for n, r in rows.items()],
    )
    save("tracking", rows)


if __name__ == "__main__":
    main(sys.argv[1:])
