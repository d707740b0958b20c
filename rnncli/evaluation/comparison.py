"""Several scored test stretches (the folds of a backtest) summed up, and a verdict honest about noise.

`aggregate` gives the mean and the standard deviation over folds of every metric `evaluate` prints,
for the model and each baseline (per horizon step too). `compare` sets the model against the best
baseline (the lowest mean MAE over folds): the MAE difference per fold, the mean difference over
all test windows with a 90% interval from a paired block bootstrap, and one line that says whether
the model is better, worse, or not distinguishable. The bootstrap resamples blocks of consecutive
windows within each fold (neighbouring windows share most of their data, so single windows would
understate the noise), the model and the baseline on the same windows; a block is at most a third
of a fold's windows, and folds too short for MIN_BLOCKS blocks in all give no verdict but "not
distinguishable", with what it would take.
"""

from __future__ import annotations

import math
import statistics

import torch

from rnncli.evaluation.scores import label, of

METRICS = ("mae", "rmse", "mse", "mape", "smape", "mase")
RESAMPLES = 2000
LEVEL = 0.90
MIN_BLOCKS = 20  # independent blocks a verdict stronger than "not distinguishable" rests on at least


def aggregate(folds: list[dict]) -> tuple[dict, dict]:
    """(mean, std) over folds of their metrics: {"model": {metric: v}, "baselines": {name: {...}}, "standardised": {...}},
    with "per_horizon" MAE lists (one value per step) when the horizon is above 1."""
    def over(pick, metrics: tuple[str, ...]) -> tuple[dict, dict]:
        values = {m: [pick(r).get(m) for r in folds] for m in metrics}
        return ({m: _mean(v) for m, v in values.items()}, {m: _sd(v) for m, v in values.items()})

    mean, std = {"baselines": {}, "standardised": {}}, {"baselines": {}, "standardised": {}}
    for name in ["model", *folds[0]["baselines"]]:
        real_mean, real_std = over(lambda r, name=name: of(r, name), METRICS)
        (mean if name == "model" else mean["baselines"])[name] = real_mean
        (std if name == "model" else std["baselines"])[name] = real_std
        mean["standardised"][name], std["standardised"][name] = over(lambda r, name=name: of(r["standardised"], name), ("mse", "mae"))
    if folds[0]["horizon"] > 1:
        for out, reduce in ((mean, _mean), (std, _sd)):
            out["per_horizon"] = {name: [reduce([r["per_horizon"][name]["mae"][h] for r in folds]) for h in range(folds[0]["horizon"])]
                                  for name in folds[0]["per_horizon"]}
    return mean, std


def compare(folds: list[dict], window_errors: list[dict[str, torch.Tensor]], block: int, seed: int = 0) -> dict:
    """The model against the best baseline: per fold and over all windows, with the verdict."""
    baselines = list(folds[0]["baselines"])
    best = min(baselines, key=lambda b: _mean([r["baselines"][b]["mae"] for r in folds]))
    per_fold = [r["model"]["mae"] - r["baselines"][best]["mae"] for r in folds]
    differences = [e["model"].double() - e[best].double() for e in window_errors]  # per window, same windows
    mean = float(torch.cat(differences).mean())
    sizes = [fold_block(len(d), block) for d in differences]
    low, high = bootstrap(differences, sizes, seed)
    better = sum(d < 0 for d in per_fold)
    name = label(best)
    digits = max(0, min(6, 2 - math.floor(math.log10(max(abs(low), abs(high), abs(mean), 1e-12)))))
    spread = f"mean MAE difference {mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"
    blocks = sum(math.ceil(len(d) / b) for d, b in zip(differences, sizes))
    if blocks < MIN_BLOCKS:
        windows = sum(len(d) for d in differences)
        verdict = (f"not distinguishable from {name}: too few test windows to tell ({windows:,} in {len(per_fold)} folds make {blocks} "
                   f"independent blocks; a verdict needs {MIN_BLOCKS}, about {MIN_BLOCKS * block:,} windows at blocks of {block}: "
                   f"more --folds or longer test stretches); {spread}; better in {better} of {len(per_fold)} folds")
    elif high < 0:
        verdict = f"better than {name} in {better} of {len(per_fold)} folds; {spread}"
    elif low > 0:
        verdict = f"worse than {name} in {len(per_fold) - better} of {len(per_fold)} folds; {spread}"
    else:
        verdict = f"not distinguishable from {name}: {spread}; better in {better} of {len(per_fold)} folds"
    return {"baseline": best, "per_fold": per_fold, "better_folds": better, "mean_difference": mean, "interval": [low, high],
            "level": LEVEL, "blocks": blocks, "method": f"paired block bootstrap over the folds' test windows (blocks of "
                                                        f"{'/'.join(map(str, sorted(set(sizes))))} consecutive windows within each fold, "
                                                        f"{RESAMPLES} resamples)", "verdict": verdict}


def fold_block(windows: int, block: int) -> int:
    """A fold's bootstrap block: `block` consecutive windows, but never more than a third of the
    fold's windows (one block per fold would resample nothing and give a spread of zero)."""
    return max(1, min(block, windows // 3))


def bootstrap(differences: list[torch.Tensor], blocks: list[int], seed: int = 0, resamples: int = RESAMPLES) -> tuple[float, float]:
    """The LEVEL interval of the mean over all windows, resampling blocks (of each fold's own
    length) within each fold."""
    g = torch.Generator().manual_seed(seed)
    total, count = torch.zeros(resamples, dtype=torch.float64), torch.zeros(resamples, dtype=torch.float64)
    for d, block in zip(differences, blocks):
        n = len(d)
        blocks = math.ceil(n / block)
        sums = torch.stack([d[i * block : (i + 1) * block].sum() for i in range(blocks)])
        sizes = torch.tensor([min(block, n - i * block) for i in range(blocks)], dtype=torch.float64)
        picks = torch.randint(blocks, (resamples, blocks), generator=g)
        total += sums[picks].sum(1)
        count += sizes[picks].sum(1)
    means = (total / count).sort().values
    tail = (1 - LEVEL) / 2
    return float(means[int(tail * (resamples - 1))]), float(means[int(math.ceil((1 - tail) * (resamples - 1)))])


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _sd(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.stdev(present) if len(present) > 1 else (0.0 if present else None)
