"""What a table cell holds: every table prints numbers alike, and names the forecasts alike."""

from __future__ import annotations

from rnncli.evaluation.scores import LABELS, of


def names(metrics: dict) -> list[str]:
    """The forecasts a table of scores shows, in order: the served one ("model"), the network when
    it is not what is served, then every baseline."""
    served = metrics.get("served", {}).get("forecast", "network")
    network = ["network"] if "network" in metrics and served != "network" else []
    first = next(iter(metrics.get("per_series", {}).values()), {})  # a table of series alone names them there
    return ["model", *network, *(metrics.get("baselines") or first.get("baselines", {}))]


def label(metrics: dict, name: str, long: bool = False) -> str:
    """A forecast's name in a table: "served" (with what it serves, `long`), "network", "Theta"..."""
    if name == "model":
        served = metrics.get("served")
        return f"served: {served['label']}" if long and served else "served" if served else "model"
    return LABELS[name]


def figures(metrics: dict, name: str) -> dict:
    """A forecast's metrics in a split's metrics."""
    return of(metrics, name)


def fmt(value) -> str:
    """A score: four decimals from 0.01 to 1000, four significant digits above and below (data around
    1e-5 is not all 0.0000); "-" when there is none."""
    if value is None:
        return "-"
    return f"{value:.4f}" if 0.01 <= abs(value) < 1000 or value == 0 else f"{value:.4g}"


def num(value) -> float:
    """A score to rank by: none ranks last."""
    return float("inf") if value is None else value
