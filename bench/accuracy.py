"""Accuracy on the standard long-horizon benchmark, beside the baselines and published results.

    python bench/accuracy.py [--seeds 3] [--horizons 96 192 336 720]

ETTh2 (data/ETTh2.csv), target OT alone (univariate), the literature's split: 12 months train,
4 validate, 4 test (the borders are in the shipped configs), every test window scored. For each
horizon, rnncli's shipped approach (configs/ett_h96.yaml up to 192 steps, configs/ett_h720.yaml
beyond, with window.horizon set) is trained with each seed; persistence and linear AR are scored
on the same windows by the same run. Figures are MSE and MAE of values standardised by the
training part's mean and sd, the scale the papers print. Beside them, the published univariate
ETTh2 figures of DLinear and PatchTST, and the bundled Seattle configs' test MAE per seed.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from common import CACHE, ROOT, rnncli, run_timed, save, table

# Published univariate ETTh2 results (MSE, MAE), input length 336:
# DLinear: Zeng et al., "Are Transformers Effective for Time Series Forecasting?", AAAI 2023
#   (arXiv:2205.13504), Table 9, "Univariate long sequence time-series forecasting results on ETT
#   full benchmark".
# PatchTST/64 and PatchTST/42: Nie et al., "A Time Series is Worth 64 Words: Long-term Forecasting
#   with Transformers", ICLR 2023 (arXiv:2211.14730), Table 8, "Univariate long-term forecasting
#   results with supervised PatchTST".
PUBLISHED = {
    "DLinear": {96: (0.131, 0.279), 192: (0.176, 0.329), 336: (0.209, 0.367), 720: (0.276, 0.426)},
    "PatchTST/64": {96: (0.131, 0.284), 192: (0.171, 0.329), 336: (0.171, 0.336), 720: (0.223, 0.380)},
    "PatchTST/42": {96: (0.129, 0.282), 192: (0.168, 0.328), 336: (0.185, 0.351), 720: (0.224, 0.383)},
}
SEATTLE = ("seattle_temp_max.yaml", "seattle_temp_max_calendar.yaml", "seattle_temps_long.yaml")


def config_for(horizon: int) -> str:
    return str(ROOT / "configs" / ("ett_h96.yaml" if horizon <= 192 else "ett_h720.yaml"))


def train(config: str, *overrides: str) -> dict:
    """One run: its summary.json."""
    out = CACHE / "runs-accuracy"
    _seconds, done = run_timed(rnncli("train", config, *overrides, f"output.dir={out}", "-q"))
    if done.returncode != 0:
        raise SystemExit(f"rnncli train {config} {' '.join(overrides)} failed:\n{done.stderr[-2000:]}")
    run = next(
        line.split("run folder: ", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.startswith("run folder: ")
    )
    return json.loads(
        (Path(run) / "summary.json").read_text()
    )  # output.dir is absolute, so is the run folder


def ett(horizons: list[int], seeds: int) -> list[dict]:
    rows = []
    for horizon in horizons:
        runs = [
            train(config_for(horizon), f"window.horizon={horizon}", f"train.seed={seed}")
            for seed in range(seeds)
        ]
        scaled = [r["test"]["standardised"] for r in runs]
        row = {
            "horizon": horizon,
            "config": config_for(horizon).rsplit("/", 1)[-1],
            "seeds": seeds,
            "windows": runs[0]["test"]["n_windows"],
            "train_s": statistics.mean(r["train_seconds"] for r in runs),
        }
        for metric in ("mse", "mae"):
            values = [s["model"][metric] for s in scaled]
            row[f"model_{metric}"] = statistics.mean(values)
            row[f"model_{metric}_sd"] = statistics.stdev(values) if len(values) > 1 else 0.0
            for name in ("persistence", "linear_ar"):  # the same windows in every run
                row[f"{name}_{metric}"] = scaled[0]["baselines"][name][metric]
        for name, figures in PUBLISHED.items():
            row[f"{name}_mse"], row[f"{name}_mae"] = figures[horizon]
        rows.append(row)
    table(
        "ETTh2, OT alone, lookback 336, standardised MSE / MAE on the test months (model: mean ± sd over "
        "seeds)",
        ["H", "rnncli MSE", "MAE", "persistence", "linear AR", "DLinear", "PatchTST/64", "train s"],
        [
            [
                r["horizon"],
                f"{r['model_mse']:.3f} ± {r['model_mse_sd']:.3f}",
                f"{r['model_mae']:.3f} ± {r['model_mae_sd']:.3f}",
                f"{r['persistence_mse']:.3f} / {r['persistence_mae']:.3f}",
                f"{r['linear_ar_mse']:.3f} / {r['linear_ar_mae']:.3f}",
                f"{r['DLinear_mse']:.3f} / {r['DLinear_mae']:.3f}",
                f"{r['PatchTST/64_mse']:.3f} / {r['PatchTST/64_mae']:.3f}",
                r["train_s"],
            ]
            for r in rows
        ],
    )
    return rows


def seattle(seeds: int) -> list[dict]:
    rows = []
    for name in SEATTLE:
        runs = [train(str(ROOT / "configs" / name), f"train.seed={seed}") for seed in range(seeds)]
        tests = [r["test"] for r in runs]
        maes = [t["model"]["mae"] for t in tests]
        baselines = {b: tests[0]["baselines"][b]["mae"] for b in tests[0]["baselines"]}
        best = min(baselines, key=baselines.get)
        rows.append(
            {
                "config": name,
                "model_mae": maes,
                "best_baseline": best,
                "best_baseline_mae": baselines[best],
                "beats_every_baseline": all(m < baselines[best] for m in maes),
            }
        )
    table(
        "bundled Seattle configs: test MAE (°C) per seed, beside the best baseline",
        ["config", "model MAE per seed", "best baseline", "its MAE", "beats it every seed"],
        [
            [
                r["config"],
                ", ".join(f"{m:.3f}" for m in r["model_mae"]),
                r["best_baseline"],
                r["best_baseline_mae"],
                "yes" if r["beats_every_baseline"] else "NO",
            ]
            for r in rows
        ],
    )
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--horizons", type=int, nargs="*", default=[96, 192, 336, 720])
    args = parser.parse_args(argv)
    results = {"ett": ett(args.horizons, args.seeds), "seattle": seattle(args.seeds)}
    save("accuracy", results)
    return results


if __name__ == "__main__":
    main()
