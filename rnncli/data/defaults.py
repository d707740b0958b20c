"""Resolve the keys a config leaves out from what its data holds (`config.choices` has the rules).

`resolve(cfg)` reads the config's CSV once, measures it (`facts`), fills every key of
`config.choices.CHOSEN` the config did not set, and returns the config with every key explicit,
the series it read (so training need not read them again) and what was chosen, with reasons.
A config resolved once resolves to itself: its config.yaml names every key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rnncli import config as configs
from rnncli.config import Config
from rnncli.config.choices import CHOSEN, DataFacts, choose


@dataclass
class Resolved:
    cfg: Config  # every key explicit
    series: list | None  # the CSV as read (None when nothing had to be chosen), for whoever prepares it next (consumed there)
    chosen: dict[str, tuple[object, str]]  # the keys filled in: value and reason


def resolve(cfg: Config, series: list | None = None) -> Resolved:
    """The config with the keys it left out chosen from its data; a config that sets them all is
    returned as it is, its data not read (so `--print-config` of such a config imports no pandas)."""
    given = cfg.given | ({"data.val_fraction", "data.test_fraction"} if cfg.data.train_end is not None else set())  # split by timestamps
    if all(key in given for key in CHOSEN):
        return Resolved(cfg, series, {})
    from rnncli.data import timeseries
    from rnncli.data.prepared import schema_of

    if series is None:
        series = timeseries.load(schema_of(cfg))
    flat = configs.flat(cfg)
    chosen = choose(facts(series, cfg.data.season, len(cfg.data.target) if cfg.data.layout == "long" else 1), cfg.window.horizon,
                    {k: v for k, v in flat.items() if k in given})
    resolved = configs.with_values(cfg, {key: value for key, (value, _) in chosen.items()})
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
    return DataFacts(frequency, season or timegrid.season_of(frequency), len(series), int(lengths.min()), int(np.median(lengths)),
                     int(lengths.sum()), positive, _growth(typical.values[:, 0]), span.total_seconds() / 86400)


def _growth(y) -> float:
    """The mean of the last third over the mean of the first, in the first 70% of the series (the
    part before any test stretch); 1 when either mean is not positive."""
    y = y[: max(3, int(len(y) * 0.7))]
    third = max(1, len(y) // 3)
    first, last = float(y[:third].mean()), float(y[-third:].mean())
    return last / first if first > 0 and last > 0 else 1.0


def explicit(cfg: Config) -> Config:
    """The same config, every key counted as given (a resolved or saved config)."""
    return dataclasses.replace(cfg, given=frozenset(configs.flat(cfg)))
