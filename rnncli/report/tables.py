"""Rich tables for what the commands return: scores beside baselines, forecasts, a finished run.

Every column folds a cell that does not fit rather than cutting it short with an ellipsis: names,
paths and numbers are always printed whole (on a narrow terminal they wrap within their cell).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from rnncli.artifacts.run_folder import RUN_COLUMNS
from rnncli.errors import count
from rnncli.evaluation.scores import of
from rnncli.report.cells import figures, fmt, label, names, num
from rnncli.report.series_tables import per_series

COLUMNS = {"mae": "MAE", "rmse": "RMSE", "mape": "MAPE %", "smape": "sMAPE %", "mase": "MASE"}


def scores(metrics: dict, title: str) -> Table:
    """The served forecast, the network and the baselines side by side; the lowest MAE in bold;
    MASE < 1 beats seasonal naive in-sample."""
    rows = {name: figures(metrics, name) for name in names(metrics)}
    best = min(rows, key=lambda k: num(rows[k]["mae"]))
    table = Table(title=title, caption=_caption(metrics), title_justify="left", caption_justify="left")
    table.add_column("forecast", overflow="fold")
    for column in COLUMNS.values():
        table.add_column(column, justify="right", overflow="fold")
    for name, values in rows.items():
        shown = label(metrics, name, long=True) + (
            f" (m={metrics['season']})" if name == "seasonal_naive" else ""
        )
        table.add_row(shown, *(fmt(values[m]) for m in COLUMNS), style="bold" if name == best else None)
    return table


def per_horizon(metrics: dict) -> Table:
    """MAE per forecast step for the model and each baseline."""
    table = Table(title="MAE per horizon step", title_justify="left")
    table.add_column("step", justify="right", overflow="fold")
    shown = [name for name in names(metrics) if name in metrics["per_horizon"]]
    for name in shown:
        table.add_column(label(metrics, name), justify="right", overflow="fold")
    for h in range(metrics["horizon"]):
        table.add_row(str(h + 1), *(fmt(metrics["per_horizon"][n]["mae"][h]) for n in shown))
    return table


def show_evaluation(console: Console, metrics: dict, title: str) -> None:
    """A split's metrics: the table, the standardised line, the intervals, per step and per series."""
    console.print(scores(metrics, title))
    if "standardised" in metrics:
        console.print(standardised(metrics), highlight=False)
    if "intervals" in metrics:
        console.print(interval_line(metrics["intervals"]), highlight=False)
    if metrics["horizon"] > 1:
        console.print(per_horizon(metrics))
    if "per_series" in metrics:
        console.print(per_series(metrics))


def interval_line(iv: dict) -> str:
    """The intervals of a scored split in one line: coverage, width, MSIS and what they rest on;
    or why there are none."""
    if "missing" in iv:
        return iv["missing"]
    rests = (
        f"{iv['widths']} widths calibrated on {count(iv['calibration_windows'], 'window')}"
        if "widths" in iv
        else "calibrated on validation"
    )
    if iv.get("online_step"):
        rests += f", their level updated online as each value became known (step {iv['online_step']:g})"
    inside = "-" if iv["coverage"] is None else f"{iv['coverage']:.1%}"
    # a bound mapped back through a log transform can pass the largest float: its width is then not finite
    width = (
        "not finite (a bound beyond the largest number)"
        if iv["mean_width"] is None
        else f"{iv['mean_width']:.4g}"
    )
    msis = (
        "undefined (MASE's scale is zero)"
        if iv.get("msis") is None and inside != "-"
        else fmt(iv.get("msis"))
    )
    return (
        f"{iv['coverage_target']:.0%} prediction intervals: {inside} of actual values inside, mean width "
        f"{width}, MSIS {msis} (width plus {2 / (1 - iv['coverage_target']):.0f} x each miss, over the "
        f"MASE scale); {rests}"
    )


def standardised(metrics: dict) -> str:
    """One line: MSE and MAE on the standardised scale, the figures papers print, for each forecast."""
    standard = metrics["standardised"]
    rows = {name: of(standard, name) for name in names(metrics)}
    parts = [f"{label(metrics, name)} {fmt(m['mse'])} / {fmt(m['mae'])}" for name, m in rows.items()]
    return "standardised by each series' training mean and sd, MSE / MAE: " + "; ".join(parts)


def show_fit(console: Console, result) -> None:
    """A finished run: its test scores, how long it trained, where it is."""
    show_evaluation(
        console,
        result.scores.metrics,
        f"test scores of the best epoch ({result.best_epoch} of {result.epochs_run})",
    )
    stop = ", stopped early" if result.stopped_early else ""
    console.print(
        f"trained in {result.seconds:.1f}s on {result.device}{stop}; best val_loss {result.best_val_loss:.5f}"
    )
    for line in result.verdict:
        console.print(f"verdict: {line}", highlight=False)
    console.print(f"run folder: {result.run_dir}", highlight=False, soft_wrap=True)


def _caption(metrics: dict) -> str:
    targets = ", ".join(metrics["targets"])
    text = (
        f"{count(metrics['n_windows'], 'window')} of the {metrics['split']} split; target {targets}; horizon "
        f"{metrics['horizon']}; real units"
    )
    left = metrics["model"].get("filled_left_out") or 0
    if left:
        text += f"; {count(left, 'forecast value')} on data filled in, not measured, left out of every score"
    skipped = metrics["model"].get("mape_skipped_zeros") or 0
    if skipped:
        text += f"; MAPE skips {skipped} zero actual values"
    why = "never changes at the seasonal lag (a seasonal naive forecast's error there, MASE's scale, is zero)"
    read = covariates_sentence(metrics)
    if read:
        text += "; " + read
    if metrics["model"].get("mase") is None:
        return f"{text}. MASE is undefined: the training part {why}."
    undefined = metrics["model"].get("mase_undefined") or 0
    if undefined:
        text += f"; MASE leaves out {undefined} values of series whose training part {why}"
    return text + ". MASE < 1: better than a seasonal naive forecast on the training data."


def covariates_sentence(metrics: dict) -> str:
    """What the network read that the simple methods do not, in words ("" when nothing): the
    covariates of a split's scores, each named with its kind."""
    read = metrics.get("covariates") or {}
    named = [
        *read.get("past", []),
        *(f"{c} (known ahead)" for c in read.get("known_ahead", [])),
        *(f"{c} (per series)" for c in read.get("static", [])),
    ]
    if not named:
        return ""
    if "linear_arx" in (metrics.get("baselines") or {}):
        return (
            f"the network and the linear AR + covariates also read {', '.join(named)}, which no other "
            "baseline does"
        )
    return f"the network also read {', '.join(named)}, which no baseline does"


def runs(rows: list[dict], folder) -> Table:
    table = Table(
        title=f"{len(rows)} run{'' if len(rows) == 1 else 's'} under {folder}",
        title_justify="left",
        caption="vs_persistence: test MAE / persistence's test MAE (below 1 beats it); coverage: test "
        "values inside the intervals, of the nominal; msis: their interval score (lower is better)",
        caption_justify="left",
    )
    names = RUN_COLUMNS
    for name in names:
        right = name in (
            "hidden",
            "lookback",
            "epochs",
            "best_val_loss",
            "test_mae",
            "vs_persistence",
            "coverage",
            "msis",
        )
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for r in rows:
        table.add_row(
            *(
                ("-" if r[n] is None else f"{r[n]:.4f}" if isinstance(r[n], float) else str(r[n]))
                for n in names
            )
        )
    return table


def show_sweep(console: Console, result) -> None:
    """A sweep: its runs ranked, where sweep.csv is, and the best run's folder."""
    console.print(sweep(result))
    console.print(
        f"wrote {result.sweep_dir / 'sweep.csv'}" + ("; best run:" if result.best else ""), highlight=False
    )
    if result.best is not None:
        console.print(result.best["run_dir"], highlight=False, soft_wrap=True)


def sweep(result) -> Table:
    table = Table(title=f"sweep of {len(result.rows)} runs, best validation loss first", title_justify="left")
    columns = ["rank", *result.keys, "best_val_loss", "test_mae", "epochs", "status"]
    for name in columns:
        table.add_column(
            name,
            justify="right" if name in ("rank", "best_val_loss", "test_mae", "epochs") else "left",
            overflow="fold",
        )
    for r in result.rows:
        table.add_row(
            *(
                ("-" if r[n] is None else f"{r[n]:.4f}" if isinstance(r[n], float) else str(r[n]))
                for n in columns
            )
        )
    return table
