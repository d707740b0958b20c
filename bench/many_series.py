"""Many series: 2,000 synthetic daily series of mixed lengths (a tenth shorter than the lookback)
in one long CSV, trained with train.steps_per_epoch: time per epoch against the steps asked for,
and peak memory against one copy of the data.

    python bench/many_series.py [--series 2000] [--steps 100 200 400]

Each run trains 2 epochs of `steps` batches (batch 256, GRU 64, lookback 56 in 8 segments of 7,
horizon 7, normalize last, the last 14 days of every series validating and testing) and reads the
seconds of its second epoch from metrics.csv; training time should follow the steps, not the
windows (an epoch of every window would be `windows / 256` steps). Peak RSS is set beside the
reference: the interpreter with torch imported and the data as float32 (rows x 2 columns: the
values and the availability column of padded series), made once, the floor of any run.
"""

from __future__ import annotations

import argparse
import csv
import sys

from common import CACHE, measured, newest_run, rnncli, save, table

REFERENCE = "import torch; x = torch.ones({rows}, 2)"  # interpreter + torch + the data, touched


def many_csv(count: int, seed: int = 0) -> tuple[str, int]:
    """(path, rows) of a long CSV of `count` daily series of 30 to 1,500 rows, made once."""
    import numpy as np
    import pandas as pd

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"many-{count}.csv"
    rng = np.random.default_rng(seed)
    lengths = np.where(rng.random(count) < 0.1, rng.integers(30, 56, count), rng.integers(56, 1500, count))
    if not path.is_file():
        end = pd.Timestamp("2024-12-31")
        with open(path.with_suffix(".tmp"), "w", newline="") as fh:
            fh.write("store,day,sales\n")
            for k, n in enumerate(lengths):
                t = np.arange(n)
                level = rng.uniform(5, 500)
                y = level * (1 + 0.2 * np.sin(2 * np.pi * t / 7 + rng.uniform(0, 6))) + rng.normal(
                    0, 0.05 * level, n
                )
                days = pd.date_range(end=end, periods=n, freq="D").strftime("%Y-%m-%d")
                pd.DataFrame({"store": f"S{k:04d}", "day": days, "sales": np.round(y, 3)}).to_csv(
                    fh, header=False, index=False
                )
        path.with_suffix(".tmp").replace(path)
    return str(path), int(lengths.sum())


def config(path: str, steps: int) -> str:
    import yaml

    cfg = {
        "name": f"many-{steps}",
        "data": {
            "path": path,
            "time_column": "day",
            "id_column": "store",
            "target": "sales",
            "val_steps": 14,
            "test_steps": 14,
            "calendar": [],
            "transform": "none",
        },
        "window": {"lookback": 56, "horizon": 7},
        "model": {"cell": "gru", "hidden_size": 64, "normalize": "last", "segment": 7, "ensemble": 1},
        "train": {
            "epochs": 2,
            "steps_per_epoch": steps,
            "batch_size": 256,
            "lr": 0.001,
            "patience": 5,
            "loss": "mae",
            "refit": False,
            "device": "cpu",
        },
        "output": {"dir": str(CACHE / "runs")},
    }
    out = CACHE / f"many-{steps}.yaml"
    out.write_text(yaml.safe_dump(cfg))
    return str(out)


def epoch_seconds(run) -> tuple[float, int]:
    """(seconds of the second epoch, training windows) of a finished run."""
    import json

    with open(run / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    summary = json.loads((run / "summary.json").read_text())
    return float(rows[-1]["seconds"]), summary["data"]["windows"]["train"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--steps", type=int, nargs="*", default=[100, 200, 400])
    args = parser.parse_args(argv)
    path, rows = many_csv(args.series)
    reference = measured([sys.executable, "-c", REFERENCE.format(rows=rows)])[1]
    runs = []
    for steps in args.steps:
        wall, peak = measured(rnncli("train", config(path, steps), "-q"))
        seconds, windows = epoch_seconds(newest_run(f"many-{steps}"))
        runs.append(
            {
                "steps": steps,
                "epoch_s": seconds,
                "ms_per_step": 1000 * seconds / steps,
                "wall_s": wall,
                "peak_mb": peak,
                "vs_reference": peak / reference,
                "windows": windows,
            }
        )
    full = runs[0]["windows"] / 256 if runs[0]["windows"] else None
    table(
        f"{args.series:,} series, {rows:,} rows: an epoch of train.steps_per_epoch batches",
        ["steps", "epoch s", "ms / step", "run wall s", "peak MB", "vs reference"],
        [
            [r["steps"], r["epoch_s"], r["ms_per_step"], r["wall_s"], r["peak_mb"], r["vs_reference"]]
            for r in runs
        ],
    )
    print(
        f"reference (interpreter + torch + the data as float32): {reference:.0f} MB; an epoch of every "
        f"window would be {full:,.0f} steps"
        if full
        else f"reference: {reference:.0f} MB"
    )
    result = {
        "series": args.series,
        "rows": rows,
        "reference_mb": reference,
        "runs": runs,
        "full_epoch_steps": full,
        "time_ratio": runs[-1]["epoch_s"] / runs[0]["epoch_s"],
        "steps_ratio": runs[-1]["steps"] / runs[0]["steps"],
    }
    save("many_series", result)
    return result


if __name__ == "__main__":
    main()
