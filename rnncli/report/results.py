"""What predict, evaluate and backtest show: the warnings, the tables, the notes and the files written."""

from __future__ import annotations

from pathlib import Path

from rnncli.report import backtest_tables, console, series_tables, tables


def forecast(result, output: Path | None, plot: Path | None) -> None:
    """predict: the data's warnings, the forecast table and its notes, and the files written."""
    console.warn(result.warnings)
    out = console.stdout()
    out.print(
        series_tables.forecast(
            result.frame, result.coverage, result.keys(), None if output is None else str(output)
        )
    )
    for note in result.notes:
        out.print(f"note: {note}", highlight=False)
    console.wrote(out, output, plot)


def evaluation(scores, split: str, output: Path | None, plot: Path | None) -> None:
    """evaluate: the warnings, the scores, the verdict, and the files written."""
    console.warn(scores.warnings)
    out = console.stdout()
    tables.show_evaluation(out, scores.metrics, f"scores on the {split} split")
    for line in scores.verdict:
        out.print(f"verdict: {line}", highlight=False)
    out.print(f"checkpoint: {scores.metrics['checkpoint']}", highlight=False, soft_wrap=True)
    console.wrote(out, output, plot)


def backtest(result, output: Path | None, plot: Path | None) -> None:
    """backtest: every fold's scores and the verdict, and the files written."""
    out = console.stdout()
    backtest_tables.show(out, result.scores, result.backtest_dir)
    console.wrote(out, output, plot)
