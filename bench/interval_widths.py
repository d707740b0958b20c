"""Adaptive against fixed interval widths, measured on validation data only.

    python bench/interval_widths.py --data ../shared/data [--sets seattle etth2 ...] [--coverage 0.9]

For each data set a config trains once (`rnncli init` with the horizon; the bundled calendar
config for Seattle); then its validation windows are forecast as far ahead as its intervals
reach, and split in time into halves. Each half calibrates both kinds of interval (fixed: the
conformal quantile of the absolute errors per step; adaptive: of the errors over each window's
mean absolute change, multiplied back by it) and the other half scores them (each series' first
and second half in time; halves of the series where each holds one window, as M4's last 13 weeks): the
share of values
inside and the interval score (width plus 2 / alpha times each miss, in the data's scaled units,
lower is better), averaged over both directions. The test part is not touched: this is what chose
adaptive widths as the default (predict.intervals). Beside them, adaptive widths updated online
(predict.online_step: each scored window's level follows the misses of the windows before it
whose values are known, rnncli's own tracker) at a few steps, with the share of runs of 50
windows of a series that cover more than 5 points away from the nominal.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from common import ROOT, m4_long, rnncli, run_timed, save, table

sys.path.insert(0, str(ROOT))

SETS = {  # name: (file under --data, horizon, --target or None; or a bundled config)
    "seattle": ("configs/seattle_temp_max_calendar.yaml", 7, None),
    "etth2": ("ETTh2.csv", 24, "OT"),
    "us-employment": ("us-employment.csv", 12, None),
    "stocks": ("stocks.csv", 6, None),
    "m4-weekly": ("m4/Weekly-train.csv", 13, None),
}


def trained(data: Path, name: str, work: Path) -> Path:
    """The run folder of the data set's config, trained once."""
    file, horizon, target = SETS[name]
    if file.startswith("configs/"):
        config = ROOT / file
    else:
        csv = m4_long(data / file, work / "m4.csv") if name.startswith("m4") else data / file
        config = work / f"{name}.yaml"
        _, done = run_timed(
            rnncli(
                "init",
                str(csv),
                "--horizon",
                str(horizon),
                "--output",
                str(config),
                *(["--target", target] if target else []),
            )
        )
        if done.returncode:
            raise SystemExit(f"{name}: init failed: {done.stderr[-500:]}")
    _, done = run_timed(rnncli("train", str(config), f"output.dir={work / 'runs'}", "-q"), cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{name}: train failed: {done.stderr[-1000:]}")
    return Path(
        next(
            line.split("run folder: ", 1)[1].strip()
            for line in done.stdout.splitlines()
            if line.startswith("run folder: ")
        )
    )


ONLINE_STEPS = (0.005, 0.01, 0.02, 0.05)  # predict.online_step values measured beside the calibrated widths
BLOCK = 50  # windows of a series in a row whose coverage is compared with the nominal one


def halves(run: Path, coverage: float) -> dict:
    """Coverage and interval score of each kind, each half calibrating the other, in time order."""
    from rnncli.artifacts.trained import open_trained
    from rnncli.evaluation import conformal

    model = open_trained(run)
    prepared = model.prepare()
    steps, budget = conformal.reach(prepared)
    steps = model.calibration["steps"]  # as far ahead as the run's own intervals
    errors, spreads = conformal.scores(model.model, prepared, steps, budget)
    order = np.arange(len(errors))  # windows come series by series, each in time order
    counts = _per_series(prepared, steps, len(errors))
    if max(counts) < 2:  # a window a series (M4's last 13 weeks): halves of the series instead
        rank, series = order / len(order), order
    else:
        rank = np.concatenate([np.arange(n) / n for n in counts])
        series = np.repeat(np.arange(len(counts)), counts)
    first, second = order[rank < 0.5], order[rank >= 0.5]
    out = {"windows": len(errors), "steps": steps}
    kinds = [("fixed", False, 0.0), ("adaptive", True, 0.0)] + [
        (f"online {g:g}", True, g) for g in ONLINE_STEPS
    ]
    for kind, adaptive, step in kinds:
        figures = [
            _scored(errors, spreads, series, a, b, coverage, adaptive, step)
            for a, b in ((first, second), (second, first))
        ]
        out[kind] = {
            key: float(np.mean([f[key] for f in figures])) for key in figures[0]
        }  # NaN: a half too short
    return out


def _per_series(prepared, steps: int, total: int) -> list[int]:
    counts = [max(n_val - steps + 1, 0) for _, n_val, _ in prepared.layout.parts]
    if sum(counts) != total:  # an evenly spread share of the windows: count them as one stretch
        return [total]
    return [c for c in counts if c]


def _scored(
    errors: np.ndarray,
    spreads: np.ndarray,
    series: np.ndarray,
    calibrate: np.ndarray,
    score: np.ndarray,
    coverage: float,
    adaptive: bool,
    step: float,
) -> dict:
    """One half calibrating, the other scored: coverage, interval score, width, and the share of
    runs of BLOCK windows of a series covering more than 5 points away from `coverage`. With
    `step` the scored windows' levels are updated online (rnncli's own tracker), window after window."""
    from rnncli.evaluation import conformal, intervals, online

    calibration = conformal.summarise(errors[calibrate].copy(), spreads[calibrate], adaptive)
    widths = intervals.widths(calibration, coverage, step)
    if widths is None:  # too few windows in a half for this coverage
        return dict.fromkeys(("coverage", "interval_score", "width", "blocks_off"), float("nan"))
    scale = (
        widths.floored(torch.from_numpy(spreads[score])).numpy() if adaptive else np.ones_like(spreads[score])
    )
    scores = errors[score] / scale[:, None, :]
    tracker = online.tracker(widths)
    reached = (
        widths.half.numpy()[None] if tracker is None else tracker.thresholds(series[score], score, scores)
    )
    half = reached * scale[:, None, :]
    inside = errors[score] <= half
    alpha = 1 - coverage
    blocks = [
        inside[ids[i : i + BLOCK]].mean()
        for k in np.unique(series[score])
        for ids in [np.flatnonzero(series[score] == k)]
        for i in range(0, len(ids) - BLOCK + 1, BLOCK)
    ]
    return {
        "coverage": float(inside.mean()),
        "interval_score": float((2 * half + 2 / alpha * np.maximum(errors[score] - half, 0)).mean()),
        "width": float((2 * half).mean()),
        "blocks_off": float(np.mean(np.abs(np.array(blocks) - coverage) > 0.05)) if blocks else float("nan"),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--coverage", type=float, default=0.9)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            results[name] = halves(trained(args.data, name, Path(tmp)), args.coverage)
    table(
        f"{args.coverage:.0%} intervals on validation halves (each calibrates the other): coverage / "
        "interval score (scaled units)",
        [
            "data set",
            "windows",
            "steps",
            "fixed coverage",
            "adaptive coverage",
            "fixed score",
            "adaptive score",
            "adaptive / fixed",
        ],
        [
            [
                name,
                r["windows"],
                r["steps"],
                r["fixed"]["coverage"],
                r["adaptive"]["coverage"],
                r["fixed"]["interval_score"],
                r["adaptive"]["interval_score"],
                r["adaptive"]["interval_score"] / r["fixed"]["interval_score"],
            ]
            for name, r in results.items()
        ],
    )
    online = [f"online {g:g}" for g in ONLINE_STEPS]
    table(
        "adaptive widths updated online (predict.online_step): interval score over the calibrated "
        "adaptive one; coverage; share of "
        f"{BLOCK}-window runs more than 5 points from {args.coverage:.0%}",
        [
            "data set",
            "adaptive runs off",
            *[f"{k} score / adaptive" for k in online],
            *[f"{k} coverage" for k in online],
            *[f"{k} runs off" for k in online],
        ],
        [
            [
                name,
                r["adaptive"]["blocks_off"],
                *[r[k]["interval_score"] / r["adaptive"]["interval_score"] for k in online],
                *[r[k]["coverage"] for k in online],
                *[r[k]["blocks_off"] for k in online],
            ]
            for name, r in results.items()
        ],
    )
    save(
        "interval_widths" + ("" if args.coverage == 0.9 else f"_{args.coverage:g}"),
        {"coverage": args.coverage, "sets": results},
    )
    return results


if __name__ == "__main__":
    main()
