"""Tables with a row per series, kept to a screen however many the file holds.

Up to SHOWN series every one is shown; beyond that the first FIRST, then the WORST that fare worst
(the shortest series in `check`, the model's highest MAE against persistence in `evaluate`), and
a caption that says how many are left out and where they all are (the CSV or JSON written).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from rnncli.report.cells import figures, fmt, label, names

FIRST, WORST = 5, 5
SHOWN = FIRST + WORST


def shown(count: int, badness: Sequence[float] | None = None) -> list[int]:
    """The series to show, by index: all when few; else the first FIRST, then (with `badness`) the
    WORST highest of the others, worst first."""
    if count <= SHOWN:
        return list(range(count))
    rest = (
        sorted(range(FIRST, count), key=lambda k: badness[k], reverse=True)[:WORST]
        if badness is not None
        else []
    )
    return [*range(FIRST), *rest]


def left_out(count: int, picked: list[int], worst: str, where: str) -> str | None:
    """The caption of a table that leaves series out: how many, which are shown, where the rest are."""
    if len(picked) == count:
        return None
    which = f"the first {FIRST}" + (f" and the {len(picked) - FIRST} {worst}" if len(picked) > FIRST else "")
    return f"{len(picked)} of {count:,} series shown: {which}; {where}"


def forecast(frame, coverage: float | None = None, keys=None, written: str | None = None) -> RenderableType:
    """A forecast frame: id column(s) (if any), timestamps (dates alone when all at midnight),
    values; of a file of many series (`keys`: each row's series), the first FIRST series' rows
    (`written`: the file that holds them all)."""
    import pandas as pd

    band = f"; {coverage:.0%} intervals in _lower and _upper" if coverage else ""
    title = f"forecast: {len(frame):,} steps{band}"
    caption = None
    if keys is not None and keys.nunique() > SHOWN:
        ids = keys.unique()
        keep = keys.isin(ids[:FIRST])
        where = (
            f"all {len(frame):,} rows are in {written}"
            if written
            else "write all of them with --output FILE.csv"
        )
        caption = f"the first {FIRST} of {len(ids):,} series shown ({int(keep.sum()):,} rows); {where}"
        frame = frame[keep]
    table = Table(title=title, title_justify="left")
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
    return with_line(table, caption)


def with_line(table: Table, line: str | None) -> RenderableType:
    """A table and the line under it that says what it leaves out (a caption would wrap to its width)."""
    return table if line is None else Group(table, Text(line))


def per_series(metrics: dict) -> RenderableType:
    """MAE of the model and each baseline per series (the first and the worst against persistence
    of many), then their unweighted mean over every series."""
    items = list(metrics["per_series"].items())
    picked = shown(len(items), [_against_persistence(res) for _, res in items])
    caption = left_out(
        len(items),
        picked,
        "where the model's MAE is highest against persistence's",
        "every series is in the JSON (--output FILE.json)",
    )
    table = Table(title="MAE per series", title_justify="left")
    table.add_column("series", overflow="fold")
    table.add_column("windows", justify="right", overflow="fold")
    columns = names(metrics)
    for name in columns:
        table.add_column(label(metrics, name), justify="right", overflow="fold")
    covered = "intervals" in metrics and "coverage" in metrics["intervals"]
    if covered:
        table.add_column(
            f"{metrics['intervals']['coverage_target']:.0%} coverage", justify="right", overflow="fold"
        )
    for key, res in (items[k] for k in picked):
        cover = [] if not covered else [_share(res.get("intervals", {}).get("coverage"))]
        table.add_row(
            key, str(res["n_windows"]), *(fmt(figures(res, name)["mae"]) for name in columns), *cover
        )
    mean = metrics["mean_over_series"]
    table.add_row(
        f"mean over {len(items):,} series",
        "",
        *(fmt(mean.get(name, mean["model"])["mae"]) for name in columns),
        *([_share(metrics["intervals"]["coverage"])] if covered else []),
        style="bold",
    )
    return with_line(table, caption)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _against_persistence(res: dict) -> float:
    model, persistence = res["model"]["mae"], res["baselines"]["persistence"]["mae"]
    if model is None or persistence is None:
        return float("-inf")
    return model / persistence if persistence > 0 else float("inf") if model > 0 else 1.0


def _inputs(prepared) -> str:
    """What the model reads, in a line: targets, covariates, categories, calendar, window."""
    read, schema = prepared.covariates, prepared.schema
    levels = dict(zip(schema.categorical, schema.levels)) if schema is not None else {}
    return (
        f"targets: {', '.join(prepared.targets)}; features: {', '.join(read['past']) or 'none'}; "
        + (f"known ahead: {', '.join(read['known_ahead'])}; " if read["known_ahead"] else "")
        + (f"per series: {', '.join(read['static'])}; " if read["static"] else "")
        + "".join(f"{name}: {len(found)} categories; " for name, found in levels.items())
        + f"calendar: {', '.join(prepared.spec.calendar) or 'none'}; windows: lookback "
        f"{prepared.spec.lookback}, horizon {prepared.spec.horizon} (train / val / test columns count "
        "windows)"
    )


def show_preflight(console: Console, preflight, chosen: dict | None = None) -> None:
    """The series a config would train on (the first and the shortest of many), its notes and
    warnings, the settings chosen from the data (with their reasons), and the verdict."""
    prepared = preflight.prepared
    picked = shown(len(preflight.series), [-s.rows for s in preflight.series])
    caption = left_out(len(preflight.series), picked, "shortest", "the warnings below are about them all")
    table = Table(
        title=f"{len(preflight.series):,} series, frequency {prepared.frequency}, season {prepared.season}",
        title_justify="left",
    )
    for name in ("series", "first", "last", "rows", "missing", "train", "val", "test"):
        table.add_column(
            name, justify="left" if name in ("series", "first", "last") else "right", overflow="fold"
        )
    for s in (preflight.series[k] for k in picked):
        table.add_row(
            s.id or "-",
            s.first,
            s.last,
            str(s.rows),
            str(s.filled),
            *(str(s.windows[p]) for p in ("train", "val", "test")),
        )
    console.print(with_line(table, caption))
    console.print(_parts(preflight, picked))
    console.print(_inputs(prepared), highlight=False)
    for note in [*prepared.notes, *preflight.notes]:
        console.print(f"note: {note}", highlight=False)
    for key, (value, reason) in (chosen or {}).items():
        console.print(f"chosen from the data: {key}={value} ({reason})", highlight=False)
    for warning in preflight.warnings:
        console.print("warning:", style="yellow", end=" ")
        console.print(warning, highlight=False)
    warned = (
        f" ({len(preflight.warnings)} warning{'s' if len(preflight.warnings) > 1 else ''})"
        if preflight.warnings
        else ""
    )
    console.print(f"ok: training would run{warned}", highlight=False)


def _parts(preflight, picked: list[int]) -> Table:
    """Where each part of each series shown begins and ends: the split as training will use it."""
    spec = preflight.prepared.spec
    how = (
        "data.train_end, val_end, test_end"
        if spec.borders.given
        else "data.val_steps, test_steps"
        if spec.val_steps or spec.test_steps
        else "data.val_fraction, test_fraction"
    )
    table = Table(title=f"parts (split by {how})", title_justify="left")
    for name in ("series", "part", "first", "last", "rows", "windows"):
        table.add_column(name, justify="right" if name in ("rows", "windows") else "left", overflow="fold")
    for s in (preflight.series[k] for k in picked):
        for part, (first, last, rows) in s.parts.items():
            table.add_row(s.id or "-", part, first, last, str(rows), str(s.windows[part]))
    return table
