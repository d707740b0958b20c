"""Range and combination checks of a config; each error names the key and the value received."""

from __future__ import annotations

import itertools
import re
from typing import Any

from rnncli.config.schema import Config
from rnncli.errors import RnnCliError, quote


def validate(cfg: Config) -> None:
    """Check ranges and combinations; each error names the key and the value received."""
    if not cfg.name or re.search(r"[/\\]", cfg.name) or cfg.name in (".", ".."):
        _bad("name", cfg.name, "a non-empty name without slashes (it names the run folder)")
    _check_data(cfg)
    w, m, t = cfg.window, cfg.model, cfg.train
    _at_least(
        1,
        ("model.ensemble", cfg.model.ensemble),
        ("data.season", cfg.data.season),
        ("data.val_steps", cfg.data.val_steps),
        ("data.test_steps", cfg.data.test_steps),
        ("window.lookback", w.lookback),
        ("window.horizon", w.horizon),
        ("model.hidden_size", m.hidden_size),
        ("model.num_layers", m.num_layers),
        ("train.epochs", t.epochs),
        ("train.batch_size", t.batch_size),
        ("train.patience", t.patience),
        ("train.steps_per_epoch", t.steps_per_epoch),
    )
    _check_model_shape(cfg)
    _check_model(cfg)
    _check_train(cfg)
    if not 0 < cfg.predict.coverage < 1:
        _bad(
            "predict.coverage",
            cfg.predict.coverage,
            "the share of future values intervals should cover, between 0 and 1 (e.g. 0.9)",
        )
    if not 0 <= cfg.predict.online_step < 1:
        _bad(
            "predict.online_step",
            cfg.predict.online_step,
            "how far each miss moves an interval's level as actual values become "
            "known: 0 (off) or a small step below 1, e.g. 0.02",
        )
    if not cfg.output.dir:
        _bad("output.dir", cfg.output.dir, "the folder that receives run folders, e.g. runs")


def _check_data(cfg: Config) -> None:
    d = cfg.data
    if not d.path:
        _bad("data.path", d.path, "the CSV file to read, e.g. data/seattle-weather.csv")
    _check_columns(d)
    _check_reading(d)
    for key, value in (("data.val_fraction", d.val_fraction), ("data.test_fraction", d.test_fraction)):
        if not 0 < value < 1:
            _bad(key, value, "a fraction strictly between 0 and 1")
    if d.val_fraction + d.test_fraction >= 1:
        _bad(
            "data.test_fraction",
            d.test_fraction,
            f"with data.val_fraction={d.val_fraction}, a sum below 1 so rows are left to train on",
        )
    _check_borders(d.train_end, d.val_end, d.test_end)


def _check_columns(d) -> None:
    """The columns named: a time column (or its parts), targets, features and an id, none twice."""
    times = [d.time_column] if isinstance(d.time_column, str) else d.time_column
    if not times or not all(times) or len(times) > 6 or len(set(times)) != len(times):
        _bad(
            "data.time_column",
            d.time_column,
            "the name of the CSV column that holds the timestamps, or a list of the columns "
            "that hold year, month, day (hour, minute, second), in that order",
        )
    if len(times) > 1 and d.time_format is not None:
        _bad(
            "data.time_format",
            d.time_format,
            "null when data.time_column lists the columns of year, month, day, ...",
        )
    if d.time_format is not None and "%" not in d.time_format:
        _bad("data.time_format", d.time_format, "strftime codes such as %d/%m/%Y or %Y-%m-%d %H:%M")
    if not d.target:
        _bad("data.target", d.target, "one column name or a list of them")
    for key, names in (("data.target", d.target), ("data.features", d.features)):
        if len(set(names)) != len(names):
            _bad(key, names, "column names without repeats")
        if set(times) & set(names):
            _bad(key, names, f"value columns; '{sorted(set(times) & set(names))[0]}' is a time column")
    if d.id_column is not None and d.id_column in (*times, *d.target, *d.features):
        _bad(
            "data.id_column", d.id_column, "a column that is neither the time column, a target nor a feature"
        )
    if d.layout == "wide" and (d.features or d.id_column is not None):
        _bad(
            "data.layout",
            d.layout,
            "long when data.features or data.id_column are set (a wide file is one series per column, "
            "with no covariates)",
        )
    if set(d.target) & set(d.features):
        _bad(
            "data.features",
            d.features,
            f"columns other than the targets ({', '.join(sorted(set(d.target) & set(d.features)))} is a "
            "target)",
        )


def _check_reading(d) -> None:
    """How the data is read: fills, gaps, calendar features, time zone."""
    if not 0 <= d.max_fill < 1:
        _bad(
            "data.max_fill",
            d.max_fill,
            "the share of a series' values that may be filled, from 0 (none) to below 1 (e.g. 0.1)",
        )
    if len(set(d.calendar)) != len(d.calendar):
        _bad("data.calendar", d.calendar, "calendar features without repeats")
    if d.max_gap is not None and not 0 <= d.max_gap <= 10**9:
        _bad(
            "data.max_gap",
            d.max_gap,
            "the longest run of missing steps that may be filled (0 to 1e9), or null for any",
        )
    if d.timezone is not None:
        _check_timezone(d.timezone)


def _check_model(cfg: Config) -> None:
    m = cfg.model
    if not 0 <= m.dropout < 1:
        _bad("model.dropout", m.dropout, "a probability in [0, 1)")
    if m.dropout > 0 and m.num_layers == 1:
        _bad(
            "model.dropout",
            m.dropout,
            "0 when model.num_layers is 1 (dropout acts between stacked layers); or set model.num_layers "
            ">= 2",
        )
    if m.nonlinearity != "tanh" and m.cell != "rnn":
        _bad(
            "model.nonlinearity",
            m.nonlinearity,
            f"tanh with model.cell={m.cell} (relu is for the plain rnn cell)",
        )
    for key, value, top in (
        ("model.hidden_size", m.hidden_size, 8192),
        ("model.num_layers", m.num_layers, 64),
        ("model.ensemble", m.ensemble, 64),
    ):
        if value > top:
            _bad(key, value, f"an integer up to {top}")
    _check_quantiles(cfg)


def _check_quantiles(cfg: Config) -> None:
    q, pinball = cfg.model.quantiles, cfg.train.loss == "pinball"
    if pinball and not q:
        _bad(
            "model.quantiles",
            q,
            "the probabilities to forecast with train.loss pinball, e.g. [0.05, 0.5, 0.95]",
        )
    if q and not pinball:
        _bad(
            "train.loss",
            cfg.train.loss,
            "pinball, the loss that trains model.quantiles (or leave model.quantiles out)",
        )
    if not q:
        return
    if (
        not all(isinstance(v, (int, float)) and 0 < v < 1 for v in q)
        or list(q) != sorted(set(q))
        or len(q) % 2 == 0
        or q[len(q) // 2] != 0.5
        or len(q) > 99
    ):
        _bad(
            "model.quantiles",
            q,
            "increasing probabilities between 0 and 1, an odd number of them with 0.5 in the middle "
            "(the median is the forecast), e.g. [0.05, 0.5, 0.95]",
        )
    if cfg.window.mode == "many_to_many":
        _bad("model.quantiles", q, "[] with window.mode many_to_many (quantile forecasts are many-to-one)")


def _check_train(cfg: Config) -> None:
    t = cfg.train
    # upper bounds keep every value inside float32 arithmetic, far beyond anything that trains
    for key, value, top in (
        ("train.lr", t.lr, 1e3),
        ("train.clip_grad_norm", t.clip_grad_norm, 1e9),
        ("train.clip_grad_value", t.clip_grad_value, 1e9),
    ):
        if value is not None and not 0 < value <= top:
            _bad(
                key,
                value,
                f"a positive number up to {top:g}" + ("" if key == "train.lr" else ", or null to disable"),
            )
    for key, value, top, wanted in (
        ("train.weight_decay", t.weight_decay, 1e3, "a number from 0 to 1000"),
        ("train.checkpoint_every", t.checkpoint_every, 1e9, "seconds, from 0 (every epoch) to 1e9"),
    ):
        if not 0 <= value <= top:
            _bad(key, value, wanted)
    if not 0 <= t.seed < 2**63:
        _bad("train.seed", t.seed, "an integer from 0 to 2**63 - 1")
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", t.device):
        _bad("train.device", t.device, "one of auto, cpu, cuda, cuda:N, mps")


def _at_least(low: int, *pairs: tuple[str, int | None]) -> None:
    """Sizes and counts: at least `low`, and at most a billion, which keeps index arithmetic exact."""
    for key, value in pairs:
        if value is not None and not low <= value <= 10**9:
            _bad(key, value, f"an integer from {low} to 1e9")


def _bad(key: str, value: Any, wanted: str) -> None:
    raise RnnCliError(f"config key {key}: got {quote(value)}, expected {wanted}")


def _check_model_shape(cfg: Config) -> None:
    """Segments must tile the lookback; normalisation and segments forecast from the window's end only."""
    m, w = cfg.model, cfg.window
    if m.segment is not None:
        if not 1 <= m.segment <= w.lookback:
            _bad(
                "model.segment",
                m.segment,
                f"steps per segment, from 1 to window.lookback ({w.lookback}); or null for none",
            )
        if w.lookback % m.segment:
            # at least one segment: the segment is not longer than the lookback
            below = w.lookback // m.segment * m.segment
            raise RnnCliError(
                f"window.lookback={w.lookback} is not a whole number of model.segment={m.segment} steps; "
                f"use window.lookback={below} or {below + m.segment}, or a segment that divides {w.lookback}"
            )
    if w.mode == "many_to_many" and m.normalize == "last":
        raise RnnCliError(
            "model.normalize=last works with window.mode=many_to_one only: shifted by its own value every "
            "step of many_to_many would read 0 (use model.normalize=window, whose statistics run step by "
            "step there)"
        )
    if w.mode == "many_to_many" and m.segment is not None:
        raise RnnCliError(
            "model.segment works with window.mode=many_to_one only: the recurrence runs over segments, so "
            "there is no output per step for many_to_many to train on (set window.mode=many_to_one, or "
            "leave model.segment null)"
        )


def _check_borders(*borders: str | None) -> None:
    """Timestamp borders: none, or train_end and val_end (test_end optional), in time order."""
    from datetime import datetime

    keys = ("data.train_end", "data.val_end", "data.test_end")
    if all(b is None for b in borders):
        return
    for key, border in zip(keys[:2], borders[:2]):
        if border is None:
            _bad(
                key,
                border,
                "a timestamp, e.g. 2017-10-23 23:00, when splitting by timestamps "
                "(data.train_end and data.val_end are both needed; data.test_end is optional)",
            )
    parsed = []
    for key, border in zip(keys, borders):
        if border is None:
            continue
        try:
            parsed.append((key, datetime.fromisoformat(border)))
        except ValueError:
            _bad(key, border, "a timestamp such as 2017-06-25 23:00 (YYYY-MM-DD [HH:MM[:SS]])")
    for (key_a, a), (key_b, b) in itertools.pairwise(parsed):
        if (a.tzinfo is None) != (b.tzinfo is None) or b <= a:
            _bad(
                key_b,
                borders[keys.index(key_b)],
                f"a timestamp after {key_a}={borders[keys.index(key_a)]}, written the same way",
            )


def _check_timezone(name: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        _bad("data.timezone", name, "an IANA time zone name such as Europe/Paris, America/New_York or UTC")
