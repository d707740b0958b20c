"""Plain words on a scored run: is what it serves worse than a baseline, did training stop too soon,
and what to try.

`against_baselines` compares the served forecast's MAE with the best baseline's on one split
(with the best of the others when it serves a baseline); `evaluate` says instead what a paired
block bootstrap over the split's windows says (`comparison.compare`, the rule `backtest` applies
over its folds): better, worse, or not distinguishable when the windows are too few to tell.
`advice` names the settings most likely to make the network win, from the run's own config.
"""

from __future__ import annotations

from rnncli.evaluation.scores import label


def against_baselines(metrics: dict, part: str) -> tuple[bool, str]:
    """(whether the served forecast loses, one line saying how it compares with the best baseline
    on `part`; when it serves a baseline, with the best of the others)."""
    served = metrics.get("served", {}).get("forecast", "network")
    baselines = {
        name: m["mae"] for name, m in metrics["baselines"].items() if m["mae"] is not None and name != served
    }
    model = metrics["model"]["mae"]
    if not baselines or model is None:
        return False, f"no baseline could be scored on the {part}"
    best = min(baselines, key=baselines.get)
    what = "the network" if served == "network" else f"the served forecast ({metrics['served']['label']})"
    if model > baselines[best]:
        return (
            True,
            f"{what} is worse than {label(best)} on the {part}: MAE {model:.4g} against "
            f"{baselines[best]:.4g}",
        )
    rest = "every other baseline" if served in metrics["baselines"] else "every baseline"
    return (
        False,
        f"{what} beats {rest} on the {part}: MAE {model:.4g}, the best of them ({label(best)}) "
        f"{baselines[best]:.4g}",
    )


def advice(config: dict, season: int) -> str:
    """The settings of this config most worth changing when the model loses to a baseline."""
    window, model = config.get("window", {}), config.get("model", {})
    tries = []
    lookback = window.get("lookback", 0)
    if season > 1 and lookback < 2 * season:
        tries.append(
            f"window.lookback={2 * season} or more (now {lookback}: less than two seasons of {season})"
        )
    if model.get("normalize") != "window" and window.get("mode") != "many_to_many":
        tries.append("model.normalize=window (each window on its own scale, for data that drifts)")
    if model.get("cell") == "rnn":
        tries.append("model.cell=gru")
    if model.get("ensemble", 1) == 1:
        tries.append("model.ensemble=5 (the median of five networks: steadier, at five times the cost)")
    tries.append("rnncli backtest to see whether a change helps beyond one split")
    return "; ".join(tries)


def lines(metrics: dict, part: str, config: dict, season: int, compared: dict | None = None) -> list[str]:
    """The verdict on a split: how the served forecast compares, and, when it is not the network,
    how the network alone did and what would most likely make it win. With `compared` (a paired
    block bootstrap over the split's windows, `comparison.compare`), the comparison is its verdict:
    the rule backtest uses, so a split too short to tell says so."""
    if compared is not None:
        served = metrics.get("served", {}).get("forecast", "network")
        what = "the network" if served == "network" else f"the served forecast ({metrics['served']['label']})"
        loses, line = compared["verdict"].startswith("worse"), f"{what}: {compared['verdict']}"
    else:
        loses, line = against_baselines(metrics, part)
    out = [
        f"{line}; it was chosen on the validation windows: rnncli backtest shows whether the choice holds "
        "across origins, and model.select serves another"
        if loses and metrics.get("served", {}).get("forecast", "network") != "network"
        else f"{line}; try {advice(config, season)}"
        if loses
        else line
    ]
    served = metrics.get("served", {}).get("forecast", "network")
    if served != "network" and metrics.get("network", {}).get("mae") is not None:
        out.append(
            f"the network alone: MAE {metrics['network']['mae']:.4g} on the {part}; to make it win, try "
            f"{advice(config, season)}"
        )
    return out


def more_epochs(best_epoch: int, epochs_run: int, stopped_early: bool) -> str | None:
    """A note when the best epoch was the last one trained: more epochs may help."""
    if best_epoch == epochs_run and not stopped_early:
        return (
            f"the best epoch was the last ({epochs_run}): the validation loss was still falling, so more "
            f"epochs may help (train.epochs, or rnncli train --resume RUN train.epochs={2 * epochs_run})"
        )
    return None
