"""Forecasts from the end of prepared series: the model's, rolled past its own horizon, with
intervals, in real units, one table per series; Theta's for a series the model cannot read.

Pure functions of a trained model and prepared data: `commands.predict` opens the checkpoint,
reads the data and hands them here. A trained model is anything with the attributes of
`TrainedModel` (an opened checkpoint, `artifacts.trained.Trained`, is one).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import torch

from rnncli.data import ahead, calendar, short_series
from rnncli.data.prepared import Prepared
from rnncli.data.rows import known_columns, width
from rnncli.data.series import Schema, split_key
from rnncli.data.windows import WindowSpec
from rnncli.errors import RnnCliError
from rnncli.evaluation import classical, forecast_table, intervals, recursive, scoring, served
from rnncli.evaluation.selection import NETWORK_ONLY, Selection


class TrainedModel(Protocol):
    """What a forecast needs of a trained model: the network and how it reads its data."""

    model: torch.nn.Module
    spec: WindowSpec
    schema: Schema

    @property
    def served_calibration(self) -> dict | None: ...
    @property
    def online_step(self) -> float: ...
    @property
    def refit(self) -> bool: ...


def forecast(
    trained: TrainedModel,
    prepared: Prepared,
    horizon: int,
    coverage: float,
    replayed: Prepared | None = None,
    selection: Selection = NETWORK_ONLY,
) -> tuple[pd.DataFrame, float | None, list[str]]:
    """(the table of every series' served forecast of `horizon` steps from its end, the coverage
    its intervals have (None: none), notes). `prepared` holds every row (`whole`); `replayed`, the
    same series split as evaluate splits them, lets online intervals replay their test part."""
    rows = _rows(trained, prepared, horizon)
    quantiles = _quantiles(trained, rows) if selection.served == "network" else None
    scaled = _roll_all(
        trained, rows, horizon
    )  # every series at once: one model call per step, not per series
    if selection.served != "network":  # a classical forecast, or one averaged with the network's
        scaled = _served(prepared, scaled, horizon, selection, rows)
    reach, notes = _offsets(trained, prepared, coverage, scaled, quantiles, replayed)
    notes = [*prepared.unseen, *notes]
    frames = [
        forecast_table.frame(
            trained.schema,
            trained.model.args.quantiles,
            prepared,
            k,
            scaled[k],
            None if reach is None else (reach[0][k], reach[1][k]),
            None if quantiles is None else quantiles[k],
        )
        for k in range(len(prepared.series))
    ]
    if (
        prepared.left_out
    ):  # too short for the model to read: the Theta baseline forecasts them, and a note says so
        frames += forecast_table.fallback(
            trained.schema, prepared.left_out, horizon, prepared.season, list(frames[0].columns)
        )
        notes.append(
            f"{len(prepared.left_out)} series too short for the model (its "
            f"window.lookback={trained.spec.lookback}, "
            f"or to have been trained on) are forecast by Theta, without intervals: "
            f"{short_series.names(prepared.left_out)}"
        )
    frame = pd.concat(frames, ignore_index=True)
    keys = trained.schema.id_columns
    if keys:  # one column per key column, first: each series' values of them
        ids = [
            split_key(str(s.id), len(keys))
            for s in [*prepared.series, *prepared.left_out]
            for _ in range(horizon)
        ]
        for j, name in reversed(list(enumerate(keys))):
            frame.insert(0, name, [parts[j] for parts in ids])
    return frame, coverage if reach is not None else None, notes


MAX_FORECAST_BYTES = 2 * 1024**3  # memory a forecast may take: its rolled rows and the table it becomes
MAX_ROUNDS = 100_000  # model calls a recursive forecast may make one after another


def check_size(
    n_series: int, columns: int, lookback: int, horizon: int, n_targets: int, model_horizon: int
) -> None:
    """Refuse a horizon whose forecast would not fit in memory or take hours, saying the most that does."""
    per_step = n_series * (
        columns * 4 + (2 + 3 * n_targets) * 8 * 3
    )  # rolled float32 rows; the table, copied
    need = n_series * lookback * columns * 4 + horizon * per_step
    asked = horizon if horizon < 10**12 else f"of {len(str(horizon))} digits"
    if need > MAX_FORECAST_BYTES:
        most = max(1, (MAX_FORECAST_BYTES - n_series * lookback * columns * 4) // per_step)
        raise RnnCliError(
            f"--horizon {asked} would need about {need / 1024**3:,.0f} GB for {n_series} series; "
            f"forecast at most {min(most, MAX_ROUNDS * model_horizon):,} steps at once"
        )
    if -(-horizon // model_horizon) > MAX_ROUNDS:
        raise RnnCliError(
            f"--horizon {asked} would take {-(-horizon // model_horizon):,} model calls one after another "
            f"(the model forecasts {model_horizon} at a time); forecast at most "
            f"{MAX_ROUNDS * model_horizon:,} steps, or train a longer window.horizon"
        )


def _served(
    prepared: Prepared, network: torch.Tensor, horizon: int, selection: Selection, rows: torch.Tensor
) -> torch.Tensor:
    """The served forecast, scaled (series, horizon, targets), when it is not the network's alone:
    the classical methods fitted on every row of each series and forecast from its end (`rows`:
    each series' last window and the rows forecast, for the linear AR with covariates)."""
    from rnncli.evaluation.baselines import BaselineFit

    baselines = BaselineFit.on(prepared)  # `prepared` holds every row in its training part
    ends = torch.tensor(prepared.layout.offsets[1:])
    inside = ends - 1  # a row of each series: its scale, its floor
    lengths = {k: np.array([int(ends[k]) - prepared.layout.offsets[k]]) for k in range(len(ends))}
    states = classical.OriginStates(prepared, baselines, lengths)
    history = prepared.unscale(
        torch.stack([prepared.last_window(k) for k in range(len(ends))])[..., : prepared.n_targets], inside
    )
    made = classical.forecasts(
        prepared, baselines, states, torch.arange(len(ends)), ends, history, horizon, rows
    )
    values = served.forecast(selection, prepared.unscale(network, inside), made, prepared, inside)
    return served.scaled(values, prepared, inside).double()


def _offsets(
    trained: TrainedModel,
    prepared: Prepared,
    coverage: float,
    scaled: torch.Tensor,
    quantiles: torch.Tensor | None,
    replayed: Prepared | None = None,
    selection: Selection = NETWORK_ONLY,
) -> tuple[tuple[torch.Tensor, torch.Tensor] | None, list[str]]:
    """How far each series' interval reaches below and above its scaled forecast, (series, horizon,
    targets) each (NaN past the calibrated steps), and notes on what is missing; None when there
    is no honest interval at this coverage (the note says why): never an infinite bound."""
    reason = intervals.missing(trained.served_calibration, coverage)
    if reason is not None or not coverage:
        return None, [reason] if reason else []
    widths = intervals.widths(trained.served_calibration, coverage, trained.online_step)
    steps = min(widths.steps, scaled.shape[1])
    inputs = torch.stack([prepared.last_window(k) for k in range(len(prepared.series))])
    mask = prepared.n_values if prepared.masked else None
    reached, notes = _online(trained, prepared, widths, replayed, selection)
    below, above = widths.offsets(
        scaled[:, :steps],
        inputs,
        prepared.n_targets,
        mask,
        None if quantiles is None else quantiles[:, :steps],
        None if reached is None else reached[:, :steps],
    )
    if scaled.shape[1] > steps:
        gap = torch.full(
            (len(scaled), scaled.shape[1] - steps, scaled.shape[2]), float("nan"), dtype=scaled.dtype
        )
        below, above = torch.cat([below, gap], dim=1), torch.cat([above, gap], dim=1)
        first = "first step" if steps == 1 else f"first {steps} steps"
        notes.append(
            f"intervals cover the {first}, where they were calibrated on validation data; later steps have "
            "none"
        )
    return (below, above), notes


def _online(
    trained: TrainedModel,
    prepared: Prepared,
    widths: intervals.Widths,
    replayed: Prepared | None,
    selection: Selection,
) -> tuple[torch.Tensor | None, list[str]]:
    """(series, steps, targets): the score each series' online interval reaches at the end of the
    data, replayed through the test part of `replayed` (the series forecast from, split as evaluate
    splits them); None (and a note why) where it cannot be, or when the run's intervals are not
    updated online."""
    if not widths.online or replayed is None:
        return None, []
    if trained.refit:  # its misses on rows it was trained on would narrow them
        return None, [
            "the intervals are the calibrated ones, not updated online: the refit model has trained on the "
            "rows a replay would score"
        ]
    if [s.id for s in replayed.series] != [s.id for s in prepared.series] or not len(replayed.index("test")):
        return None, [
            "the intervals are the calibrated ones, not updated online: the data hold no test part to "
            "replay for every series"
        ]
    return torch.from_numpy(scoring.reached(trained.model, replayed, "test", widths, selection)), []


def _rows(trained: TrainedModel, prepared: Prepared, horizon: int) -> torch.Tensor:
    """Each series' last window and the rows after it (their known columns filled: the future
    features for the `horizon` steps asked for, zero after them, where the causal head never reads
    them for a step asked for; the static features, as they are; the calendar), scaled: (series,
    lookback + steps, columns)."""
    spec, n_known, args, schema = trained.spec, prepared.windows.n_known, trained.model.args, trained.schema
    # the known columns of whole model horizons
    steps = recursive.padded(horizon, args.horizon) if n_known else horizon
    steps = max(steps, args.horizon) if args.quantiles else steps  # a quantile forecast's whole horizon
    n_future, n_static = width(schema, "future"), width(schema, "static")
    rows = []
    for k, s in enumerate(prepared.series):
        known = prepared.last_window(k).numpy()
        future = np.zeros((steps, known.shape[1]), dtype=np.float32)
        first = known.shape[1] - n_known
        static = slice(first + n_future, first + n_future + n_static)
        future[:, static] = known[-1, static]
        future[:, static.stop :] = calendar.encode(forecast_table.future_times(s, steps), spec.calendar)
        if n_future:
            future[:horizon, first : first + n_future] = ahead.scaled(s, prepared.scaler, k, schema, horizon)
        rows.append(np.concatenate([known, future]))
    return torch.from_numpy(np.stack(rows))


def _roll_all(trained: TrainedModel, rows: torch.Tensor, horizon: int) -> torch.Tensor:
    """Scaled forecasts (series, horizon, targets) from the end of each series, rolled together."""
    n_t, n_known = len(trained.schema.targets), known_columns(trained.schema, trained.spec)
    rows = rows.clone()
    rolled = [
        recursive.roll(trained.model, chunk, trained.spec.lookback, n_t, n_known)
        for chunk in rows.split(recursive.CHUNK)
    ]
    return torch.cat(rolled)[:, :horizon].double()


def _quantiles(trained: TrainedModel, rows: torch.Tensor) -> torch.Tensor | None:
    """A quantile model's scaled quantile forecasts from the end of each series over its own
    horizon, (series, model horizon, targets, quantiles); None for another model."""
    model, lookback, n_cal = trained.model, trained.spec.lookback, known_columns(trained.schema, trained.spec)
    if not model.args.quantiles:
        return None
    h = model.args.horizon
    with torch.inference_mode():
        out = [
            model.forecast_quantiles(
                chunk[:, :lookback],
                chunk[:, lookback : lookback + h, chunk.shape[2] - n_cal :].flatten(1) if n_cal else None,
            )
            for chunk in rows.split(recursive.CHUNK)
        ]
    return torch.cat(out).double()
