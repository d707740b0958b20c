"""From a config to what the lower layers take: the keys it leaves out chosen from its data, and its
data read and prepared.

`resolve(cfg)` reads the config's CSV once, measures it (`facts`), fills every key of
`config.choices.CHOSEN` the config did not set (the rules and their reasons live there), and
returns the config with every key explicit, the series it read (so training need not read them
again) and what was chosen, with reasons. A config resolved once resolves to itself: its
config.yaml names every key. `schema_of`, `spec_of` and `prepared_of` turn a config into the
plain values `data` takes; `config_of_fold` is a config split at a backtest fold's borders.
This is the one place where the config meets the data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnncli import config
from rnncli.config import Config
from rnncli.config.choices import CHOSEN, DataFacts, choose

if TYPE_CHECKING:  # the data layer imports pandas: `train --print-config` must answer without it
    from rnncli.data.folds import Fold
    from rnncli.data.prepared import Prepared
    from rnncli.data.series import Schema, Series
    from rnncli.data.windows import WindowSpec


@dataclass
class Resolved:
    cfg: Config  # every key explicit
    # the CSV as read (None when nothing had to be chosen), for whoever prepares it next (consumed there)
    series: list | None
    chosen: dict[str, tuple[object, str]]  # the keys filled in: value and reason


def resolve(cfg: Config, series: list | None = None) -> Resolved:
    """The config with the keys it left out chosen from its data; a config that sets them all is
    returned as it is, its data not read (so `--print-config` of such a config imports no pandas)."""
    split_by_time = {"data.val_fraction", "data.test_fraction"} if cfg.data.train_end is not None else set()
    given = cfg.given | split_by_time
    if all(key in given for key in CHOSEN):
        return Resolved(cfg, series, {})
    if series is None:
        from rnncli.data import timeseries

        series = timeseries.load(schema_of(cfg))
    flat = config.flat(cfg)
    chosen = choose(
        facts(series, cfg.data.season, len(cfg.data.target) if cfg.data.layout == "long" else 1),
        cfg.window.horizon,
        {k: v for k, v in flat.items() if k in given},
    )
    resolved = config.with_values(cfg, {key: value for key, (value, _) in chosen.items()})
    resolved.chosen = {key: reason for key, (_, reason) in chosen.items()}
    return Resolved(resolved, series, chosen)


def facts(series: list, season: int | None = None, n_targets: int = 1) -> DataFacts:
    """Measure the series: lengths, frequency and season, positivity, growth, span."""
    import numpy as np

    from rnncli.data import timegrid

    lengths = np.array([len(s.times) for s in series])
    frequency = series[0].frequency
    targets = [s.values[:, :n_targets] for s in series]
    positive = all(bool((t > 0).all()) for t in targets)
    typical = series[int(np.argsort(lengths)[len(lengths) // 2])]
    span = max(s.times[-1] - s.times[0] for s in series)
    return DataFacts(
        frequency,
        season or timegrid.season_of(frequency),
        len(series),
        int(lengths.min()),
        int(np.median(lengths)),
        int(lengths.sum()),
        positive,
        _growth(typical.values[:, 0]),
        span.total_seconds() / 86400,
    )


def _growth(y) -> float:
    """The mean of the last third over the mean of the first, in the first 70% of the series (the
    part before any test stretch); 1 when either mean is not positive."""
    y = y[: max(3, int(len(y) * 0.7))]
    third = max(1, len(y) // 3)
    first, last = float(y[:third].mean()), float(y[-third:].mean())
    return last / first if first > 0 and last > 0 else 1.0


def explicit(cfg: Config) -> Config:
    """The same config, every key counted as given (a resolved or saved config)."""
    return dataclasses.replace(cfg, given=frozenset(config.flat(cfg)))


WIDE_ID = "series"  # the id column a wide file's series are named under in every output


def schema_of(cfg: Config) -> Schema:
    """How the config's CSV is read."""
    from rnncli.data.series import KEY_JOIN, Schema

    d = cfg.data
    parts = (d.time_column,) if isinstance(d.time_column, str) else tuple(d.time_column)
    # several columns: one timestamp column in every output
    time_column = parts[0] if len(parts) == 1 else "_".join(parts)
    # one target, "value", of series named by their columns, under "series" in every output
    wide = d.layout == "wide"
    keys = [d.id_column] if isinstance(d.id_column, str) else list(d.id_column or [])
    return Schema(
        d.path,
        time_column,
        ("value",) if wide else tuple(d.target),
        tuple(d.features),
        d.frequency,
        d.missing,
        WIDE_ID if wide else (KEY_JOIN.join(keys) if keys else None),
        d.timezone,
        d.max_gap,
        d.duplicates,
        d.time_format,
        d.decimal,
        d.max_fill,
        parts if len(parts) > 1 else (),
        tuple(d.target) if wide else (),
        tuple(d.future_features),
        tuple(keys) if len(keys) > 1 else (),
        tuple(d.static_features),
        tuple(c for c in [*d.features, *d.future_features, *d.static_features] if c in d.categorical),
    )


def spec_of(cfg: Config) -> WindowSpec:
    """The config's window and split."""
    from rnncli.data.splits import Borders
    from rnncli.data.windows import WindowSpec

    w, d = cfg.window, cfg.data
    return WindowSpec(
        w.lookback,
        w.horizon,
        w.mode == "many_to_many",
        d.val_fraction,
        d.test_fraction,
        tuple(d.calendar),
        Borders(d.train_end, d.val_end, d.test_end),
        d.val_steps,
        d.test_steps,
    )


def prepared_of(cfg: Config, series: list[Series] | None = None) -> Prepared:
    """The config's data, prepared as training uses it: scaler fitted on the training rows.
    `series`: the config's CSV already loaded (a backtest reads it once and passes each fold a copy);
    read here when not given."""
    from rnncli.data import timeseries
    from rnncli.data.prepared import prepare

    schema = schema_of(cfg)
    prepared = prepare(
        series if series is not None else timeseries.load(schema),
        schema,
        spec_of(cfg),
        cfg.data.scaler,
        cfg.data.scale_per_series,
        cfg.data.season,
        transform=cfg.data.transform,
    )
    prepared.clip_negative = cfg.predict.clip_negative
    return prepared


def config_of_fold(cfg: Config, fold: Fold) -> Config:
    """The config of one backtest fold: the same, split at the fold's borders, with the fold's
    lookback (shorter than the config's where its training part is short; segments then off)."""
    b = fold.borders
    data = dataclasses.replace(cfg.data, train_end=b.train_end, val_end=b.val_end, test_end=b.test_end)
    if fold.lookback == cfg.window.lookback:
        return dataclasses.replace(cfg, data=data)
    return dataclasses.replace(
        cfg,
        data=data,
        window=dataclasses.replace(cfg.window, lookback=fold.lookback),
        model=dataclasses.replace(cfg.model, segment=None),
    )
