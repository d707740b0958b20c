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
from rnncli.errors import RnnCliError
from rnncli.report import console

app = typer.Typer(
    help="Train, forecast and evaluate recurrent-network forecasters on CSV time series.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: `rnncli --help` answers without importing rich's markdown stack
)

Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
Which = Annotated[str, typer.Option("--checkpoint", help="Which checkpoint of the run folder: best or last.")]
DataCsv = Annotated[Path | None, typer.Option("--data", help="CSV to use instead of the one named in the run's config.", show_default=False)]


@app.command()
def train(
    config: Annotated[str | None, typer.Argument(help="YAML config, e.g. configs/seattle_temp_max.yaml.", show_default=False)] = None,
    overrides: Annotated[list[str] | None, typer.Argument(help="KEY=VALUE overrides, e.g. train.lr=0.01 model.cell=gru.", show_default=False)] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this folder from its last.pt; "
                                                "only train.epochs, train.patience, train.device may be overridden.", show_default=False)] = None,
    print_config: Annotated[bool, typer.Option("--print-config", help="Print the resolved config and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Plain output: one line per epoch, no progress bar.")] = False,
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
def check(
    config: Annotated[str, typer.Argument(help="YAML config, e.g. configs/seattle_temp_max.yaml.", show_default=False)],
    overrides: Annotated[list[str] | None, typer.Argument(help="KEY=VALUE overrides, as for train.", show_default=False)] = None,
    debug: Debug = False,
) -> None:
    """Check a config and its data without training: series, gaps, windows per split, warnings."""
    from rnncli import config as configs
    from rnncli.data import defaults, preflight
    from rnncli.report import tables

    resolved = defaults.resolve(configs.load(config, overrides or []))
    tables.show_preflight(console.stdout(), preflight.check(resolved.cfg, resolved.series), resolved.chosen)


Coverage = Annotated[float | None, typer.Option("--coverage", help="Prediction interval coverage, e.g. 0.9 (default: the run's "
                                                 "predict.coverage); 0 for none.", show_default=False)]
Plot = Annotated[Path | None, typer.Option("--plot", help="Also draw it into this PNG file.", show_default=False)]


@app.command()
def predict(
    run: Annotated[Path, typer.Argument(help="Run folder (runs/<name>/<stamp>) or checkpoint file.", show_default=False)],
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
    from rnncli.report import tables

    check_outputs(output, plot)
    result = run_predict(run, data, horizon, _which(which), coverage, history=plot is not None, outputs=(output, plot))
    if output is not None:
        from rnncli.artifacts.files import write_text

        write_text(output, result.frame.to_csv(index=False, float_format="%.6g"))
    if plot is not None:
        from rnncli.report import plots

        plots.forecast(result, plot)
    console.warn(result.warnings)
    out = console.stdout()
    out.print(tables.forecast(result.frame, result.coverage))
    for note in result.notes:
        out.print(f"note: {note}", highlight=False)
    console.wrote(out, output, plot)


@app.command()
def evaluate(
    run: Annotated[Path, typer.Argument(help="Run folder (runs/<name>/<stamp>) or checkpoint file.", show_default=False)],
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
    from rnncli.report import tables

    check_outputs(output, plot)
    scores = run_evaluate(run, data, split, _which(which), coverage, keep_forecasts=plot is not None, outputs=(output, plot))
    if output is not None:
        from rnncli.artifacts.files import write_json

        write_json(output, scores.metrics)
    if plot is not None:
        from rnncli.report import plots

        plots.evaluation(scores, plot)
    console.warn(scores.warnings)
    out = console.stdout()
    tables.show_evaluation(out, scores.metrics, f"scores on the {split} split")
    for line in scores.verdict:
        out.print(f"verdict: {line}", highlight=False)
    out.print(f"checkpoint: {scores.metrics['checkpoint']}", highlight=False, soft_wrap=True)
    console.wrote(out, output, plot)


@app.command()
def inspect(
    run: Annotated[Path, typer.Argument(help="Run folder (runs/<name>/<stamp>) or checkpoint file.", show_default=False)],
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Plain output: one line per epoch, no progress bar.")] = False,
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
    overrides: Annotated[list[str] | None, typer.Argument(help="KEY=VALUE overrides, as for train.", show_default=False)] = None,
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Plain output: one line per epoch, no progress bar.")] = False,
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
    if result is None:  # a process other than rank 0
        return
    from rnncli.report import backtest_tables

    if output is not None:
        from rnncli.artifacts.files import write_json

        write_json(output, result.scores)
    if plot is not None:
        from rnncli.report import plots

        plots.backtest(result, plot)
    out = console.stdout()
    backtest_tables.show(out, result.scores, result.backtest_dir)
    console.wrote(out, output, plot)


@app.command()
def export(
    run: Annotated[Path, typer.Argument(help="Run folder (runs/<name>/<stamp>) or checkpoint file.", show_default=False)],
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
