"""Plain words on a scored model: is it worse than a baseline, did training stop too soon, and what to try.

`against_baselines` compares the model's MAE with the best baseline's on one split; training says
it for the validation part when it ends, `evaluate` for the split it scores, `backtest` over its
folds. `advice` names the settings most likely to help, from the run's own config.
"""

from __future__ import annotations

from rnncli.evaluation.scores import label


def against_baselines(metrics: dict, part: str) -> tuple[bool, str]:
    """(whether the model loses, one line saying how it compares with the best baseline on `part`)."""
    baselines = {name: m["mae"] for name, m in metrics["baselines"].items() if m["mae"] is not None}
    model = metrics["model"]["mae"]
    if not baselines or model is None:
        return False, f"no baseline could be scored on the {part}"
    best = min(baselines, key=baselines.get)
    if model > baselines[best]:
        return (
            True,
            f"the model is worse than {label(best)} on the {part}: MAE {model:.4g} against "
            f"{baselines[best]:.4g}",
        )
    return (
        False,
        f"the model beats every baseline on the {part}: MAE {model:.4g}, the best baseline ({label(best)}) "
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
    tries.append(
        "rnncli init to let the data choose the settings, and rnncli backtest to see if a change helps "
        "beyond one split"
    )
    return "; ".join(tries)


def lines(metrics: dict, part: str, config: dict, season: int) -> list[str]:
    """The verdict on a split: how the model compares, and what to try when it loses."""
    loses, line = against_baselines(metrics, part)
    return [f"{line}; use the baseline's forecasts, or try {advice(config, season)}"] if loses else [line]


def more_epochs(best_epoch: int, epochs_run: int, stopped_early: bool) -> str | None:
    """A note when the best epoch was the last one trained: more epochs may help."""
    if best_epoch == epochs_run and not stopped_early:
        return (
            f"the best epoch was the last ({epochs_run}): the validation loss was still falling, so more "
            f"epochs may help (train.epochs, or rnncli train --resume RUN train.epochs={2 * epochs_run})"
        )
    return None
