"""Every benchmark in one go, then each figure beside its target: `make bench` runs this.

    python bench/run.py            # about 15 minutes on a 2-core laptop-class CPU
    python bench/run.py --quick    # a smaller grid and 1 M rows only, for a first look

Each script also runs on its own (see its docstring); all of them merge their figures into
bench/results.json, and bench/README.md records the latest.
"""

from __future__ import annotations

import argparse
import time

import accuracy
import backtest
import intervals
import loading
import memory
import overhead
import startup
import throughput
from common import save, table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one grid point per lookback and 1 M rows only")
    args = parser.parse_args(argv)
    started, seconds = time.perf_counter(), {}

    def timed(name: str, run):
        tick = time.perf_counter()
        result = run()
        seconds[name] = round(time.perf_counter() - tick, 1)
        return result

    grid = ["30:64:64", "168:64:1024"] if args.quick else None
    rows = ["1000000"] if args.quick else ["1000000", "10000000"]
    speed = timed("throughput", lambda: throughput.main(["--grid", *grid] if grid else []))
    start = timed("startup", startup.main)
    load = timed("loading", lambda: loading.main(["--rows", rows[-1]]))
    mem = timed("memory", lambda: memory.main(["--rows", *rows]))
    over = timed("overhead", lambda: overhead.main(["--rows", rows[0]]))
    cover = timed("intervals", intervals.main)
    folds = timed("backtest", backtest.main)
    acc = timed(
        "accuracy", lambda: accuracy.main(["--seeds", "1", "--horizons", "96", "720"] if args.quick else [])
    )
    checks = targets(speed, start, load, mem, over, cover) + later_targets(folds, acc)
    table("targets", ["figure", "measured", "target", "met"], checks)
    total = time.perf_counter() - started
    save("bench_seconds", {**seconds, "total": round(total, 1)})
    print(
        f"benchmarks took {total / 60:.1f} min ({', '.join(f'{k} {v:.0f}s' for k, v in seconds.items())}); "
        "figures in bench/results.json"
    )


def later_targets(folds: dict, acc: dict) -> list[list]:
    rows = [[f"backtest / {folds['folds']} separate trains", folds["ratio"], "<= 0.9", folds["ratio"] <= 0.9]]
    for r in acc["ett"]:
        for name in ("persistence", "linear_ar", "DLinear"):
            rows.append(
                [
                    f"ETTh2 H{r['horizon']} standardised MSE, rnncli (mean of {r['seeds']}) / {name}",
                    r["model_mse"] / r[f"{name}_mse"],
                    "< 1" if name != "DLinear" else "<= 1",
                    r["model_mse"] < r[f"{name}_mse"]
                    if name != "DLinear"
                    else r["model_mse"] <= r[f"{name}_mse"],
                ]
            )
    for r in acc["seattle"]:
        rows.append(
            [
                f"{r['config']}: model beats every baseline, each seed",
                r["beats_every_baseline"],
                "yes",
                r["beats_every_baseline"],
            ]
        )
    return [[name, value, target, "yes" if ok else "NO"] for name, value, target, ok in rows]


def targets(
    speed: list[dict], start: dict, load: dict, mem: list[dict], over: list[dict], cover: list[dict]
) -> list[list]:
    worst = min(speed, key=lambda r: r["rnncli_vs_minimal"])
    rows = [
        [
            f"throughput, worst of {len(speed)}: rnncli / minimal loop at "
            f"{worst['lookback']}:{worst['hidden']}:{worst['batch']}",
            worst["rnncli_vs_minimal"],
            ">= 0.95",
            worst["rnncli_vs_minimal"] >= 0.95,
        ],
        ["rnncli --help (s)", start["help_s"], "< 0.3", start["help_s"] < 0.3],
        ["rnncli train --print-config (s)", start["print_config_s"], "< 0.3", start["print_config_s"] < 0.3],
        [
            "rnncli predict / import torch, pandas",
            start["predict_vs_imports"],
            "<= 1.5",
            start["predict_vs_imports"] <= 1.5,
        ],
        [f"load {load['rows']:,} rows / pandas.read_csv", load["ratio"], "<= 2", load["ratio"] <= 2],
    ]
    for r in mem:
        for what in ("train", "evaluate"):
            ratio = r[f"{what}_vs_reference"]
            rows.append([f"peak RSS, {what}, {r['rows']:,} rows / reference", ratio, "<= 1.5", ratio <= 1.5])
    if len(mem) > 1:
        ratio = mem[-1]["epoch_s"] / mem[0]["epoch_s"]
        rows.append(
            [f"epoch time {mem[-1]['rows']:,} / {mem[0]['rows']:,} rows", ratio, "10 - 12", 10 <= ratio <= 12]
        )
    for r in over:
        rows.append(
            [
                f"rnncli train wall / epoch s, {r['rows']:,} {r['data']} rows (season {r['season']})",
                r["wall_vs_epochs"],
                f"wall <= 3x + 30 s ({r['limit_s']:.0f} s)",
                r["wall_s"] <= r["limit_s"],
            ]
        )
        rows.append(
            [f"peak RSS MB, rnncli train, batch 8192, {r['data']}", r["peak_mb"], "< 900", r["peak_mb"] < 900]
        )
    fewest = cover[-1]
    rows.append(
        [
            f"90% interval coverage calibrated on {fewest['windows']} windows, worst of {fewest['subsets']}",
            fewest["coverage_min"],
            ">= 0.87",
            fewest["coverage_min"] >= 0.87,
        ]
    )
    return [[name, value, target, "yes" if ok else "NO"] for name, value, target, ok in rows]


if __name__ == "__main__":
    main()
