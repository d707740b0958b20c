"""Rich tables for what the commands return: scores beside baselines, forecasts, a finished run.

Every column folds a cell that does not fit rather than cutting it short with an ellipsis: names,
paths and numbers are always printed whole (on a narrow terminal they wrap within their cell).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from rnncli.data.calendar import columns as calendar_columns
from rnncli.evaluation.scores import LABELS

COLUMNS = {"mae": "MAE", "rmse": "RMSE", "mape": "MAPE %", "smape": "sMAPE %", "mase": "MASE"}


def scores(metrics: dict, title: str) -> Table:
    """Model and baselines side by side; the lowest MAE in bold; MASE < 1 beats seasonal naive in-sample."""
    rows = {"model": metrics["model"], **metrics["baselines"]}
    best = min(rows, key=lambda k: _num(rows[k]["mae"]))
    table = Table(title=title, caption=_caption(metrics), title_justify="left", caption_justify="left")
    table.add_column("forecast", overflow="fold")
    for label in COLUMNS.values():
        table.add_column(label, justify="right", overflow="fold")
    for name, figures in rows.items():
        label = LABELS[name] + (f" (m={metrics['season']})" if name == "seasonal_naive" else "")
        style = "bold" if name == best else None
        table.add_row(label, *(_fmt(figures[m]) for m in COLUMNS), style=style)
    return table


def per_horizon(metrics: dict) -> Table:
    """MAE per forecast step for the model and each baseline."""
    table = Table(title="MAE per horizon step", title_justify="left")
    table.add_column("step", justify="right", overflow="fold")
    names = list(metrics["per_horizon"])
    for name in names:
        table.add_column(LABELS[name], justify="right", overflow="fold")
    for h in range(metrics["horizon"]):
        table.add_row(str(h + 1), *(_fmt(metrics["per_horizon"][n]["mae"][h]) for n in names))
    return table


def forecast(frame, coverage: float | None = None) -> Table:
    """A forecast frame: id (if any), timestamps (dates alone when all at midnight), values."""
    import pandas as pd

    band = f"; {coverage:.0%} intervals in _lower and _upper" if coverage else ""
    table = Table(title=f"forecast: {len(frame)} steps{band}", title_justify="left")
    cells = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            dates_only = bool((column == column.dt.normalize()).all()) and column.dt.tz is None
            cells.append(column.dt.strftime("%Y-%m-%d" if dates_only else "%Y-%m-%d %H:%M:%S%z"))
            table.add_column(str(name), overflow="fold")
        elif pd.api.types.is_float_dtype(column):
            cells.append(column.map(lambda v: "-" if v != v else f"{v:.4g}"))
            table.add_column(str(name), justify="right", overflow="fold")
        else:
            cells.append(column.astype(str))
            table.add_column(str(name), overflow="fold")
    for row in zip(*cells):
        table.add_row(*row)
    return table


def per_series(metrics: dict) -> Table:
    """MAE of the model and each baseline for every series, then their unweighted mean."""
    table = Table(title="MAE per series", title_justify="left")
    table.add_column("series", overflow="fold")
    table.add_column("windows", justify="right", overflow="fold")
    for name in LABELS:
        table.add_column(LABELS[name], justify="right", overflow="fold")
    for key, res in metrics["per_series"].items():
        table.add_row(key, str(res["n_windows"]), _fmt(res["model"]["mae"]), *(_fmt(res["baselines"][b]["mae"]) for b in list(LABELS)[1:]))
    mean = metrics["mean_over_series"]
    table.add_row("mean over series", "", *(_fmt(mean[name]["mae"]) for name in LABELS), style="bold")
    return table


def show_evaluation(console: Console, metrics: dict, title: str) -> None:
    """A split's metrics: the table, the standardised line, the intervals, per step and per series."""
    console.print(scores(metrics, title))
    if "standardised" in metrics:
        console.print(standardised(metrics), highlight=False)
    if "intervals" in metrics:
        iv = metrics["intervals"]
        width = "unbounded (too few validation windows)" if iv["mean_width"] is None else f"{iv['mean_width']:.4g}"
        console.print(f"{iv['coverage_target']:.0%} prediction intervals: {iv['coverage']:.1%} of actual values inside, "
                      f"mean width {width}", highlight=False)
    if metrics["horizon"] > 1:
        console.print(per_horizon(metrics))
    if "per_series" in metrics:
        console.print(per_series(metrics))


def standardised(metrics: dict) -> str:
    """One line: MSE and MAE on the standardised scale, the figures papers print, for each forecast."""
    figures = metrics["standardised"]
    rows = {"model": figures["model"], **figures["baselines"]}
    parts = [f"{LABELS[name]} {_fmt(m['mse'])} / {_fmt(m['mae'])}" for name, m in rows.items()]
    return "standardised by each series' training mean and sd, MSE / MAE: " + "; ".join(parts)


def show_fit(console: Console, result) -> None:
    """A finished run: its test scores, how long it trained, where it is."""
    show_evaluation(console, result.scores.metrics, f"test scores of the best epoch ({result.best_epoch} of {result.epochs_run})")
    stop = ", stopped early" if result.stopped_early else ""
    console.print(f"trained in {result.seconds:.1f}s on {result.device}{stop}; best val_loss {result.best_val_loss:.5f}")
    for line in result.verdict:
        console.print(f"verdict: {line}", highlight=False)
    console.print(f"run folder: {result.run_dir}", highlight=False, soft_wrap=True)


def _caption(metrics: dict) -> str:
    targets = ", ".join(metrics["targets"])
    text = f"{metrics['n_windows']} windows of the {metrics['split']} split; target {targets}; horizon {metrics['horizon']}; real units"
    skipped = metrics["model"].get("mape_skipped_zeros") or 0
    if skipped:
        text += f"; MAPE skips {skipped} zero actual values"
    return text + ". MASE < 1: better than a seasonal naive forecast on the training data."


def _num(value) -> float:
    return float("inf") if value is None else value


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4f}" if abs(value) < 1000 else f"{value:.4g}"


def show_preflight(console: Console, preflight, chosen: dict | None = None) -> None:
    """The series a config would train on, its notes and warnings, the settings chosen from the
    data (with their reasons), and the verdict."""
    prepared = preflight.prepared
    table = Table(title=f"{len(preflight.series)} series, frequency {prepared.frequency}, season {prepared.season}", title_justify="left")
    for name in ("series", "first", "last", "rows", "missing", "train", "val", "test"):
        table.add_column(name, justify="left" if name in ("series", "first", "last") else "right", overflow="fold")
    for s in preflight.series:
        table.add_row(s.id or "-", s.first, s.last, str(s.rows), str(s.filled), *(str(s.windows[p]) for p in ("train", "val", "test")))
    console.print(table)
    console.print(_parts(preflight))
    features = [c for c in prepared.columns[prepared.n_targets:] if c not in calendar_columns(prepared.spec.calendar)]
    console.print(f"targets: {', '.join(prepared.targets)}; features: {', '.join(features) or 'none'}; "
                  f"calendar: {', '.join(prepared.spec.calendar) or 'none'}; windows: lookback {prepared.spec.lookback}, "
                  f"horizon {prepared.spec.horizon} (train / val / test columns count windows)", highlight=False)
    for note in prepared.notes:
        console.print(f"note: {note}", highlight=False)
    for key, (value, reason) in (chosen or {}).items():
        console.print(f"chosen from the data: {key}={value} ({reason})", highlight=False)
    for warning in preflight.warnings:
        console.print("warning:", style="yellow", end=" ")
        console.print(warning, highlight=False)
    warned = f" ({len(preflight.warnings)} warning{'s' if len(preflight.warnings) > 1 else ''})" if preflight.warnings else ""
    console.print(f"ok: training would run{warned}", highlight=False)


def _parts(preflight) -> Table:
    """Where each part of each series begins and ends: the split as training will use it."""
    borders = preflight.prepared.spec.borders
    how = "data.train_end, val_end, test_end" if borders.given else "data.val_fraction, test_fraction"
    table = Table(title=f"parts (split by {how})", title_justify="left")
    for name in ("series", "part", "first", "last", "rows", "windows"):
        table.add_column(name, justify="right" if name in ("rows", "windows") else "left", overflow="fold")
    for s in preflight.series:
        for part, (first, last, rows) in s.parts.items():
            table.add_row(s.id or "-", part, first, last, str(rows), str(s.windows[part]))
    return table


def runs(rows: list[dict], folder) -> Table:
    table = Table(title=f"{len(rows)} run{'' if len(rows) == 1 else 's'} under {folder}", title_justify="left",
                  caption="vs_persistence: test MAE / persistence's test MAE (below 1 beats it)", caption_justify="left")
    names = ("name", "time", "mode", "cell", "hidden", "lookback", "epochs", "best_val_loss", "test_mae", "vs_persistence", "status")
    for name in names:
        table.add_column(name, justify="right" if name in ("hidden", "lookback", "epochs", "best_val_loss", "test_mae", "vs_persistence") else "left", overflow="fold")
    for r in rows:
        table.add_row(*(("-" if r[n] is None else f"{r[n]:.4f}" if isinstance(r[n], float) else str(r[n])) for n in names))
    return table


def sweep(result) -> Table:
    table = Table(title=f"sweep of {len(result.rows)} runs, best validation loss first", title_justify="left")
    columns = ["rank", *result.keys, "best_val_loss", "test_mae", "epochs", "status"]
    for name in columns:
        table.add_column(name, justify="right" if name in ("rank", "best_val_loss", "test_mae", "epochs") else "left", overflow="fold")
    for r in result.rows:
        table.add_row(*(("-" if r[n] is None else f"{r[n]:.4f}" if isinstance(r[n], float) else str(r[n])) for n in columns))
    return table
