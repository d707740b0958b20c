"""Several scored test stretches (the folds of a backtest) summed up, and a verdict honest about noise.

`aggregate` gives the mean and the standard deviation over folds of every metric `evaluate` prints,
for the model and each baseline (per horizon step too). `compare` sets the model against the best
baseline (the lowest mean MAE over folds): the MAE difference per fold, the mean difference over
all test windows with a 90% interval from a paired block bootstrap, and one line that says whether
the model is better, worse, or not distinguishable. The bootstrap resamples blocks of consecutive
windows within each fold (neighbouring windows share most of their data, so single windows would
understate the noise), the model and the baseline on the same windows; a block holds windows of
one series only (different series share no data) and at most a third of that series' windows in
the fold, and folds too short for MIN_BLOCKS blocks in all give no verdict but "not
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
    """(mean, std) over folds of their metrics: {"model": {metric: v}, "baselines": {name: {...}},
    "standardised": {...}},
    with "per_horizon" MAE lists (one value per step) when the horizon is above 1."""

    def over(pick, metrics: tuple[str, ...]) -> tuple[dict, dict]:
        values = {m: [pick(r).get(m) for r in folds] for m in metrics}
        return ({m: _mean(v) for m, v in values.items()}, {m: _sd(v) for m, v in values.items()})

    mean, std = {"baselines": {}, "standardised": {}}, {"baselines": {}, "standardised": {}}
    network = ["network"] if all("network" in r for r in folds) else []
    for name in ["model", *network, *folds[0]["baselines"]]:
        real_mean, real_std = over(lambda r, name=name: of(r, name), METRICS)
        top = name in ("model", "network")
        (mean if top else mean["baselines"])[name] = real_mean
        (std if top else std["baselines"])[name] = real_std
        mean["standardised"][name], std["standardised"][name] = over(
            lambda r, name=name: of(r["standardised"], name), ("mse", "mae")
        )
    if folds[0]["horizon"] > 1:
        for out, reduce in ((mean, _mean), (std, _sd)):
            out["per_horizon"] = {
                name: [
                    reduce([r["per_horizon"][name]["mae"][h] for r in folds])
                    for h in range(folds[0]["horizon"])
                ]
                for name in folds[0]["per_horizon"]
                if all(name in r["per_horizon"] for r in folds)
            }
    return mean, std


def compare(
    folds: list[dict],
    window_errors: list[dict[str, torch.Tensor]],
    block: int,
    seed: int = 0,
    window_series: list[torch.Tensor | None] | None = None,
    name: str = "model",
    part: str | None = None,
) -> dict:
    """A forecast (the served one, "model", or "network") against the best baseline: per fold and
    over all windows, with the verdict. `window_series` gives each fold's windows' series (None:
    one series), so blocks never cross from one series into another. `part` names the one split
    scored when there are no folds (`evaluate`): the same rule, said of that split."""
    baselines = list(folds[0]["baselines"])
    best = min(baselines, key=lambda b: _mean([r["baselines"][b]["mae"] for r in folds]))
    per_fold = [of(r, name)["mae"] - r["baselines"][best]["mae"] for r in folds]
    differences, window_series = _measured(
        [e[name].double() - e[best].double() for e in window_errors], window_series
    )  # per window, the same windows
    if all(not bool(d.any()) for d in differences):  # it served the best baseline itself, in every fold
        return {
            "baseline": best,
            "per_fold": per_fold,
            "better_folds": 0,
            "mean_difference": 0.0,
            "interval": None,
            "level": LEVEL,
            "blocks": 0,
            "method": "",
            "verdict": f"it is {label(best)}, the best baseline"
            + ("" if part else " over the folds, in every fold"),
        }
    mean = float(torch.cat(differences).mean())
    pools = [
        blocks_of(d, block, None if window_series is None else window_series[k])
        for k, d in enumerate(differences)
        if len(d)
    ]
    low, high = bootstrap(pools, seed)
    blocks = sum(len(sums) for sums, _ in pools)
    better = sum(d < 0 for d in per_fold)
    verdict = _verdict(
        label(best), mean, low, high, blocks, per_fold, sum(len(d) for d in differences), block, part
    )
    lengths = sorted({int(n) for _, sizes in pools for n in sizes.tolist()})
    return {
        "baseline": best,
        "per_fold": per_fold,
        "better_folds": better,
        "mean_difference": mean,
        "interval": [low, high],
        "level": LEVEL,
        "blocks": blocks,
        "method": f"paired block bootstrap over the folds' test windows (blocks of up to "
        f"{max(lengths)} consecutive windows of one series, resampled within each fold, "
        f"{RESAMPLES} resamples)",
        "verdict": verdict,
    }


def _measured(
    differences: list[torch.Tensor], window_series: list[torch.Tensor | None] | None
) -> tuple[list[torch.Tensor], list[torch.Tensor | None] | None]:
    """Each fold's differences and windows' series without the windows whose values were all filled
    in (NaN: nothing measured to compare)."""
    kept = [d.isfinite() for d in differences]
    differences = [d[k] for d, k in zip(differences, kept)]
    if window_series is not None:
        window_series = [None if s is None else s[k.to(s.device)] for s, k in zip(window_series, kept)]
    return differences, window_series


def _verdict(
    versus: str,
    mean: float,
    low: float,
    high: float,
    blocks: int,
    per_fold: list,
    windows: int,
    block: int,
    part: str | None = None,
) -> str:
    """Better, worse or not distinguishable, in words, with the interval it rests on."""
    better, folds = sum(d < 0 for d in per_fold), len(per_fold)
    digits = max(0, min(6, 2 - math.floor(math.log10(max(abs(low), abs(high), abs(mean), 1e-12)))))
    spread = (
        f"mean MAE difference {mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"
        if blocks > 1
        else f"mean MAE difference {mean:+.{digits}f} (one block: no interval)"
    )
    if part is not None:  # one split: the same rule, without folds
        if blocks < MIN_BLOCKS:
            return (
                f"not distinguishable from {versus}: too few windows of the {part} to tell ({windows:,} "
                f"make {blocks} independent blocks; a verdict needs {MIN_BLOCKS}, about "
                f"{MIN_BLOCKS * block:,} windows at blocks of {block}: rnncli backtest adds folds); {spread}"
            )
        word = "better than" if high < 0 else "worse than" if low > 0 else "not distinguishable from"
        return f"{word} {versus} on the {part}; {spread}"
    if blocks < MIN_BLOCKS:
        return (
            f"not distinguishable from {versus}: too few test windows to tell ({windows:,} in {folds} "
            f"folds make {blocks} independent blocks; a verdict needs {MIN_BLOCKS}, about "
            f"{MIN_BLOCKS * block:,} windows at blocks of {block}: more --folds or longer test stretches); "
            f"{spread}; better in {better} of {folds} folds"
        )
    if high < 0:
        return f"better than {versus} in {better} of {folds} folds; {spread}"
    if low > 0:
        return f"worse than {versus} in {folds - better} of {folds} folds; {spread}"
    return f"not distinguishable from {versus}: {spread}; better in {better} of {folds} folds"


def fold_block(windows: int, block: int) -> int:
    """A block within one series of a fold: `block` consecutive windows, but never more than a
    third of its windows (one block would resample nothing and give a spread of zero)."""
    return max(1, min(block, windows // 3))


def blocks_of(
    differences: torch.Tensor, block: int, series: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum, size) of each block of one fold's windows: each series' consecutive run of windows
    cut into blocks of `fold_block` of its length, so windows of different series (which share no
    data) are never tied into one block."""
    if series is None or len(series) == 0:
        runs = [differences]
    else:
        change = torch.nonzero(series[1:] != series[:-1]).flatten() + 1
        runs = list(torch.tensor_split(differences, change))
    sums, sizes = [], []
    for run in runs:
        size = fold_block(len(run), block)
        pieces = run.split(size)
        sums += [p.sum() for p in pieces]
        sizes += [len(p) for p in pieces]
    return torch.stack(sums), torch.tensor(sizes, dtype=torch.float64)


def bootstrap(
    pools: list[tuple[torch.Tensor, torch.Tensor]], seed: int = 0, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """The LEVEL interval of the mean over all windows, resampling each fold's blocks (`blocks_of`)
    within that fold."""
    g = torch.Generator().manual_seed(seed)
    total, count = torch.zeros(resamples, dtype=torch.float64), torch.zeros(resamples, dtype=torch.float64)
    for sums, sizes in pools:
        picks = torch.randint(len(sums), (resamples, len(sums)), generator=g)
        total += sums[picks].sum(1)
        count += sizes[picks].sum(1)
    means = (total / count).sort().values
    tail = (1 - LEVEL) / 2
    return float(means[int(tail * (resamples - 1))]), float(means[math.ceil((1 - tail) * (resamples - 1))])


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _sd(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.stdev(present) if len(present) > 1 else (0.0 if present else None)
