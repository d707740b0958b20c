"""rnncli: train, forecast and evaluate recurrent-network forecasters on CSV time series.

    rnncli init data.csv --horizon 7
    rnncli train data.yaml train.epochs=20 model.hidden_size=32
    rnncli predict runs/data/<stamp> --horizon 7 --output forecast.csv
    rnncli evaluate runs/data/<stamp> --output metrics.json

Each command parses its arguments, calls one function of `commands/`, and hands what it returns
to `report/` to show; `entry.py` runs them and turns failures into exit codes. torch and pandas
are imported inside the commands, so `rnncli --help` answers at once.
"""

from __future__ import annotations

from pathlib import Path

import typer

from rnncli import options
from rnncli.errors import RnnCliError
from rnncli.report import console

app = typer.Typer(
    help="Train, forecast and evaluate recurrent-network forecasters on CSV time series.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: `rnncli --help` answers without importing rich's markdown stack
)


@app.callback()
def main_options(version: options.Version = False) -> None:
    """Train, forecast and evaluate recurrent-network forecasters on CSV time series."""


@app.command("train")
def train_command(
    config: options.MaybeConfig = None,
    overrides: options.Overrides = None,
    resume: options.Resume = None,
    print_config: options.PrintConfig = False,
    quiet: options.Quiet = False,
    nproc: options.Nproc = 1,
    debug: options.Debug = False,
) -> None:
    """Train a forecaster; write a run folder with config, metrics, checkpoints and summary."""
    from rnncli.commands import train

    job = train.Job.of(
        [*([config] if config is not None else []), *(overrides or [])],
        resume,
        nproc,
        _flags(quiet, debug),
        print_config,
    )
    if print_config:
        from rnncli.config import to_yaml

        typer.echo(to_yaml(job.config), nl=False)
        return
    result = job.train(console.progress(quiet))
    if isinstance(result, int):  # the exit code of the processes this one started
        raise typer.Exit(result)
    if result is not None:  # None on the processes other than rank 0
        from rnncli.report import tables

        tables.show_fit(console.stdout(), result)


@app.command("init")
def init_command(
    data: options.Csv,
    horizon: options.InitHorizon = 1,
    target: options.Targets = None,
    future_feature: options.FutureFeatures = None,
    feature: options.PastFeatures = None,
    static_feature: options.StaticFeatures = None,
    id_column: options.IdColumn = None,
    time_column: options.TimeColumn = None,
    time_format: options.TimeFormat = None,
    output: options.ConfigOut = None,
    debug: options.Debug = False,
) -> None:
    """Write a config for a CSV: its layout detected, every setting chosen from the data, each with its
    reason."""
    from rnncli.commands import init

    written = init.init(
        data,
        horizon,
        target,
        id_column,
        time_column,
        output,
        time_format,
        init.Covariates(feature, future_feature, static_feature),
    )
    out = console.stdout()
    for line in written.summary:
        out.print(line, highlight=False, soft_wrap=True)


@app.command("check")
def check_command(
    config: options.Config, overrides: options.Overrides = None, debug: options.Debug = False
) -> None:
    """Check a config and its data without training: series, gaps, windows per split, warnings."""
    from rnncli.commands import check
    from rnncli.report import series_tables

    checked = check.check(config, overrides or [])
    series_tables.show_preflight(console.stdout(), checked.review, checked.chosen)


@app.command("predict")
def predict_command(
    run: options.Run,
    data: options.DataCsv = None,
    horizon: options.Horizon = None,
    output: options.ForecastOut = None,
    coverage: options.Coverage = None,
    plot: options.Plot = None,
    force: options.Force = False,
    which: options.Which = "best",
    future: options.FutureCsv = None,
    debug: options.Debug = False,
) -> None:
    """Forecast the steps after the end of the data, with timestamps and prediction intervals."""
    from rnncli.commands import predict
    from rnncli.report import results

    results.forecast(
        predict.predict(run, data, horizon, _which(which), coverage, output, plot, force, future),
        output,
        plot,
    )


@app.command("evaluate")
def evaluate_command(
    run: options.Run,
    data: options.DataCsv = None,
    split: options.Split = "test",
    output: options.ScoresOut = None,
    coverage: options.Coverage = None,
    plot: options.Plot = None,
    force: options.Force = False,
    which: options.Which = "best",
    debug: options.Debug = False,
) -> None:
    """Score the model on a split beside persistence, seasonal naive, linear AR and Theta, in real units."""
    from rnncli.commands import evaluate
    from rnncli.report import results

    results.evaluation(
        evaluate.evaluate(run, data, split, _which(which), coverage, output, plot, force), split, output, plot
    )


@app.command("inspect")
def inspect_command(
    run: options.Run,
    trace: options.Trace = False,
    data: options.DataCsv = None,
    which: options.Which = "best",
    debug: options.Debug = False,
) -> None:
    """Show a trained model: config, data schema, parameters, best epoch; --trace its recurrence."""
    from rnncli.commands import inspect
    from rnncli.report import inspection

    trained, facts = inspect.describe(run, _which(which))
    out = console.stdout()
    inspection.show_model(out, trained, facts)
    if trace:
        inspection.show_trace(out, inspect.trace(run, _which(which), data))


@app.command("sweep")
def sweep_command(
    config: options.Config,
    grid: options.Grid,
    max_runs: options.MaxRuns = 50,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
) -> None:
    """Train every combination of the given values; rank the runs by validation loss into sweep.csv."""
    from rnncli.commands import sweep
    from rnncli.report import tables

    result = sweep.sweep(config, grid, max_runs, console.progress(quiet))
    tables.show_sweep(console.stdout(), result)
    if result.best is None:
        raise RnnCliError("every run of the sweep failed; see the messages above")


@app.command("backtest")
def backtest_command(
    config: options.MaybeConfig = None,
    overrides: options.Overrides = None,
    folds: options.Folds = None,
    step: options.Step = None,
    refit: options.Refit = None,
    output: options.BacktestOut = None,
    plot: options.Plot = None,
    force: options.Force = False,
    resume: options.ResumeBacktest = None,
    nproc: options.FoldNproc = 1,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
) -> None:
    """Rolling-origin evaluation: train and score K folds; each beside the baselines, and a verdict."""
    from rnncli.commands import backtest
    from rnncli.report import results

    request = backtest.Request(config, overrides or [], folds, step, refit, resume)
    result = backtest.execute(
        request, nproc, _flags(quiet, debug), console.progress(quiet, folds=True), output, plot, force
    )
    if isinstance(result, int):  # the processes this one started failed: their exit code
        raise typer.Exit(result)
    if result is not None:  # None on a process other than rank 0
        results.backtest(result, output, plot)


@app.command("export")
def export_command(
    run: options.Run,
    fmt: options.Format = "onnx",
    output: options.ExportOut = None,
    force: options.Force = False,
    which: options.Which = "best",
    debug: options.Debug = False,
) -> None:
    """Export the model for serving (ONNX or TorchScript), with a JSON file on scaling and inputs."""
    from rnncli.commands import export

    path, sidecar = export.export(run, fmt, output, _which(which), force)
    out = console.stdout()
    out.print(f"wrote {path}", highlight=False, soft_wrap=True)
    out.print(
        f"wrote {sidecar} (inputs, column order and the scaler to apply outside the model)",
        highlight=False,
        soft_wrap=True,
    )


@app.command("runs")
def runs_command(
    folder: options.RunsFolder = Path("runs"),
    sort: options.Sort = "time",
    reverse: options.Reverse = False,
    as_json: options.Json = False,
    debug: options.Debug = False,
) -> None:
    """List every run under a folder: what it trained and how it scored, sortable by any column."""
    from rnncli.commands import runs
    from rnncli.report import tables

    rows = runs.runs(folder, sort, reverse)
    if as_json:
        import json

        typer.echo(json.dumps(rows, indent=2))
    else:
        console.stdout().print(tables.runs(rows, folder))


@app.command("report")
def report_command(
    target: options.ReportTarget,
    output: options.ReportOut = None,
    sort: options.Sort = "time",
    force: options.Force = False,
    debug: options.Debug = False,
) -> None:
    """Write one self-contained HTML page of a run, a backtest or a folder of runs, charts included."""
    from rnncli.commands import report

    written = report.report(target, output, force, sort)
    console.stdout().print(f"wrote {written}", highlight=False, soft_wrap=True)


def _flags(quiet: bool, debug: bool) -> list[str]:
    """The flags passed on to the processes torchrun starts."""
    return (["--quiet"] if quiet else []) + (["--debug"] if debug else [])


def _which(which: str) -> str:
    if which not in ("best", "last"):
        raise RnnCliError(f"--checkpoint must be best or last, got {which!r}")
    return which
