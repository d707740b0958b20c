"""How a figure is printed in a table cell: every table prints numbers alike."""

from __future__ import annotations


def fmt(value) -> str:
    """A score: four decimals below 1000, four significant digits above; "-" when there is none."""
    return "-" if value is None else f"{value:.4f}" if abs(value) < 1000 else f"{value:.4g}"


def num(value) -> float:
    """A score to rank by: none ranks last."""
    return float("inf") if value is None else value
