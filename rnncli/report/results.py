"""What predict, evaluate and backtest leave behind: the files asked for, then the tables and notes."""

from __future__ import annotations

from pathlib import Path

from rnncli.artifacts.files import write_json, write_text
from rnncli.report import backtest_tables, console, plots, series_tables, tables


def forecast(result, output: Path | None, plot: Path | None) -> None:
    """predict: the CSV and the figure asked for, the data's warnings, the forecast table and its notes."""
    if output is not None:
        write_text(output, result.frame.to_csv(index=False, float_format="%.6g"))
    if plot is not None:
        plots.forecast(result, plot)
    console.warn(result.warnings)
    out = console.stdout()
    out.print(series_tables.forecast(result.frame, result.coverage, result.id_column, None if output is None else str(output)))
    for note in result.notes:
        out.print(f"note: {note}", highlight=False)
    console.wrote(out, output, plot)


def evaluation(scores, split: str, output: Path | None, plot: Path | None) -> None:
    """evaluate: the JSON and the figure asked for, the warnings, the scores, the verdict."""
    if output is not None:
        write_json(output, scores.metrics)
    if plot is not None:
        plots.evaluation(scores, plot)
    console.warn(scores.warnings)
    out = console.stdout()
    tables.show_evaluation(out, scores.metrics, f"scores on the {split} split")
    for line in scores.verdict:
        out.print(f"verdict: {line}", highlight=False)
    out.print(f"checkpoint: {scores.metrics['checkpoint']}", highlight=False, soft_wrap=True)
    console.wrote(out, output, plot)


def backtest(result, output: Path | None, plot: Path | None) -> None:
    """backtest: the JSON and the figure asked for, then every fold's scores and the verdict."""
    if output is not None:
        write_json(output, result.scores)
    if plot is not None:
        plots.backtest(result, plot)
    out = console.stdout()
    backtest_tables.show(out, result.scores, result.backtest_dir)
    console.wrote(out, output, plot)
