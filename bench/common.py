"""Helpers shared by the benchmarks: timing, synthetic data, results, tables."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"  # generated data: ignored by git
RESULTS = HERE / "results.json"


def median(values: list[float]) -> float:
    return statistics.median(values)


def synthetic_series(rows: int, seed: int = 0):
    """A float32 (rows, 1) tensor: a daily-like cycle, a slow trend and noise."""
    import torch

    g = torch.Generator().manual_seed(seed)
    t = torch.arange(rows, dtype=torch.float64)
    y = (
        torch.sin(2 * math.pi * t / 24)
        + 0.3 * torch.sin(2 * math.pi * t / (24 * 7))
        + 0.1 * torch.randn(rows, generator=g, dtype=torch.float64)
    )
    return y.float()[:, None]


def synthetic_csv(rows: int, freq: str = "h") -> Path:
    """A CSV of `rows` readings (time,value) at `freq` (hourly by default), made once and kept in
    bench/.cache."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / (f"series-{rows}.csv" if freq == "h" else f"series-{rows}-{freq}.csv")
    if path.is_file():
        return path
    import numpy as np
    import pandas as pd

    values = synthetic_series(rows).numpy()[:, 0]
    times = pd.date_range("2000-01-01", periods=rows, freq=freq)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as fh:
        fh.write("time,value\n")
        chunk = 1_000_000
        for lo in range(0, rows, chunk):
            block = pd.DataFrame(
                {
                    "time": times[lo : lo + chunk].strftime("%Y-%m-%d %H:%M:%S"),
                    "value": np.round(values[lo : lo + chunk], 5),
                }
            )
            block.to_csv(fh, header=False, index=False)
    tmp.replace(path)
    return path


# Every key the data would otherwise choose (config.choices.CHOSEN), set to the value the figures in
# bench/README.md were measured with, so a benchmark measures the same work from one version to the next.
FIXED = {
    "data": {
        "val_fraction": 0.1,
        "test_fraction": 0.1,
        "val_steps": None,
        "test_steps": None,
        "calendar": [],
        "transform": "none",
    },
    "model": {"cell": "rnn", "normalize": "none", "segment": None, "ensemble": 1},
    "train": {"loss": "mse", "lr": 0.001, "patience": 10, "steps_per_epoch": None, "refit": False},
}


def synthetic_config(csv: Path, name: str, **sections) -> Path:
    """A config over a synthetic CSV, written beside it; every key the data would choose is set."""
    import yaml

    cfg = {
        "name": name,
        "data": {"path": str(csv), "time_column": "time", "target": "value", **FIXED["data"]},
        "window": {"lookback": 168},
        "model": {"hidden_size": 32, **FIXED["model"]},
        "train": {"epochs": 1, "batch_size": 1024, "device": "cpu", **FIXED["train"]},
        "output": {"dir": str(CACHE / "runs")},
    }
    for section, values in sections.items():
        cfg.setdefault(section, {}).update(values)
    path = CACHE / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run_timed(
    cmd: list[str], env: dict | None = None, cwd: Path | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd)
    return time.perf_counter() - start, done


def measured(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one command, read by a fresh wrapper process whose only
    child it is (RUSAGE_CHILDREN keeps the largest peak of any child a process ever had)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "tick = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "seconds = time.perf_counter() - tick\n"
        "sys.stderr.write(done.stderr[-2000:])\n"
        "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(done.returncode)"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    seconds, kb = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(kb) / 1024  # Linux reports kB


def newest_run(name: str) -> Path:
    """The newest run folder of config `name` under bench/.cache/runs."""
    return sorted((CACHE / "runs" / name).glob("*/checkpoints"))[-1].parent


def rnncli(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "rnncli"), *args]


def save(section: str, value) -> None:
    """Merge one benchmark's figures into bench/results.json."""
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results[section] = value
    results["measured"] = time.strftime("%Y-%m-%d %H:%M:%S")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def table(title: str, header: list[str], rows: list[list]) -> None:
    from rich.table import Table

    from rnncli.report.console import stdout

    t = Table(title=title, title_justify="left")
    for name in header:
        t.add_column(name, justify="right")
    for row in rows:
        t.add_row(*(_cell(v) for v in row))
    stdout().print(t)  # a log or pipe gets each table at its natural width


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
    return str(value)


def m4_long(source: Path, out: Path, count: int | None = None, seed: int = 0) -> Path:
    """M4 rows (id, values oldest first) as a long CSV: id, a weekly date ending 2020-12-27 for all, value."""
    import csv
    import random

    import pandas as pd

    with open(source, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    if count is not None:
        rows = random.Random(seed).sample(rows, count)
    end = pd.Timestamp("2020-12-27")
    with open(out, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "date", "value"])
        for row in rows:
            values = [v for v in row[1:] if v != ""]
            dates = pd.date_range(end=end, periods=len(values), freq="W-SUN").strftime("%Y-%m-%d")
            writer.writerows((row[0], d, v) for d, v in zip(dates, values))
    return out
