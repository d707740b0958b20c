"""Use a trained model: forecast beyond the end of the data, or score it on a split.

Both start from a run folder or a checkpoint file (`trained.open_trained`) and read the data
through `prepared.prepare`, as training did: any CSV with the columns the model was trained on
can be forecast from or scored on, on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rnncli.artifacts.trained import Trained, open_trained
from rnncli.artifacts.files import refuse_overwriting
from rnncli.data import calendar, padding, timeseries
from rnncli.data.grouping import grouped
from rnncli.data.prepared import Prepared
from rnncli.errors import RnnCliError
from rnncli.evaluation import intervals, recursive, scoring, verdict
from rnncli.evaluation.scores import Scores


@dataclass
class Forecast:
    frame: pd.DataFrame  # [id,] time, targets, and <target>_lower / <target>_upper with intervals
    history: list[tuple[str | None, pd.DataFrame]]  # per series, its last `tail` rows: time and targets
    coverage: float | None
    notes: list[str]
    warnings: list[str] = field(default_factory=list)  # about the data read: values filled in
    id_column: str | None = None  # the column that tells the series apart, in long-format data


def predict(run: str | Path, data_path: str | Path | None = None, horizon: int | None = None, which: str = "best",
            coverage: float | None = None, history: bool = False, outputs: tuple = ()) -> Forecast:
    """Forecast the `horizon` steps after the end of the data: timestamps and targets (and the id
    column first, one block per series, for long-format data), with prediction intervals.

    Beyond the model's own horizon the forecasts are fed back as inputs (recursive forecasting).
    Calendar features are known for any future time, but past covariates (`data.features`) are
    not, so a model that reads them can forecast only up to its horizon. `coverage` defaults to the
    run's predict.coverage; 0 leaves the intervals out. `history` adds the last stretch of each
    series (3 lookbacks, 10 horizons or 60 steps, whichever is longest), for plotting. `outputs`,
    the files the caller will write, may not be any of the run's inputs.
    """
    trained = open_trained(run, which, data_path)
    refuse_overwriting(outputs, trained.inputs())
    spec, schema = trained.spec, trained.schema
    horizon = spec.horizon if horizon is None else horizon
    if horizon < 1:
        raise RnnCliError(f"--horizon must be at least 1, got {horizon}")
    if horizon > spec.horizon and schema.features:
        raise RnnCliError(f"--horizon {horizon} is beyond the model's horizon ({spec.horizon}), which needs forecasts fed back as inputs, "
                          f"but the model also reads features ({', '.join(schema.features)}) whose future values are unknown; "
                          f"use --horizon {spec.horizon} or less, or train with window.horizon={horizon}")
    coverage = trained.coverage(coverage)
    series = timeseries.load(schema)
    _check_size(len(series), len(schema.columns) + 2 * len(spec.calendar), spec.lookback, horizon, len(schema.targets), spec.horizon)
    warnings = grouped([(s.id, w) for s in series for w in s.warnings])
    tail = max(3 * spec.lookback, 10 * horizon, 60)
    past = [(s.id, _tail(s, schema, tail)) for s in series] if history else []  # before preparing scales the values
    replay = ([replace(s, values=s.values.copy(), notes=list(s.notes), warnings=list(s.warnings)) for s in series]
              if coverage and trained.online_step else None)  # preparing scales the values in place: a copy to replay (_online)
    prepared = trained.prepare(series, whole=True)
    rows = _rows(trained, prepared, horizon)
    quantiles = _quantiles(trained, rows)
    scaled = _roll_all(trained, rows, horizon)  # every series at once: the model is called once per step, not per series
    reach, notes = _offsets(trained, prepared, coverage, scaled, quantiles, replay)
    frames = [_frame(trained, prepared, k, scaled[k], None if reach is None else (reach[0][k], reach[1][k]),
                     None if quantiles is None else quantiles[k]) for k in range(len(prepared.series))]
    if prepared.left_out:  # too short for the model to read: the Theta baseline forecasts them, and a note says so
        frames += _fallback(trained, prepared.left_out, horizon, prepared.season, list(frames[0].columns))
        notes.append(f"{len(prepared.left_out)} series too short for the model (its window.lookback={spec.lookback}, or to have been trained "
                     f"on) are forecast by Theta, without intervals: {padding.names(prepared.left_out)}")
    frame = pd.concat(frames, ignore_index=True)
    if schema.id_column:
        frame.insert(0, schema.id_column, [s.id for s in [*prepared.series, *prepared.left_out] for _ in range(horizon)])
    return Forecast(frame, past, coverage if reach is not None else None, notes, warnings, schema.id_column)


def _fallback(trained: Trained, series: list, horizon: int, season: int, columns: list[str]) -> list[pd.DataFrame]:
    """Theta's forecasts for the series the model cannot read, in the forecast table's columns."""
    from rnncli.evaluation import theta

    out = []
    for s in series:
        values = {target: (theta.forecast([s.values[:, j]], horizon, season)[0] if len(s.times) > 1
                           else np.repeat(s.values[-1, j], horizon)) for j, target in enumerate(trained.schema.targets)}
        frame = pd.DataFrame({trained.schema.time_column: _future_times(s, horizon), **values})
        out.append(frame.reindex(columns=columns))
    return out


MAX_FORECAST_BYTES = 2 * 1024**3  # memory a forecast may take: its rolled rows and the table it becomes
MAX_ROUNDS = 100_000  # model calls a recursive forecast may make one after another


def _check_size(n_series: int, columns: int, lookback: int, horizon: int, n_targets: int, model_horizon: int) -> None:
    """Refuse a horizon whose forecast would not fit in memory or take hours, saying the most that does."""
    per_step = n_series * (columns * 4 + (2 + 3 * n_targets) * 8 * 3)  # rolled float32 rows; the table's columns, copied
    need = n_series * lookback * columns * 4 + horizon * per_step
    asked = horizon if horizon < 10**12 else f"of {len(str(horizon))} digits"
    if need > MAX_FORECAST_BYTES:
        most = max(1, (MAX_FORECAST_BYTES - n_series * lookback * columns * 4) // per_step)
        raise RnnCliError(f"--horizon {asked} would need about {need / 1024**3:,.0f} GB for {n_series} series; "
                          f"forecast at most {min(most, MAX_ROUNDS * model_horizon):,} steps at once")
    if -(-horizon // model_horizon) > MAX_ROUNDS:
        raise RnnCliError(f"--horizon {asked} would take {-(-horizon // model_horizon):,} model calls one after another (the model "
                          f"forecasts {model_horizon} at a time); forecast at most {MAX_ROUNDS * model_horizon:,} steps, or train a "
                          "longer window.horizon")


def _offsets(trained: Trained, prepared: Prepared, coverage: float, scaled: torch.Tensor, quantiles: torch.Tensor | None,
             replay: list | None = None) -> tuple[tuple[torch.Tensor, torch.Tensor] | None, list[str]]:
    """How far each series' interval reaches below and above its scaled forecast, (series, horizon,
    targets) each (NaN past the calibrated steps), and notes on what is missing; None when there
    is no honest interval at this coverage (the note says why): never an infinite bound."""
    reason = intervals.missing(trained.calibration, coverage)
    if reason is not None or not coverage:
        return None, [reason] if reason else []
    widths = intervals.widths(trained.calibration, coverage, trained.online_step)
    steps = min(widths.steps, scaled.shape[1])
    inputs = torch.stack([prepared.last_window(k) for k in range(len(prepared.series))])
    mask = prepared.n_values if prepared.masked else None
    reached, notes = _online(trained, prepared, widths, replay)
    below, above = widths.offsets(scaled[:, :steps], inputs, prepared.n_targets, mask, None if quantiles is None else quantiles[:, :steps],
                                  None if reached is None else reached[:, :steps])
    if scaled.shape[1] > steps:
        gap = torch.full((len(scaled), scaled.shape[1] - steps, scaled.shape[2]), float("nan"), dtype=scaled.dtype)
        below, above = torch.cat([below, gap], dim=1), torch.cat([above, gap], dim=1)
        first = "first step" if steps == 1 else f"first {steps} steps"
        notes.append(f"intervals cover the {first}, where they were calibrated on validation data; later steps have none")
    return (below, above), notes


def _online(trained: Trained, prepared: Prepared, widths: intervals.Widths, replay: list | None) -> tuple[torch.Tensor | None, list[str]]:
    """(series, steps, targets): the score each series' online interval reaches at the end of the
    data, replayed through the test part of `replay` (the series forecast from, split as evaluate
    splits them); None (and a note why) where it cannot be, or when the run's intervals are not
    updated online."""
    if not widths.online or replay is None:
        return None, []
    if trained.payload.get("refit"):  # its misses on rows it was trained on would narrow them
        return None, ["the intervals are the calibrated ones, not updated online: the refit model has trained on the rows a replay would score"]
    split = trained.prepare(replay)
    if [s.id for s in split.series] != [s.id for s in prepared.series] or not len(split.index("test")):
        return None, ["the intervals are the calibrated ones, not updated online: the data hold no test part to replay for every series"]
    return torch.from_numpy(scoring.reached(trained.model, split, "test", widths)), []


def _rows(trained: Trained, prepared: Prepared, horizon: int) -> torch.Tensor:
    """Each series' last window and the rows after it (their calendar known, their targets to be
    forecast), scaled: (series, lookback + steps, columns)."""
    spec, n_cal = trained.spec, prepared.windows.n_calendar
    steps = recursive.padded(horizon, trained.model.args.horizon) if n_cal else horizon  # the calendar of whole model horizons
    steps = max(steps, trained.model.args.horizon) if trained.model.args.quantiles else steps  # a quantile forecast's whole horizon
    rows = []
    for k, s in enumerate(prepared.series):
        known = prepared.last_window(k).numpy()
        future = np.zeros((steps, known.shape[1]), dtype=np.float32)
        future[:, known.shape[1] - n_cal:] = calendar.encode(_future_times(s, steps), spec.calendar)
        rows.append(np.concatenate([known, future]))
    return torch.from_numpy(np.stack(rows))


def _roll_all(trained: Trained, rows: torch.Tensor, horizon: int) -> torch.Tensor:
    """Scaled forecasts (series, horizon, targets) from the end of each series, rolled together."""
    n_t, n_cal = len(trained.schema.targets), 2 * len(trained.spec.calendar)
    rows = rows.clone()
    rolled = [recursive.roll(trained.model, chunk, trained.spec.lookback, n_t, n_cal) for chunk in rows.split(recursive.CHUNK)]
    return torch.cat(rolled)[:, :horizon].double()


def _quantiles(trained: Trained, rows: torch.Tensor) -> torch.Tensor | None:
    """A quantile model's scaled quantile forecasts from the end of each series over its own
    horizon, (series, model horizon, targets, quantiles); None for another model."""
    model, lookback, n_cal = trained.model, trained.spec.lookback, 2 * len(trained.spec.calendar)
    if not model.args.quantiles:
        return None
    h = model.args.horizon
    with torch.inference_mode():
        out = [model.forecast_quantiles(chunk[:, :lookback], chunk[:, lookback : lookback + h, chunk.shape[2] - n_cal :].flatten(1)
                                        if n_cal else None) for chunk in rows.split(recursive.CHUNK)]
    return torch.cat(out).double()


def _future_times(s: timeseries.Series, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(s.times[-1], periods=horizon + 1, freq=s.frequency)[1:]


def _frame(trained: Trained, prepared: Prepared, k: int, scaled: torch.Tensor, reach: tuple[torch.Tensor, torch.Tensor] | None,
           quantiles: torch.Tensor | None) -> pd.DataFrame:
    """One series' forecast in real units, with its interval columns and a quantile model's
    quantiles (<target>_p5, _p50, ...), after its time column; kept at or above zero for a target
    never negative in training (unless predict.clip_negative is off)."""
    targets, scaler = list(trained.schema.targets), prepared.scaler
    loc, scale = scaler.loc[k, : len(targets)].double(), scaler.scale[k, : len(targets)].double()
    floor = prepared.floor(torch.tensor([prepared.layout.offsets[k]]), torch.device("cpu"))
    floors = None if floor is None else floor[0, 0]  # (targets,)
    frame = pd.DataFrame(_at_least(scaler.real(scaled, loc, scale), floors).numpy(), columns=targets)
    for j, target in enumerate(targets):
        least = None if floors is None else floors[j]
        if reach is not None:
            below, above = reach[0][:, j].double(), reach[1][:, j].double()
            if scaler.log_columns or quantiles is not None:  # not symmetric in real units: each bound mapped back
                lower, upper = scaler.real(scaled[:, j] - below, loc[j], scale[j]), scaler.real(scaled[:, j] + above, loc[j], scale[j])
            else:
                point = torch.tensor(frame[target].to_numpy())
                lower, upper = point - below * scale[j], point + above * scale[j]
            frame[f"{target}_lower"] = _at_least(lower, least).numpy()
            frame[f"{target}_upper"] = _at_least(upper, least).numpy()
        for i, p in enumerate(() if quantiles is None else trained.model.args.quantiles):
            values = torch.full((len(scaled),), float("nan"), dtype=torch.float64)
            reached = min(len(scaled), quantiles.shape[0])
            values[:reached] = scaler.real(quantiles[:reached, j, i], loc[j], scale[j])
            frame[f"{target}_p{p * 100:g}"] = _at_least(values, least).numpy()
    frame.insert(0, trained.schema.time_column, _future_times(prepared.series[k], len(scaled)))
    return frame


def _at_least(values: torch.Tensor, floor: torch.Tensor | None) -> torch.Tensor:
    return values if floor is None else torch.maximum(values, floor.to(values.dtype))


def _tail(s: timeseries.Series, schema: timeseries.Schema, rows: int) -> pd.DataFrame:
    frame = pd.DataFrame(s.values[-rows:, : len(schema.targets)], columns=list(schema.targets))
    frame.insert(0, schema.time_column, s.times[-rows:])
    return frame


def evaluate(run: str | Path, data_path: str | Path | None = None, split: str = "test", which: str = "best",
             coverage: float | None = None, keep_forecasts: bool = False, outputs: tuple = ()) -> Scores:
    """Metrics of the model and the baselines on every window of `split`, in real units, and the
    coverage and width of the prediction intervals (at the run's predict.coverage by default)."""
    trained = open_trained(run, which, data_path)
    refuse_overwriting(outputs, trained.inputs())
    prepared = trained.prepare()
    scores = scoring.score_with(trained.model, prepared, split, trained.calibration, trained.coverage(coverage), keep_forecasts,
                                online_step=trained.online_step)
    for one in scores.forecasts or []:
        one["time_column"] = trained.schema.time_column
    scores.metrics.update(checkpoint=str(trained.path), data=trained.schema.path)
    scores.warnings = [*prepared.warnings, *scores.warnings]
    scores.verdict = verdict.lines(scores.metrics, f"{split} split", trained.payload["config"], trained.season)
    return scores
