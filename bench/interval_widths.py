"""Adaptive against fixed interval widths, measured on validation data only.

    python bench/interval_widths.py --data ../shared/data [--sets seattle etth2 ...] [--coverage 0.9]

For each data set a config trains once (`rnncli init` with the horizon; the bundled calendar
config for Seattle); then its validation windows are forecast as far ahead as its intervals
reach, and split in time into halves. Each half calibrates both kinds of interval (fixed: the
conformal quantile of the absolute errors per step; adaptive: of the errors over each window's
mean absolute change, multiplied back by it) and the other half scores them (each series' first
and second half in time; halves of the series where each holds one window, as M4's last 13 weeks): the share of values
inside and the interval score (width plus 2 / alpha times each miss, in the data's scaled units,
lower is better), averaged over both directions. The test part is not touched: this is what chose
adaptive widths as the default (predict.intervals).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
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
        _, done = run_timed(rnncli("init", str(csv), "--horizon", str(horizon), "--output", str(config), *(["--target", target] if target else [])))
        if done.returncode:
            raise SystemExit(f"{name}: init failed: {done.stderr[-500:]}")
    _, done = run_timed(rnncli("train", str(config), f"output.dir={work / 'runs'}", "-q"), cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{name}: train failed: {done.stderr[-1000:]}")
    return Path(next(line.split("run folder: ", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("run folder: ")))


def halves(run: Path, coverage: float) -> dict:
    """Coverage and interval score of both kinds, each half calibrating the other, in time order."""
    from rnncli.artifacts.trained import open_trained
    from rnncli.evaluation import intervals

    model = open_trained(run)
    prepared = model.prepare()
    steps, budget = intervals.reach(prepared)
    steps = model.calibration["steps"]  # as far ahead as the run's own intervals
    errors, spreads = intervals.scores(model.model, prepared, steps, budget)
    order = np.arange(len(errors))  # windows come series by series, each in time order
    counts = _per_series(prepared, steps, len(errors))
    if max(counts) < 2:  # a window a series (M4's last 13 weeks): halves of the series instead
        rank = order / len(order)
    else:
        rank = np.concatenate([np.arange(n) / n for n in counts])
    first, second = order[rank < 0.5], order[rank >= 0.5]
    out = {"windows": len(errors), "steps": steps}
    for kind in ("fixed", "adaptive"):
        figures = [_scored(errors, spreads, a, b, coverage, kind == "adaptive") for a, b in ((first, second), (second, first))]
        out[kind] = {key: float(np.mean([f[key] for f in figures])) for key in figures[0]}
    return out


def _per_series(prepared, steps: int, total: int) -> list[int]:
    counts = [max(n_val - steps + 1, 0) for _, n_val, _ in prepared.layout.parts]
    if sum(counts) != total:  # an evenly spread share of the windows: count them as one stretch
        return [total]
    return [c for c in counts if c]


def _scored(errors: np.ndarray, spreads: np.ndarray, calibrate: np.ndarray, score: np.ndarray, coverage: float, adaptive: bool) -> dict:
    from rnncli.evaluation import intervals

    calibration = intervals.summarise(errors[calibrate].copy(), spreads[calibrate], adaptive)
    widths = intervals.widths(calibration, coverage)
    half = widths.half.numpy()[None]  # (1, steps, targets)
    if adaptive:
        scale = np.where(np.isnan(spreads[score]), widths.typical.numpy(), np.maximum(spreads[score], widths.floor.numpy()))
        half = half * scale[:, None, :]
    miss = np.maximum(errors[score] - half, 0)
    alpha = 1 - coverage
    return {"coverage": float((errors[score] <= half).mean()), "interval_score": float((2 * half + 2 / alpha * miss).mean()),
            "width": float((2 * half).mean())}


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
    table(f"{args.coverage:.0%} intervals on validation halves (each calibrates the other): coverage / interval score (scaled units)",
          ["data set", "windows", "steps", "fixed coverage", "adaptive coverage", "fixed score", "adaptive score", "adaptive / fixed"],
          [[name, r["windows"], r["steps"], r["fixed"]["coverage"], r["adaptive"]["coverage"], r["fixed"]["interval_score"],
            r["adaptive"]["interval_score"], r["adaptive"]["interval_score"] / r["fixed"]["interval_score"]] for name, r in results.items()])
    save("interval_widths", {"coverage": args.coverage, "sets": results})
    return results


if __name__ == "__main__":
    main()
