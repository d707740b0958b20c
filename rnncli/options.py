"""The command-line arguments and options, declared once each (typer's Annotated form), so that
`cli.py` reads as the list of commands and what each takes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _option(*names: str, help: str, shown: bool = False):
    return typer.Option(*names, help=help, show_default=shown)


def _argument(help: str):
    return typer.Argument(help=help, show_default=False)


def _show_version(asked: bool) -> None:
    if asked:
        from rnncli import __version__

        typer.echo(f"rnncli {__version__}")
        raise typer.Exit()


Version = Annotated[
    bool,
    typer.Option("--version", help="Show rnncli's version and exit.", is_eager=True, callback=_show_version),
]

# shared by several commands
Debug = Annotated[bool, _option("--debug", help="Show the full traceback of an error.")]
Which = Annotated[
    str, _option("--checkpoint", help="Which checkpoint of the run folder: best or last.", shown=True)
]
DataCsv = Annotated[
    Path | None, _option("--data", help="CSV to use instead of the one named in the run's config.")
]
Run = Annotated[Path, _argument("Run folder (runs/<name>/<stamp>) or checkpoint file.")]
Quiet = Annotated[bool, _option("--quiet", "-q", help="Plain output: one line per epoch, no progress bar.")]
Overrides = Annotated[list[str] | None, _argument("KEY=VALUE overrides, e.g. train.lr=0.01 model.cell=gru.")]
Config = Annotated[str, _argument("YAML config, e.g. configs/seattle_temp_max.yaml.")]
MaybeConfig = Annotated[str | None, _argument("YAML config, e.g. configs/seattle_temp_max.yaml.")]
Coverage = Annotated[
    float | None,
    _option(
        "--coverage",
        help="Prediction interval coverage, e.g. 0.9 (default: the run's predict.coverage); 0 for none.",
    ),
]
Plot = Annotated[Path | None, _option("--plot", help="Also draw it into this PNG file.")]
Force = Annotated[bool, _option("--force", help="Replace the --output and --plot files if they exist.")]
Horizon = Annotated[
    int | None, _option("--horizon", "-n", help="Steps to forecast (default: the model's horizon).")
]
Nproc = Annotated[
    int,
    _option(
        "--nproc",
        help="Train in N processes on this machine with DistributedDataParallel (starts torchrun); "
        "train.batch_size is per process.",
        shown=True,
    ),
]

# train
Resume = Annotated[
    Path | None,
    _option(
        "--resume",
        help="Continue the run in this folder from its last.pt; only train.epochs, train.patience, "
        "train.device may be overridden.",
    ),
]
PrintConfig = Annotated[bool, _option("--print-config", help="Print the resolved config and exit.")]

# init
Csv = Annotated[Path, _argument("The CSV to forecast.")]
InitHorizon = Annotated[int, _option("--horizon", "-n", help="Steps to forecast.", shown=True)]
Targets = Annotated[
    list[str] | None,
    _option("--target", help="A column to forecast (repeat for several); default: every numeric column."),
]
FutureFeatures = Annotated[
    list[str] | None,
    _option(
        "--future-feature",
        help="A column known ahead of the forecast (repeat for several; naming any covariate names "
        "them all); default: with --target, the columns that have values on rows after the target's last.",
    ),
]
PastFeatures = Annotated[
    list[str] | None,
    _option(
        "--feature",
        help="A column the model reads up to the forecast origin (repeat for several); default: with "
        "--target, the other columns the validation part says help.",
    ),
]
StaticFeatures = Annotated[
    list[str] | None,
    _option(
        "--static-feature",
        help="A per-series attribute, constant within each series (repeat for several); default: with "
        "--target, the columns constant within every series of a panel.",
    ),
]
IdColumn = Annotated[
    str | None,
    _option("--id-column", help="The column naming each series of a long file (default: detected)."),
]
TimeColumn = Annotated[
    str | None, _option("--time-column", help="The column of timestamps (default: detected).")
]
TimeFormat = Annotated[
    str | None,
    _option(
        "--time-format",
        help="How the timestamps are written, in strftime codes, e.g. '%d.%m.%Y %H:%M' (default: detected).",
    ),
]
ConfigOut = Annotated[
    Path | None, _option("--output", "-o", help="The config to write (default: <data>.yaml here).")
]

# predict, evaluate, inspect
ForecastOut = Annotated[Path | None, _option("--output", "-o", help="Write the forecast to this CSV file.")]
Split = Annotated[str, _option("--split", help="Windows to score: test, val, train or all.", shown=True)]
ScoresOut = Annotated[Path | None, _option("--output", "-o", help="Write the scores as JSON to this file.")]
Trace = Annotated[
    bool,
    _option(
        "--trace",
        help="Run the last window through the recurrence step by step, from the model's own weights, and "
        "compare with PyTorch's output.",
    ),
]

# sweep
Grid = Annotated[
    list[str],
    _argument(
        "KEY=V1,V2,... for each key to vary, e.g. model.cell=rnn,gru train.lr=0.01,0.001; KEY=VALUE fixes "
        "a key."
    ),
]
MaxRuns = Annotated[int, _option("--max-runs", help="Refuse a grid of more runs than this.", shown=True)]

# backtest
Folds = Annotated[int | None, _option("--folds", help="Number of forecast origins (folds) [default: 5].")]
Step = Annotated[
    int | None,
    _option(
        "--step",
        help="Steps between origins (default: the test part's length, so the test stretches tile the end "
        "of the data).",
    ),
]
Refit = Annotated[
    bool | None,
    _option(
        "--refit/--no-refit",
        help="Train a model per fold, or once on the first fold's training part and score it at every origin "
        "[default: refit].",
    ),
]
BacktestOut = Annotated[
    Path | None, _option("--output", "-o", help="Also write the backtest's JSON to this file.")
]
ResumeBacktest = Annotated[
    Path | None, _option("--resume", help="Finish the backtest in this folder (backtest-<stamp>).")
]
FoldNproc = Annotated[
    int, _option("--nproc", help="Train each fold in N processes, as for train.", shown=True)
]

# export
Format = Annotated[str, _option("--format", "-f", help="onnx or torchscript.", shown=True)]
ExportOut = Annotated[
    Path | None,
    _option(
        "--output", "-o", help="File to write (default: <run>/export/model.onnx or model.torchscript.pt)."
    ),
]

# runs
RunsFolder = Annotated[Path, typer.Argument(help="Folder of run folders (output.dir).")]
Sort = Annotated[
    str,
    _option(
        "--sort",
        help="Column to sort by: name, time, mode, cell, hidden, lookback, epochs, best_val_loss, test_mae, "
        "vs_persistence, status.",
        shown=True,
    ),
]
Reverse = Annotated[bool, _option("--reverse", help="Sort in descending order.")]
Json = Annotated[bool, _option("--json", help="Print the rows as JSON instead of a table.")]

# report
ReportTarget = Annotated[
    Path, typer.Argument(help="A run folder, a backtest folder, or a folder of runs (output.dir).")
]
ReportOut = Annotated[
    Path | None, _option("--output", "-o", help="The HTML file to write (default: report.html).")
]
FutureCsv = Annotated[
    Path | None,
    _option(
        "--future",
        help="A CSV (or Parquet) of the future features' values at the steps to forecast: the time "
        "column, the id column, the future features.",
    ),
]
