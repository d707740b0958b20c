"""Range and combination checks of a config; each error names the key and the value received."""

from __future__ import annotations

import re

from rnncli.config import data_checks
from rnncli.config.schema import Config
from rnncli.errors import RnnCliError, bad_value


def validate(cfg: Config) -> None:
    """Check ranges and combinations; each error names the key and the value received."""
    if not cfg.name or re.search(r"[/\\]", cfg.name) or cfg.name in (".", ".."):
        bad_value("name", cfg.name, "a non-empty name without slashes (it names the run folder)")
    data_checks.check(cfg.data)
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
        bad_value(
            "predict.coverage",
            cfg.predict.coverage,
            "the share of future values intervals should cover, between 0 and 1 (e.g. 0.9)",
        )
    if not 0 <= cfg.predict.online_step < 1:
        bad_value(
            "predict.online_step",
            cfg.predict.online_step,
            "how far each miss moves an interval's level as actual values become "
            "known: 0 (off) or a small step below 1, e.g. 0.02",
        )
    if not cfg.output.dir:
        bad_value("output.dir", cfg.output.dir, "the folder that receives run folders, e.g. runs")


def _check_model(cfg: Config) -> None:
    m = cfg.model
    if not 0 <= m.dropout < 1:
        bad_value("model.dropout", m.dropout, "a probability in [0, 1)")
    if m.dropout > 0 and m.num_layers == 1:
        bad_value(
            "model.dropout",
            m.dropout,
            "0 when model.num_layers is 1 (dropout acts between stacked layers); or set model.num_layers "
            ">= 2",
        )
    d = cfg.data
    if m.select == "linear_arx" and not (d.features or d.future_features or d.static_features):
        bad_value(
            "model.select",
            m.select,
            "another forecast: linear_arx is the linear AR with the model's covariates, and data.features, "
            "data.future_features and data.static_features name none",
        )
    if m.nonlinearity != "tanh" and m.cell != "rnn":
        bad_value(
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
            bad_value(key, value, f"an integer up to {top}")
    _check_quantiles(cfg)


def _check_quantiles(cfg: Config) -> None:
    q, pinball = cfg.model.quantiles, cfg.train.loss == "pinball"
    if pinball and not q:
        bad_value(
            "model.quantiles",
            q,
            "the probabilities to forecast with train.loss pinball, e.g. [0.05, 0.5, 0.95]",
        )
    if q and not pinball:
        bad_value(
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
        bad_value(
            "model.quantiles",
            q,
            "increasing probabilities between 0 and 1, an odd number of them with 0.5 in the middle "
            "(the median is the forecast), e.g. [0.05, 0.5, 0.95]",
        )
    if cfg.window.mode == "many_to_many":
        bad_value(
            "model.quantiles", q, "[] with window.mode many_to_many (quantile forecasts are many-to-one)"
        )


def _check_train(cfg: Config) -> None:
    t = cfg.train
    # upper bounds keep every value inside float32 arithmetic, far beyond anything that trains
    for key, value, top in (
        ("train.lr", t.lr, 1e3),
        ("train.clip_grad_norm", t.clip_grad_norm, 1e9),
        ("train.clip_grad_value", t.clip_grad_value, 1e9),
    ):
        if value is not None and not 0 < value <= top:
            bad_value(
                key,
                value,
                f"a positive number up to {top:g}" + ("" if key == "train.lr" else ", or null to disable"),
            )
    for key, value, top, wanted in (
        ("train.weight_decay", t.weight_decay, 1e3, "a number from 0 to 1000"),
        ("train.checkpoint_every", t.checkpoint_every, 1e9, "seconds, from 0 (every epoch) to 1e9"),
    ):
        if not 0 <= value <= top:
            bad_value(key, value, wanted)
    if not 0 <= t.seed < 2**63:
        bad_value("train.seed", t.seed, "an integer from 0 to 2**63 - 1")
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", t.device):
        bad_value("train.device", t.device, "one of auto, cpu, cuda, cuda:N, mps")


def _at_least(low: int, *pairs: tuple[str, int | None]) -> None:
    """Sizes and counts: at least `low`, and at most a billion, which keeps index arithmetic exact."""
    for key, value in pairs:
        if value is not None and not low <= value <= 10**9:
            bad_value(key, value, f"an integer from {low} to 1e9")


def _check_model_shape(cfg: Config) -> None:
    """Segments must tile the lookback; normalisation and segments forecast from the window's end only."""
    m, w = cfg.model, cfg.window
    if m.segment is not None:
        if not 1 <= m.segment <= w.lookback:
            bad_value(
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
