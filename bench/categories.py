"""Text columns as categories (data.categorical): what the encoding gains and costs.

    python bench/categories.py

A synthetic panel (made here, seed 0): 20 series of 500 days; each day carries an event known
ahead, one of K kinds, each kind with its own effect on the value (drawn at random, so that a
kind's number says nothing of its effect), over a weekly cycle and noise. For K = 4, 30 and 200,
the same config is trained three ways on the same split: without the event, with it as categories
(one 0/1 input per kind: what rnncli does, its first layer's weights on them a learned embedding of
each kind) and with each kind's index read as a number (what a column of codes would give).

Printed per run: the network's test MAE (the network alone: model.select network), its parameters
(the inputs widen the first layer) and the seconds training took (a fixed number of epochs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from common import CACHE, rnncli, run_timed, save, table

SERIES, DAYS, EPOCHS = 20, 500, 15


def panel(kinds: int) -> tuple[Path, Path]:
    """(the CSV with the event as text, the same with the event as its kind's index)."""
    import numpy as np
    import pandas as pd

    text, codes = CACHE / f"events-{kinds}.csv", CACHE / f"events-{kinds}-codes.csv"
    if text.is_file() and codes.is_file():
        return text, codes
    CACHE.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    effect = rng.normal(0, 8, kinds)
    frames = []
    for k in range(SERIES):
        t = np.arange(DAYS)
        kind = rng.integers(0, kinds, DAYS)
        level = rng.uniform(40, 120)
        y = level + 6 * np.sin(2 * np.pi * t / 7 + k) + effect[kind] + rng.normal(0, 2, DAYS)
        frames.append(
            pd.DataFrame(
                {
                    "series": f"s{k:02d}",
                    "day": pd.date_range("2021-01-01", periods=DAYS, freq="D").strftime("%Y-%m-%d"),
                    "y": y.round(2),
                    "event": [f"kind-{j:03d}" for j in kind],
                    "code": kind,
                }
            )
        )
    frame = pd.concat(frames)
    frame.drop(columns=["code"]).to_csv(text, index=False)
    frame.drop(columns=["event"]).rename(columns={"code": "event"}).to_csv(codes, index=False)
    return text, codes


def config(csv: Path, name: str, future: list[str], categorical: list[str]) -> Path:
    path = CACHE / f"{name}.yaml"
    cfg = {
        "name": name,
        "data": {
            "path": str(csv),
            "time_column": "day",
            "target": "y",
            "id_column": "series",
            "future_features": future,
            "categorical": categorical,
            "val_fraction": 0.15,
            "test_fraction": 0.15,
            "calendar": [],
            "transform": "none",
        },
        "window": {"lookback": 14, "horizon": 1},
        "model": {"cell": "gru", "hidden_size": 32, "select": "network", "ensemble": 1},
        "train": {"epochs": EPOCHS, "patience": EPOCHS, "seed": 0, "refit": False},
        "output": {"dir": str(CACHE / "category-runs")},
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def train(path: Path) -> dict:
    _seconds, done = run_timed(rnncli("train", str(path), "--quiet"))
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    run = next(line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("run folder: "))
    summary = json.loads((Path(run) / "summary.json").read_text())
    return {
        "network_mae": summary["test"]["network"]["mae"],
        "parameters": summary["parameters"],
        "train_seconds": summary["train_seconds"],
    }


def main(argv: list[str]) -> None:
    rows = {}
    for kinds in (4, 30, 200):
        text, codes = panel(kinds)
        runs = {
            "without": config(text, f"events-{kinds}-without", [], []),
            "categories": config(text, f"events-{kinds}-categories", ["event"], ["event"]),
            "index as a number": config(codes, f"events-{kinds}-index", ["event"], []),
        }
        for how, path in runs.items():
            rows[f"K={kinds} {how}"] = train(path)
    header = ["network_mae", "parameters", "train_seconds"]
    table(
        "an event of K kinds known ahead, three ways",
        ["run", *header],
        [[n, *(r[h] for h in header)] for n, r in rows.items()],
    )
    save("categories", {"series": SERIES, "days": DAYS, "epochs": EPOCHS, "rows": rows})


if __name__ == "__main__":
    main(sys.argv[1:])
