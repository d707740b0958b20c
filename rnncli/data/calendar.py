"""Calendar features: known-future inputs made from timestamps, each as a sine and a cosine.

The pair places a time on its cycle (hour of the day, day of the week, day of the year, month of
the year) without the jump from the cycle's end back to its start that a plain number would have.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAMES = ("hour", "dayofweek", "dayofyear", "month")


def columns(names: list[str] | tuple[str, ...]) -> list[str]:
    return [f"{name}_{part}" for name in names for part in ("sin", "cos")]


def encode(times: pd.DatetimeIndex, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """(len(times), 2 * len(names)) float32: sin and cos of each feature's phase in its cycle."""
    out = np.empty((len(times), 2 * len(names)), dtype=np.float32)
    for k, name in enumerate(names):
        phase = 2 * np.pi * _fraction(times, name)
        out[:, 2 * k] = np.sin(phase)
        out[:, 2 * k + 1] = np.cos(phase)
    return out


def _fraction(times: pd.DatetimeIndex, name: str) -> np.ndarray:
    """Where each time lies in the feature's cycle, in [0, 1)."""
    if name == "hour":
        return (times.hour.to_numpy() + times.minute.to_numpy() / 60) / 24
    if name == "dayofweek":
        return times.day_of_week.to_numpy() / 7
    if name == "dayofyear":
        return (times.day_of_year.to_numpy() - 1) / (365 + times.is_leap_year.astype(int))
    if name == "month":
        return (times.month.to_numpy() - 1) / 12
    raise ValueError(f"unknown calendar feature {name!r}")
