"""From checked series to what training and forecasting consume: scaled rows, splits, windows.

`prepare` is the one path from series (as `timeseries.load` reads them) to a `Prepared` set, used
alike by `train`, `check`, `evaluate`, `backtest`, and (with `whole=True`, no split) by `predict`
and `inspect --trace`, so all see the same rows, scaling, calendar columns and season. It takes
plain values (a `Schema`, a `WindowSpec`, a scaler); `pipeline.inputs.prepared_of` is that path
for a config. Series are concatenated into one tensor (windows never cross from one into the
next), scaled by a scaler fitted on the training rows (or taken from a checkpoint), and followed
by their calendar columns. `Prepared.last_window` is the input a forecast from the end of a
series reads. Nothing here reads a file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from rnncli.data import categories, short_series, timegrid
from rnncli.data.messages import grouped
from rnncli.data.rows import column_names, known_columns, scaled_rows, width
from rnncli.data.scaling import Scaler
from rnncli.data.series import Schema, Series
from rnncli.data.windows import Index, Layout, Windows, WindowSpec
from rnncli.errors import RnnCliError


@dataclass
class Prepared:
    windows: Windows
    layout: Layout
    scaler: Scaler  # aligned with the series: row k scales series k
    fitted_scaler: Scaler  # as fitted (per series id, or one shared row): what a checkpoint keeps
    spec: WindowSpec
    series: list[Series]  # their times, ids and notes (values live in `windows`)
    columns: list[str]  # targets, features, then calendar columns
    n_targets: int
    frequency: str
    season: int  # steps per season, for the seasonal baseline, MASE and interval calibration
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(
        default_factory=list
    )  # about the data as read: values filled in, series padded or left out
    clip_negative: bool = (
        True  # keep forecasts of never-negative targets at or above zero (predict.clip_negative)
    )
    masked: bool = False  # an availability column (0 for padding) follows the targets and features
    left_out: list = field(
        default_factory=list
    )  # series too short to prepare (padding.py), for predict to forecast otherwise
    # (rows, targets): False where a target value was filled in, not measured; None when none was
    measured: torch.Tensor | None = None
    # how the data was read, with the categories of its categorical columns (`Schema.levels`)
    schema: Schema | None = None
    unseen: list[str] = field(default_factory=list)  # categories the model does not know (also in notes)

    @property
    def pads(self) -> list[int]:
        """Rows of padding at the start of each series."""
        return [s.padded for s in self.series]

    @property
    def n_values(self) -> int:
        """The target and numeric past feature columns: what scaling and window normalisation apply
        to (the availability column, when masked, is next; then the categorical past features)."""
        categorical = width(self.schema, "categorical") if self.schema is not None else 0
        return len(self.columns) - self.windows.n_known - int(self.masked) - categorical

    @property
    def times(self) -> list[pd.DatetimeIndex]:
        return [s.times for s in self.series]

    @property
    def ids(self) -> list[str | None]:
        return [s.id for s in self.series]

    @property
    def covariates(self) -> dict[str, list[str]]:
        """The columns read besides the targets and the calendar: past features, those known ahead,
        the static ones."""
        s = self.schema
        return {
            "past": list(s.features),
            "known_ahead": list(s.future_features),
            "static": list(s.static_features),
        }

    @property
    def has_covariates(self) -> bool:
        """Whether the model reads columns of the file besides its targets (the calendar aside)."""
        s = self.schema
        return s is not None and bool(s.features or s.future_features or s.static_features)

    @property
    def targets(self) -> list[str]:
        return self.columns[: self.n_targets]

    @property
    def filled(self) -> int:
        return sum(s.filled for s in self.series)

    def index(self, split: str) -> Index:
        return self.layout.index(split, self.spec.lookback, self.spec.horizon)

    def last_window(self, k: int) -> torch.Tensor:
        """The model's input for a forecast from the end of series k: its last `lookback` rows,
        scaled, calendar columns included (lookback, columns)."""
        lookback, end = self.spec.lookback, self.layout.offsets[k + 1]
        rows = end - self.layout.offsets[k]
        if rows < lookback:
            raise RnnCliError(
                f"{self.series[k].label} has {rows} rows after gap filling; the model reads the last "
                f"{lookback} (window.lookback)"
            )
        return self.windows.values[end - lookback : end]

    def unscale(self, y: torch.Tensor, starts: torch.Tensor, shift: bool = True) -> torch.Tensor:
        """Target values (B, ..., targets) of the windows at `starts`, back in real units (with
        shift=False, a difference or a width: scaled only, which a log transform does not allow)."""
        series = self.layout.series_of(starts.to(self.scaler.loc.device)).to(y.device)
        loc = self.scaler.loc.to(y.device)[series, : self.n_targets]
        scale = self.scaler.scale.to(y.device)[series, : self.n_targets]
        shape = (len(series),) + (1,) * (y.dim() - 2) + (self.n_targets,)
        if not shift:
            assert not self.scaler.log_columns, "a width in log units has no size in real units: use bounds"
            return y * scale.view(shape)
        return self.scaler.real(y, loc.view(shape), scale.view(shape))

    def floor(self, starts: torch.Tensor, device: torch.device) -> torch.Tensor | None:
        """(B, 1, targets) the least each window's forecast may be: 0 for a target whose training
        rows were never negative, -inf otherwise; None when nothing is kept from going below zero."""
        if self.scaler.floor is None or not self.clip_negative:
            return None
        series = self.layout.series_of(starts.to(self.scaler.loc.device))
        return self.scaler.floor[series, : self.n_targets].to(device).double()[:, None, :]


def prepare(
    series: list[Series],
    schema: Schema,
    spec: WindowSpec,
    scaler: Scaler | str,
    per_series: bool = True,
    season: int | None = None,
    whole: bool = False,
    transform: str = "none",
    masked: bool | None = None,
) -> Prepared:
    """Split each series in time order, scale it, and index its windows.

    `scaler` is a kind to fit on the training rows ("standard", "minmax", "none"), per series or
    shared, or a fitted scaler (from a checkpoint) to apply as it is. `season` defaults to the
    frequency's natural cycle (`timegrid.season_of`). `series` are consumed (scaled in place into
    the prepared rows). `whole`:
    no split, every row in the first part, for forecasting from the end of the data. `transform`
    "log" takes log1p of the targets before a scaler is fitted (a fitted one knows its own).
    Series too short for a window are padded or left out (`short_series.py`); `masked` says whether the
    model reads an availability column (a trained model knows; None: when any series is padded).
    """
    known = None if isinstance(scaler, str) or scaler.ids == [None] else set(scaler.ids)
    kept, parts, pads, warned = _parts(series, spec, schema, whole, masked, known)
    masked = any(pads) if masked is None else masked
    train_rows = [p[0] - pad for p, pad in zip(parts, pads)]
    if isinstance(scaler, str) and season is not None:  # a season the config set, for a model to train
        _check_season(season, kept, [(rows, *p[1:]) for rows, p in zip(train_rows, parts)])
    if isinstance(scaler, str) and schema.categorical:  # training: the categories of its training rows
        schema = dataclasses.replace(schema, levels=categories.fit(kept, train_rows, schema))
    unseen = categories.recode(series, schema) if schema.categorical else []
    fitted_scaler = (
        _fit_scaler(scaler, kept, train_rows, schema, per_series, transform)
        if isinstance(scaler, str)
        else scaler
    )
    scaler = fitted_scaler.align([s.id for s in kept])
    left_out = [s for s in series if all(s is not k for k in kept)]
    kept = [short_series.padded(s, pad) for s, pad in zip(kept, pads)]
    values = torch.from_numpy(scaled_rows(kept, scaler, schema, spec.calendar, masked))
    offsets = np.concatenate([[0], np.cumsum([len(s.times) for s in kept])]).tolist()
    n_known = known_columns(schema, spec)
    windows = Windows(values, spec.lookback, spec.horizon, len(schema.targets), spec.many_to_many, n_known)
    return Prepared(
        windows,
        Layout(offsets, parts),
        scaler,
        fitted_scaler,
        spec,
        kept,
        column_names(schema, spec, masked),
        len(schema.targets),
        kept[0].frequency,
        season or timegrid.season_of(kept[0].frequency),
        [*grouped([(s.id, note) for s in kept for note in s.notes]), *unseen],
        [*warned, *grouped([(s.id, warning) for s in kept for warning in s.warnings])],
        masked=masked,
        left_out=left_out,
        measured=_measured(kept, offsets, len(schema.targets)),
        schema=schema,
        unseen=unseen,
    )


def _fit_scaler(
    kind: str, kept: list[Series], train_rows: list[int], schema: Schema, per_series: bool, transform: str
) -> Scaler:
    """A scaler fitted on the training rows: category indices left as they are, numeric static
    features scaled alike across series."""
    return Scaler.fit(
        kind,
        [s.values[:rows] for s, rows in zip(kept, train_rows)],
        [s.id for s in kept],
        per_series,
        len(schema.targets) if transform == "log" else 0,
        fixed=categories.positions(schema),
        shared=[schema.columns.index(c) for c in schema.static_features if c not in schema.categorical],
    )


def _measured(kept: list[Series], offsets: list[int], n_targets: int) -> torch.Tensor | None:
    """The concatenated rows' mask of measured target values (scores leave the others out)."""
    if all(s.filled_at is None for s in kept):
        return None
    measured = torch.ones(offsets[-1], n_targets, dtype=torch.bool)
    for s, start in zip(kept, offsets):
        if s.filled_at is not None:
            rows = torch.from_numpy(s.filled_at[:, 0] + start + s.padded)
            measured[rows, torch.from_numpy(s.filled_at[:, 1])] = False
    return measured


def _parts(
    series: list,
    spec: WindowSpec,
    schema: Schema,
    whole: bool,
    masked: bool | None,
    known: set | None,
):
    """(series kept, their parts, their padding, warnings) for training, scoring or forecasting.
    `known`: the series a fitted per-series scaler can scale (None: any)."""
    if whole:  # forecasting from the end: a masked model reads short series padded; another cannot read them
        needs = [max(0, spec.lookback - len(s.times)) for s in series]
        kept = [
            s
            for s, need in zip(series, needs)
            if (masked or not need) and not _too_short_to_have_trained(s, spec, known)
        ]
        if not kept:
            shortest = min(series, key=lambda s: len(s.times))
            raise RnnCliError(
                f"{shortest.label} has {len(shortest.times)} rows after gap filling; the model reads the "
                f"last {spec.lookback} (window.lookback)"
                + ("" if len(series) == 1 else ", and so does every other series")
            )
        pads = [max(0, spec.lookback - len(s.times)) for s in kept]
        return kept, [(len(s.times) + pad, 0, 0) for s, pad in zip(kept, pads)], pads, []
    kept, parts, pads, warned = short_series.parts_of(
        series, spec, lambda s: schema.path if s.id is None else f"{s.label} of {schema.path}"
    )
    if masked is False and any(pads):  # a model without the availability column: padded series cannot be read
        keep = [k for k, pad in enumerate(pads) if not pad]
        warned = [*warned, f"{len(pads) - len(keep)} series too short for this model's window were left out"]
        kept, parts, pads = [kept[k] for k in keep], [parts[k] for k in keep], [0] * len(keep)
        if not kept:
            raise RnnCliError(
                f"every series is too short for this model's window (window.lookback={spec.lookback})"
            )
    return kept, parts, pads, warned


def _too_short_to_have_trained(s: Series, spec: WindowSpec, known: set | None) -> bool:
    """A series the model has no scaling for because training left it out for its length (it is
    forecast by a baseline); an unknown series long enough to train on is a mistake to name."""
    return known is not None and s.id not in known and not short_series.trainable(s, spec, s.label)


def _check_season(season: int, series: list[Series], parts: list[tuple[int, int, int]]) -> None:
    """The seasonal baseline and MASE compare each value with the one a season before: a season as
    long as a training part would silently fall back to the step before."""
    k = min(range(len(series)), key=lambda k: parts[k][0])
    if season >= parts[k][0]:
        raise RnnCliError(
            f"data.season={season} is at least as long as the training part of {series[k].label} "
            f"({parts[k][0]} rows): the seasonal baseline needs a season before every value it forecasts; "
            "lower data.season or leave it out (it then follows the frequency)"
        )
