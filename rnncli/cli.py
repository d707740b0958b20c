"""rnncli: train, forecast and evaluate recurrent-network forecasters on CSV time series.

    rnncli train configs/seattle_temp_max.yaml train.epochs=20 model.hidden_size=32
    rnncli predict runs/seattle-temp-max/<stamp> --horizon 7 --output forecast.csv
    rnncli evaluate runs/seattle-temp-max/<stamp> --output metrics.json

Each command parses its arguments, calls one function, and renders the result; `entry.py` runs
them and turns failures into exit codes. torch and pandas are imported inside the commands, so
`rnncli --help` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.artifacts.files import check_outputs
from rnncli.options import Coverage, DataCsv, Debug, Overrides, Plot, Quiet, Run, Which
from rnncli.errors import RnnCliError
from rnncli.report import console

app = typer.Typer(
    help="Train, forecast and evaluate recurrent-network forecasters on CSV time series.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: `rnncli --help` answers without importing rich's markdown stack
)

@app.command()
def train(
    config: Annotated[str | None, typer.Argument(help="YAML config, e.g. configs/seattle_temp_max.yaml.", show_default=False)] = None,
    overrides: Overrides = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this folder from its last.pt; "
                                                "only train.epochs, train.patience, train.device may be overridden.", show_default=False)] = None,
    print_config: Annotated[bool, typer.Option("--print-config", help="Print the resolved config and exit.")] = False,
    quiet: Quiet = False,
    nproc: Annotated[int, typer.Option("--nproc", help="Train in N processes on this machine with DistributedDataParallel "
                                       "(starts torchrun); train.batch_size is per process.")] = 1,
    debug: Debug = False,
) -> None:
    """Train a forecaster; write a run folder with config, metrics, checkpoints and summary."""
    from rnncli.experiments.run import Job

    flags = (["--quiet"] if quiet else []) + (["--debug"] if debug else [])
    job = Job.of([*([config] if config is not None else []), *(overrides or [])], resume, nproc, flags, print_config)
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


@app.command()
def init(
    data: Annotated[Path, typer.Argument(help="The CSV to forecast.", show_default=False)],
    horizon: Annotated[int, typer.Option("--horizon", "-n", help="Steps to forecast.")] = 1,
    target: Annotated[list[str] | None, typer.Option("--target", help="A column to forecast (repeat for several); default: "
                                                     "every numeric column.", show_default=False)] = None,
    id_column: Annotated[str | None, typer.Option("--id-column", help="The column naming each series of a long file "
                                                  "(default: detected).", show_default=False)] = None,
    time_column: Annotated[str | None, typer.Option("--time-column", help="The column of timestamps (default: detected).",
                                                    show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The config to write (default: <data>.yaml here).",
                                                show_default=False)] = None,
    debug: Debug = False,
) -> None:
    """Write a config for a CSV: its layout detected, every setting chosen from the data, each with its reason."""
    from rnncli.experiments.init import init as write_config

    written = write_config(data, horizon, target, id_column, time_column, output)
    out = console.stdout()
    for line in written.summary:
        out.print(line, highlight=False, soft_wrap=True)


@app.command()
def check(
    config: Annotated[str, typer.Argument(help="YAML config, e.g. configs/seattle_temp_max.yaml.", show_default=False)],
    overrides: Overrides = None,
    debug: Debug = False,
) -> None:
    """Check a config and its data without training: series, gaps, windows per split, warnings."""
    from rnncli import config as configs
    from rnncli.data import defaults, preflight
    from rnncli.report import series_tables

    resolved = defaults.resolve(configs.load(config, overrides or []))
    series_tables.show_preflight(console.stdout(), preflight.check(resolved.cfg, resolved.series), resolved.chosen)


@app.command()
def predict(
    run: Run,
    data: DataCsv = None,
    horizon: Annotated[int | None, typer.Option("--horizon", "-n", help="Steps to forecast (default: the model's horizon).", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the forecast to this CSV file.", show_default=False)] = None,
    coverage: Coverage = None,
    plot: Plot = None,
    which: Which = "best",
    debug: Debug = False,
) -> None:
    """Forecast the steps after the end of the data, with timestamps and prediction intervals."""
    from rnncli.evaluation.forecast import predict as run_predict
    from rnncli.report import results

    check_outputs(output, plot)
    results.forecast(run_predict(run, data, horizon, _which(which), coverage, history=plot is not None, outputs=(output, plot)), output, plot)


@app.command()
def evaluate(
    run: Run,
    data: DataCsv = None,
    split: Annotated[str, typer.Option("--split", help="Windows to score: test, val, train or all.")] = "test",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the scores as JSON to this file.", show_default=False)] = None,
    coverage: Coverage = None,
    plot: Plot = None,
    which: Which = "best",
    debug: Debug = False,
) -> None:
    """Score the model on a split beside persistence, seasonal naive and linear AR, in real units."""
    if split not in ("test", "val", "train", "all"):
        raise RnnCliError(f"--split must be one of test, val, train, all; got {split!r}")
    from rnncli.evaluation.forecast import evaluate as run_evaluate
    from rnncli.report import results

    check_outputs(output, plot)
    scores = run_evaluate(run, data, split, _which(which), coverage, keep_forecasts=plot is not None, outputs=(output, plot))
    results.evaluation(scores, split, output, plot)


@app.command()
def inspect(
    run: Run,
    trace: Annotated[bool, typer.Option("--trace", help="Run the last window through the recurrence step by step, from the "
                                        "model's own weights, and compare with PyTorch's output.")] = False,
    data: DataCsv = None,
    which: Which = "best",
    debug: Debug = False,
) -> None:
    """Show a trained model: config, data schema, parameters, best epoch; --trace its recurrence."""
    from rnncli.evaluation import tracing
    from rnncli.report import inspection

    trained, facts = tracing.describe(run, _which(which))
    out = console.stdout()
    inspection.show_model(out, trained, facts)
    if trace:
        inspection.show_trace(out, tracing.trace(run, _which(which), data))


@app.command()
def sweep(
    config: Annotated[str, typer.Argument(help="YAML config to start from.", show_default=False)],
    grid: Annotated[list[str], typer.Argument(help="KEY=V1,V2,... for each key to vary, e.g. model.cell=rnn,gru train.lr=0.01,0.001; "
                                              "KEY=VALUE fixes a key.", show_default=False)],
    max_runs: Annotated[int, typer.Option("--max-runs", help="Refuse a grid of more runs than this.")] = 50,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Train every combination of the given values; rank the runs by validation loss into sweep.csv."""
    from rnncli.experiments import sweep as sweeps
    from rnncli.report import tables

    result = sweeps.sweep(config, grid, max_runs, console.progress(quiet))
    out = console.stdout()
    out.print(tables.sweep(result))
    out.print(f"wrote {result.sweep_dir / 'sweep.csv'}; best run:", highlight=False)
    if result.best is None:
        raise RnnCliError("every run of the sweep failed; see the messages above")
    out.print(result.best["run_dir"], highlight=False, soft_wrap=True)


@app.command()
def backtest(
    config: Annotated[str | None, typer.Argument(help="YAML config, e.g. configs/seattle_temp_max_calendar.yaml.", show_default=False)] = None,
    overrides: Overrides = None,
    folds: Annotated[int | None, typer.Option("--folds", help="Number of forecast origins (folds) [default: 5].", show_default=False)] = None,
    step: Annotated[int | None, typer.Option("--step", help="Steps between origins (default: the test part's length, so the "
                                             "test stretches tile the end of the data).", show_default=False)] = None,
    refit: Annotated[bool | None, typer.Option("--refit/--no-refit", help="Train a model per fold, or once on the first fold's "
                                               "training part and score it at every origin [default: refit].", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write the backtest's JSON to this file.",
                                                show_default=False)] = None,
    plot: Plot = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Finish the backtest in this folder (backtest-<stamp>).",
                                                show_default=False)] = None,
    nproc: Annotated[int, typer.Option("--nproc", help="Train each fold in N processes, as for train.")] = 1,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Rolling-origin evaluation: train and score K folds; each beside the baselines, and a verdict."""
    from rnncli.experiments import backtest as backtests

    check_outputs(output, plot)
    flags = (["--quiet"] if quiet else []) + (["--debug"] if debug else [])
    plan = backtests.Request(config, overrides or [], folds, step, refit, resume)
    result = backtests.execute(plan, nproc, flags, console.progress(quiet, folds=True), outputs=(output, plot))
    if isinstance(result, int):  # the processes this one started failed: their exit code
        raise typer.Exit(result)
    if result is not None:  # None on a process other than rank 0
        from rnncli.report import results

        results.backtest(result, output, plot)


@app.command()
def export(
    run: Run,
    fmt: Annotated[str, typer.Option("--format", "-f", help="onnx or torchscript.")] = "onnx",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: <run>/export/model.onnx or "
                                                "model.torchscript.pt).", show_default=False)] = None,
    which: Which = "best",
    debug: Debug = False,
) -> None:
    """Export the model for serving (ONNX or TorchScript), with a JSON file on scaling and inputs."""
    from rnncli.artifacts import export as exporting

    check_outputs(output)
    path, sidecar = exporting.export(run, fmt, output, _which(which))
    out = console.stdout()
    out.print(f"wrote {path}", highlight=False, soft_wrap=True)
    out.print(f"wrote {sidecar} (inputs, column order and the scaler to apply outside the model)", highlight=False, soft_wrap=True)


@app.command()
def runs(
    folder: Annotated[Path, typer.Argument(help="Folder of run folders (output.dir).")] = Path("runs"),
    sort: Annotated[str, typer.Option("--sort", help="Column to sort by: name, time, mode, cell, hidden, lookback, epochs, "
                                      "best_val_loss, test_mae, vs_persistence, status.")] = "time",
    reverse: Annotated[bool, typer.Option("--reverse", help="Sort in descending order.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON instead of a table.")] = False,
    debug: Debug = False,
) -> None:
    """List every run under a folder: what it trained and how it scored, sortable by any column."""
    from rnncli.artifacts import runs as run_folders
    from rnncli.report import tables

    rows = run_folders.sort_rows(run_folders.collect(folder), sort, reverse)
    if as_json:
        import json

        typer.echo(json.dumps(rows, indent=2))
    else:
        console.stdout().print(tables.runs(rows, folder))


def _which(which: str) -> str:
    if which not in ("best", "last"):
        raise RnnCliError(f"--checkpoint must be best or last, got {which!r}")
    return which
