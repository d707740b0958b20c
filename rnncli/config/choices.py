"""Defaults that follow the data: what a config gets for each key of RULES it leaves out, and why.

`choose(facts, horizon, given)` takes plain facts about the data (`DataFacts`: its frequency,
season, how many series and how long, whether it is positive, grows or drifts) and returns, for
every key of RULES that the config did not set, a value and a one-line reason (the keys that do
not depend on the data have their defaults and reasons in `schema.py`). `rnncli init` writes
them as comments; `train`, `check`, `backtest` and `sweep` resolve them into the run's config.yaml.
The rules, and the measurements across data sets they come from, are in bench/README.md
("Defaults that follow the data").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Each key the data chooses when a config leaves it out, and how (docs/config.md shows these).
RULES = {
    "data.val_fraction": "a tenth of the typical series, more on a short one (a horizon and a season of "
    "windows)",
    "data.test_fraction": "a tenth of the typical series, at least a horizon",
    "data.val_steps": "many series: the same last stretch of each (a horizon, more where the series are few)",
    "data.test_steps": "many series: the same last stretch of each (a horizon, more where the series are "
    "few)",
    "data.calendar": "hour and day of week for sub-daily data over two weeks; day of week and year for daily "
    "data over two years; else none",
    "data.transform": "`log` for positive data that grows twofold or more, else `none`",
    "window.lookback": "two seasons or three horizons (a week of sub-daily data), within what the series "
    "allows",
    "model.segment": "a season (or a horizon) of steps when the lookback is 48 or more, many-to-one only",
    "model.normalize": "`last` for many-to-one, `window` for many-to-many",
    "model.hidden_size": "32 below 5,000 training windows, else 64",
    "train.loss": "`pinball` with model.quantiles, else `mae`",
    "train.batch_size": "32 to 256, with the training windows",
    "train.steps_per_epoch": "2,000 when an epoch of every window would be longer, else every window",
    "train.epochs": "about 3,000 steps in all, 20 to 100 epochs",
    "train.patience": "a fifth of the epochs, at least 5",
    "train.lr": "0.002 below 20,000 training windows, else 0.001",
}
CHOSEN = tuple(RULES)
MAX_EPOCH_STEPS = 2000  # batches an epoch takes at most: beyond, an epoch draws this many at random


@dataclass(frozen=True)
class DataFacts:
    """What the defaults are chosen from: plain values measured on the data."""

    frequency: str  # a pandas offset alias: D, h, W-SUN, MS, ...
    season: int  # steps per season
    n_series: int
    shortest: int  # rows of the shortest series
    typical: int  # rows of the median series
    total_rows: int
    positive: bool  # every target value above zero
    growth: float  # the last third of a typical series' mean over its first third's (1: flat)
    span_days: float  # the time the longest series covers


def choose(facts: DataFacts, horizon: int, given: dict) -> dict[str, tuple[object, str]]:
    """{key: (value, reason)} for each key of CHOSEN that `given` (the config's own values) lacks."""
    out: dict[str, tuple[object, str]] = {}

    def pick(key: str, value, reason: str):
        if key not in given:
            out[key] = (value, reason)
        return given.get(key, value)

    parts = _split(facts, horizon, pick, given)
    lookback, why = _lookback(facts, horizon, parts)
    size = given.get("model.segment")
    if size and lookback % size:  # a given segment length must divide the lookback
        lookback, why = (
            -(-lookback // size) * size,
            f"{why}, rounded up to whole segments of {size} (model.segment)",
        )
    lookback = pick("window.lookback", lookback, why)
    _model(facts, horizon, lookback, given, pick)
    windows = max(1, facts.total_rows - facts.n_series * (lookback + horizon))  # in all the parts
    hidden = 32 if windows < 5_000 else 64
    size = (
        f"{'about ' if windows >= 1000 else ''}{windows:,} windows, "
        f"{_training(facts, parts, windows):,} to train on"
    )
    pick("model.hidden_size", hidden, f"{size}: {'a small' if hidden == 32 else 'a mid-sized'} network")
    calendar, why = _calendar(facts)
    pick("data.calendar", calendar, why)
    transform = "log" if facts.positive and facts.growth >= 2 else "none"
    pick(
        "data.transform",
        transform,
        f"positive data that grows {facts.growth:.1f}-fold: forecast its logarithm"
        if transform == "log"
        else "no growth that a log would tame (or values at or below zero)",
    )
    _budget(windows, pick)
    return out


def _model(facts: DataFacts, horizon: int, lookback: int, given: dict, pick) -> None:
    """Segments, window normalisation and the loss, from the window and the mode."""
    many = given.get("window.mode") == "many_to_many"
    segment, why = (
        (None, "many-to-many: every step forecasts, so the recurrence reads every step")
        if many
        else _segment(lookback, facts.season, horizon)
    )
    pick("model.segment", segment, why)
    if many:
        pick(
            "model.normalize", "window", "each window on its own running scale: levels that drift look alike"
        )
    else:
        pick(
            "model.normalize",
            "last",
            "each window shifted by its last value and divided by its spread: levels that drift and series "
            "of different sizes look alike, and a forecast of zero change is persistence",
        )
    if given.get("model.quantiles"):
        pick(
            "train.loss",
            "pinball",
            "the loss that trains model.quantiles: each quantile as its own probability",
        )
    else:
        pick(
            "train.loss",
            "mae",
            "the median forecast, which MAE, MASE and sMAPE score best; better on validation",
        )


def _budget(windows: int, pick) -> None:
    """Batch size, steps an epoch, epochs, patience and step size, from the training windows."""
    batch = 32 if windows < 2_000 else 64 if windows < 20_000 else 128 if windows < 200_000 else 256
    batch = pick("train.batch_size", batch, f"{_steps_of(math.ceil(windows / batch))} an epoch")
    full = math.ceil(windows / batch)  # the steps of an epoch of every window
    capped = full > MAX_EPOCH_STEPS
    steps = pick(
        "train.steps_per_epoch",
        MAX_EPOCH_STEPS if capped else None,
        f"an epoch of {MAX_EPOCH_STEPS:,} batches drawn at random, not all {full:,}: the cost follows the "
        "steps asked for, not the size of the data, and validation comes as often"
        if capped
        else f"every window once an epoch: {_steps_of(full)}",
    )
    per_epoch = steps or full
    epochs = min(100, max(20, math.ceil(3000 / max(1, per_epoch))))
    pick("train.epochs", epochs, f"at most about {_steps_of(epochs * per_epoch)}; early stopping ends sooner")
    pick("train.patience", max(5, epochs // 5), "epochs without a better validation loss before stopping")
    pick("train.lr", 0.002 if windows < 20_000 else 0.001, "Adam's step size for this many windows")


def _steps_of(n: int) -> str:
    return f"{n:,} step{'s' * (n != 1)}"


def _split(facts: DataFacts, horizon: int, pick, given: dict) -> dict:
    """How each series is split: the last stretches of each for many series (the same steps,
    whatever its length), fractions for one. Returns {"val": (fraction, steps), "test": (...)}."""
    if (
        facts.n_series > 1
    ):  # many series ending together: the same last stretches of each, whatever its length
        steps = _steps(facts, horizon)
        stretch, windows = (
            ("step" if steps == 1 else f"{steps} steps"),
            f"{(steps - horizon + 1) * facts.n_series:,} windows in all",
        )
        val_steps = pick(
            "data.val_steps",
            steps,
            f"the last {stretch} before the test ones validate in every series: {windows}",
        )
        test_steps = pick("data.test_steps", steps, f"the last {stretch} of every series test: {windows}")
        val, test = given.get("data.val_fraction", 0.1), given.get("data.test_fraction", 0.1)
        parts = {"val": (val, val_steps), "test": (test, test_steps)}
    else:
        val, test = _fractions(facts, horizon)
        val = pick(
            "data.val_fraction", val, f"{_rows(val, facts.typical)} rows of a typical series to validate on"
        )
        test = pick(
            "data.test_fraction",
            test,
            f"{_rows(test, facts.typical)} rows to test on: at least the horizon ({horizon})",
        )
        pick("data.val_steps", None, "split by fractions: one series")
        pick("data.test_steps", None, "split by fractions: one series")
        parts = {"val": (val, given.get("data.val_steps")), "test": (test, given.get("data.test_steps"))}
    return parts


def _training(facts: DataFacts, parts: dict, windows: int) -> int:
    """Of `windows` in all, about how many the training parts hold: each series' validation and
    test rows (steps, or a fraction of its rows) leave the training part."""
    held = sum(
        facts.n_series * steps if steps is not None else round(facts.total_rows * fraction)
        for fraction, steps in parts.values()
    )
    return max(1, windows + facts.n_series - held)  # a series of n rows holds n - L - H + 1 windows


def _rows(fraction: float, n: int) -> int:
    return round(n * fraction)


def _fractions(facts: DataFacts, horizon: int) -> tuple[float, float]:
    """Validation and test fractions of the typical series: a tenth each, but at least a horizon
    (test) and a horizon plus a season's windows (validation) where the series allows it."""
    n = max(facts.typical, 1)
    test = min(0.25, max(0.1, math.ceil(horizon / n * 100) / 100))
    val_rows = horizon + max(12, min(facts.season, 52))
    val = min(0.25, max(0.1, math.ceil(val_rows / n * 100) / 100))
    return val, test


WINDOWS = 50  # validation (and test) windows a file of many series should give at least, over all its series


def _steps(facts: DataFacts, horizon: int) -> int:
    """A horizon, and more where the series are few: WINDOWS windows in all, within a fifth of the typical
    series."""
    per_series = math.ceil(WINDOWS / facts.n_series)
    return max(horizon, min(horizon + per_series - 1, facts.typical // 5))


def _lookback(facts: DataFacts, horizon: int, parts: dict) -> tuple[int, str]:
    """Three horizons or two seasons, whichever is longer, within what the series can train on: the
    shortest for one series; the typical for many (shorter ones are padded)."""
    # a day's season, and weeks of data: a week in view
    weekly = _sub_daily(facts) and facts.span_days >= 8 * 7
    seasons = 7 if weekly else 2
    want = max(3 * horizon, seasons * facts.season if facts.season > 1 else 0, 8)
    why = (
        ("a week" + f" ({seasons} seasons of {facts.season})" if weekly else f"two seasons of {facts.season}")
        if want == seasons * facts.season and facts.season > 1
        else f"three horizons of {horizon}"
        if want == 3 * horizon
        else "a short window"
    )

    def room(
        n: int,
    ) -> int:  # the longest lookback that leaves a series of n rows as many training windows as it has steps
        held = sum(steps if steps is not None else round(n * fraction) for fraction, steps in parts.values())
        return (n - held - horizon + 1) // 2

    n = facts.shortest if facts.n_series == 1 else facts.typical
    if room(n) >= want:
        padded = facts.n_series > 1 and room(facts.shortest) < want
        return want, why + (
            " (series shorter than that are padded and trained on what they have)" if padded else ""
        )
    return max(1, room(n)), (
        f"as long as the {'series' if facts.n_series == 1 else 'typical series'} allows ({n} rows: as many "
        f"training windows as steps in view); {why} would be {want}"
    )


def _segment(lookback: int, season: int, horizon: int) -> tuple[int | None, str]:
    """Segments for a long lookback: a season (or a horizon) of steps each, 4 to 32 of them."""
    if lookback < 48:
        return None, "a short lookback: the recurrence reads every step"
    for size, name in (
        (season, "a season"),
        (horizon, "a horizon"),
        (24, "24 steps"),
        (12, "12 steps"),
        (8, "8 steps"),
    ):
        if size >= 4 and lookback % size == 0 and 4 <= lookback // size <= 32:
            return (
                size,
                f"{lookback // size} segments of {size} steps ({name}): a fast recurrence with the whole "
                "window in view",
            )
    return None, "no segment length divides the lookback evenly"


def _sub_daily(facts: DataFacts) -> bool:
    return facts.frequency.split("-")[0].lstrip("0123456789") in ("h", "H", "min", "T", "s", "S")


def _calendar(facts: DataFacts) -> tuple[list[str], str]:
    """Calendar features where the timestamps are real and a cycle they carry fits in the data."""
    step = facts.frequency.split("-")[0].lstrip("0123456789")
    if _sub_daily(facts) and facts.span_days >= 14:
        return [
            "hour",
            "dayofweek",
        ], "sub-daily data: the hour and the day of the week, known for any future time"
    if step in ("D", "B") and facts.span_days >= 2 * 365:
        return [
            "dayofweek",
            "dayofyear",
        ], "daily data over two years or more: the day of the week and of the year"
    return [], "no calendar cycle the lookback does not already hold"
