"""What calibrating prediction intervals on fewer validation windows costs in coverage.

    python bench/intervals.py

Training bounds interval calibration by a budget of forecasts, so a long season (1,440 one-minute
steps) is calibrated on as few as a few hundred evenly spread validation windows instead of
20,000. Split conformal intervals keep their coverage guarantee with any number of windows; what
fewer windows cost is a noisier quantile. This measures it on a series with known noise: an
hourly cycle plus Gaussian noise of sd 1. A model is trained once; every validation window is
rolled 24 steps ahead; then, for each window count n, 20 random subsets of n windows give the 90%
half-width per step (the conformal rank of their errors), and the test windows give the coverage
each subset achieves. The row for n = all is what training does on a short season.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from common import ROOT, save, table

sys.path.insert(0, str(ROOT))

COVERAGE = 0.9
STEPS = 24
SUBSETS = 20


def series_csv(folder: Path, rows: int = 20_000) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    t = np.arange(rows)
    frame = pd.DataFrame(
        {
            "time": pd.date_range("2020-01-01", periods=rows, freq="h").strftime("%Y-%m-%d %H:%M"),
            "value": 10
            + 4 * np.sin(2 * np.pi * t / 24)
            + 2 * np.sin(2 * np.pi * t / 168)
            + rng.normal(0, 1, rows),
        }
    )
    path = folder / "noisy.csv"
    frame.to_csv(path, index=False)
    return path


def rolled_errors(model, prepared, split: str):
    """|forecast - actual| in real units for every window of `split` rolled STEPS ahead: (windows, STEPS)."""
    import torch

    from rnncli.evaluation import recursive

    lookback = prepared.spec.lookback
    n_train, n_val, n_test = prepared.layout.parts[0]
    first, last = {
        "val": (n_train - lookback, n_train + n_val - STEPS - lookback),
        "test": (n_train + n_val - lookback, n_train + n_val + n_test - STEPS - lookback),
    }[split]
    values, out = prepared.windows.values, []
    for chunk in torch.arange(first, last + 1).split(1024):
        rows = values[chunk[:, None] + torch.arange(lookback + STEPS)]
        actual = rows[:, lookback:, :1].clone()
        out.append((recursive.roll(model, rows, lookback, 1, 0) - actual).abs()[..., 0])
    return torch.cat(out).double() * prepared.scaler.scale[0, 0].double()


def main(argv: list[str] | None = None) -> list[dict]:
    import torch

    from rnncli import config
    from rnncli.pipeline.inputs import prepared_of
    from rnncli.pipeline.run import train_run as train

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = series_csv(folder)
        cfg = config.load(_config(folder, csv))
        run_dir = train(cfg).run_dir
        from rnncli.artifacts.trained import open_trained

        trained = open_trained(run_dir)
        prepared = prepared_of(cfg)
        val, test = (
            rolled_errors(trained.model, prepared, "val"),
            rolled_errors(trained.model, prepared, "test"),
        )
    g = torch.Generator().manual_seed(0)
    results = []
    for n in (len(val), 2000, 1000, 500, 200):
        coverages, widths = [], []
        for _k in range(1 if n == len(val) else SUBSETS):
            subset = val if n == len(val) else val[torch.randperm(len(val), generator=g)[:n]]
            rank = math.ceil((n + 1) * COVERAGE)
            half = subset.sort(0).values[rank - 1]  # (STEPS,)
            coverages.append((test <= half).double().mean().item())
            widths.append(2 * half.mean().item())
        results.append(
            {
                "windows": n,
                "subsets": len(coverages),
                "coverage_mean": sum(coverages) / len(coverages),
                "coverage_min": min(coverages),
                "coverage_max": max(coverages),
                "width_mean": sum(widths) / len(widths),
                "width_min": min(widths),
                "width_max": max(widths),
            }
        )
    table(
        f"90% intervals 1-{STEPS} steps ahead, noise sd 1 ({len(test)} test windows); subsets of the "
        "validation windows",
        ["windows", "subsets", "coverage mean", "min", "max", "width mean", "min", "max"],
        [
            [
                r["windows"],
                r["subsets"],
                r["coverage_mean"],
                r["coverage_min"],
                r["coverage_max"],
                r["width_mean"],
                r["width_min"],
                r["width_max"],
            ]
            for r in results
        ],
    )
    save("intervals", results)
    return results


def _config(folder: Path, csv: Path) -> Path:
    import yaml

    path = folder / "noisy.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "noisy",
                "data": {
                    "path": str(csv),
                    "time_column": "time",
                    "target": "value",
                    "val_fraction": 0.25,
                    "test_fraction": 0.15,
                },
                "window": {"lookback": 48},
                "model": {"cell": "gru", "hidden_size": 16},
                "train": {"epochs": 4, "batch_size": 128, "lr": 0.005, "device": "cpu"},
                "output": {"dir": str(folder / "runs")},
            }
        )
    )
    return path


if __name__ == "__main__":
    main()
