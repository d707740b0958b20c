"""`rnncli predict RUN`: forecast the steps after the end of the data, with timestamps and intervals.

Opens the run's checkpoint (`artifacts.trained`), reads the data it names (or `--data`) as the
model was trained to read it, and hands both to `evaluation.forecasting`; any CSV with the
columns the model was trained on can be forecast from, on any machine.
"""

from __future__ import annotations

from pathlib import Path

from rnncli.artifacts.files import check_outputs, refuse_overwriting
from rnncli.artifacts.trained import open_trained
from rnncli.errors import RnnCliError
from rnncli.evaluation.forecast_table import Forecast


def predict(
    run: str | Path,
    data_path: str | Path | None = None,
    horizon: int | None = None,
    which: str = "best",
    coverage: float | None = None,
    output: Path | None = None,
    plot: Path | None = None,
    force: bool = False,
    future: Path | None = None,
) -> Forecast:
    """Forecast the `horizon` steps after the end of the data: timestamps and targets (and the id
    column first, one block per series, for long-format data), with prediction intervals.

    Beyond the model's own horizon the forecasts are fed back as inputs (recursive forecasting).
    Calendar features are known for any future time, but past covariates (`data.features`) are
    not, so a model that reads them can forecast only up to its horizon. `coverage` defaults to the
    run's predict.coverage; 0 leaves the intervals out. A model that reads future features
    (data.future_features) takes their values at the steps forecast from the data's rows after each
    series' last target value, or from the file `future`; every step must have them. The forecast is
    written to the CSV `output` and drawn into the PNG `plot` when asked for (with the last stretch
    of each series: 3 lookbacks, 10 horizons or 60 steps, whichever is longest); neither may be any
    of the run's inputs.
    """
    from rnncli.data import timeseries
    from rnncli.data.messages import grouped
    from rnncli.evaluation import forecast_table, forecasting
    from rnncli.evaluation.selection import Selection

    check_outputs(output, plot)
    trained = open_trained(run, which, data_path)
    refuse_overwriting((output, plot), trained.inputs(), force)
    spec, schema = trained.spec, trained.schema
    horizon = _horizon(horizon, spec.horizon, schema.features)
    coverage = trained.coverage(coverage)
    series = timeseries.load(schema)
    _ahead(schema, series, horizon, future)
    columns = len(schema.columns) + 2 * len(spec.calendar)
    forecasting.check_size(len(series), columns, spec.lookback, horizon, len(schema.targets), spec.horizon)
    warnings = grouped([(s.id, w) for s in series for w in s.warnings])
    rows = max(3 * spec.lookback, 10 * horizon, 60)
    past = [(s.id, forecast_table.tail(s, schema, rows)) for s in series] if plot else []  # before scaling
    # preparing scales the values in place: a copy to replay the test part for online intervals
    replayed = trained.prepare([s.copy() for s in series]) if coverage and trained.online_step else None
    prepared = trained.prepare(series, whole=True)
    selection = Selection.from_dict(trained.selection)
    frame, covered, notes = forecasting.forecast(trained, prepared, horizon, coverage, replayed, selection)
    if selection.served != "network":
        notes.insert(0, f"the forecast is {selection.name}'s, chosen when training ended: {selection.reason}")
    result = Forecast(frame, past, covered, notes, warnings, tuple(schema.id_columns))
    _write(result, output, plot)
    return result


def _ahead(schema, series: list, horizon: int, future: Path | None) -> None:
    """The future features' values for every step forecast, from the data or the --future file."""
    from rnncli.data import ahead, future_file

    if not schema.future_features:
        if future is not None:
            raise RnnCliError(
                "--future gives values known ahead, but this model reads none (it was trained without "
                "data.future_features); leave --future out"
            )
        return
    if future is not None:
        future_file.from_file(future, schema, series, horizon)
    ahead.check(series, schema, horizon, f"--future {future}" if future is not None else str(schema.path))


def _write(result: Forecast, output: Path | None, plot: Path | None) -> None:
    from rnncli.artifacts.files import write_text
    from rnncli.report import plots

    if output is not None:
        write_text(output, result.frame.to_csv(index=False))  # full precision: repr of each float
    if plot is not None:
        plots.forecast(result, plot)


def _horizon(asked: int | None, model_horizon: int, features: tuple[str, ...]) -> int:
    """The steps to forecast: the model's horizon unless asked; beyond it only without past features."""
    horizon = model_horizon if asked is None else asked
    if horizon < 1:
        raise RnnCliError(f"--horizon must be at least 1, got {horizon}")
    if horizon > model_horizon and features:
        raise RnnCliError(
            f"--horizon {horizon} is beyond the model's horizon ({model_horizon}), which needs forecasts "
            f"fed back as inputs, but the model also reads features ({', '.join(features)}) whose future "
            f"values are unknown; use --horizon {model_horizon} or less, or train with "
            f"window.horizon={horizon}"
        )
    return horizon
