"""Builders for the tests: small CSVs and configs written to a folder."""

from __future__ import annotations

import math
from pathlib import Path

import yaml


def write_csv(
    path: Path,
    n: int = 240,
    freq: str = "D",
    start: str = "2021-01-01",
    time_column: str = "date",
    target: str = "y",
    features: tuple[str, ...] = (),
    drop: tuple[int, ...] = (),
    seed: int = 0,
) -> Path:
    """A seasonal series with noise: y = 10 + 3 sin(2 pi t / 7) + t/100 + noise; features are shifted
    copies."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=n, freq=freq)
    t = np.arange(n)
    frame = pd.DataFrame(
        {time_column: times.strftime("%Y-%m-%d %H:%M:%S" if freq not in ("D", "MS", "W-SUN") else "%Y-%m-%d")}
    )
    frame[target] = np.round(10 + 3 * np.sin(2 * math.pi * t / 7) + t / 100 + rng.normal(0, 0.3, n), 4)
    for k, name in enumerate(features, start=1):
        frame[name] = np.round(np.roll(frame[target].to_numpy(), k) + rng.normal(0, 0.1, n), 4)
    frame = frame.drop(index=list(drop))
    frame.to_csv(path, index=False)
    return path


def write_values(path: Path, y, freq: str = "D", start: str = "2015-01-01") -> Path:
    """A CSV of one series, columns date and y, from the values given."""
    import pandas as pd

    times = pd.date_range(start, periods=len(y), freq=freq)
    pd.DataFrame({"date": times.strftime("%Y-%m-%d" if freq == "D" else "%Y-%m-%d %H:%M"), "y": y}).to_csv(
        path, index=False
    )
    return path


# Every key the data could otherwise choose (config.choices.CHOSEN), set: tests see the settings they write;
# and the network served, so a test of the network's mechanics does not depend on what selection chooses
# (tests of selection set model.select: auto).
FIXED = {
    "data": {
        "val_fraction": 0.1,
        "test_fraction": 0.1,
        "val_steps": None,
        "test_steps": None,
        "calendar": [],
        "transform": "none",
    },
    "model": {"normalize": "none", "segment": None, "ensemble": 1, "select": "network"},
    # checkpoint_every 0: every epoch written, so a test may stop a run after any epoch
    "train": {"patience": 10, "loss": "mse", "steps_per_epoch": None, "refit": False, "checkpoint_every": 0},
}


def write_config(path: Path, csv: Path, runs: Path, **sections) -> Path:
    """A small, fast config with every key the data would choose set; `sections` replace keys,
    e.g. model={"cell": "gru"}."""
    cfg = {
        "name": "tiny",
        "data": {"path": str(csv), "time_column": "date", "target": "y", **FIXED["data"]},
        "window": {"lookback": 14, "horizon": 1, "mode": "many_to_one"},
        "model": {"cell": "rnn", "hidden_size": 8, **FIXED["model"]},
        "train": {"epochs": 3, "batch_size": 16, "lr": 0.01, "seed": 0, "device": "cpu", **FIXED["train"]},
        "output": {"dir": str(runs)},
    }
    for section, values in sections.items():
        if isinstance(values, dict):
            cfg.setdefault(section, {}).update(values)
        else:
            cfg[section] = values
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def newest_run(runs: Path) -> Path:
    found = sorted(p.parent for p in runs.glob("*/*/config.yaml"))
    assert found, f"no run folder under {runs}"
    return max(found, key=lambda p: p.stat().st_mtime_ns)


def rows(out: str) -> list[list[str]]:
    """The cells of each body row of a rich table printed as text."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in out.splitlines()
        if line.startswith("│")
    ]


def prepare_file(schema, *args, **kw):
    """`data.prepared.prepare` on the series the schema's CSV holds."""
    from rnncli.data import timeseries
    from rnncli.data.prepared import prepare

    return prepare(timeseries.load(schema), schema, *args, **kw)


CLASSICAL = {"persistence", "seasonal_naive", "linear_ar", "theta", "ets", "com"}  # every baseline scored
