"""The report of a folder of runs (`rnncli report runs/`): every run as `rnncli runs` lists it, from
the run folders' files alone, with a chart of the score the table is sorted by."""

from __future__ import annotations

from rnncli.artifacts.run_folder import RUN_COLUMNS
from rnncli.errors import count
from rnncli.report import html, svg

RUN_CHART = 40  # runs drawn in the chart (all are in the table)
LOWER_IS_BETTER = ("best_val_loss", "test_mae", "vs_persistence", "msis")


def render_runs(folder: str, rows: list[dict], sort: str) -> str:
    scored = [r for r in rows if isinstance(r.get(sort), int | float)]
    parts = [html.paragraph(f"{count(len(rows), 'run')}, sorted by {sort}; click a column to sort")]
    if scored:
        drawn = scored[:RUN_CHART]
        note = "" if len(scored) <= RUN_CHART else f" (the first {RUN_CHART} of {len(scored)})"
        lowest = 0 if sort in LOWER_IS_BETTER else None
        chart = svg.bars([r["folder"] for r in drawn], [r[sort] for r in drawn], sort, lowest)
        parts.append(html.figure(chart, f"{sort} of each run{note}"))
    table_rows = [[r.get(c) for c in RUN_COLUMNS] for r in rows]
    parts.append(html.table(list(RUN_COLUMNS), table_rows, long=True, ident="runs-table"))
    sections = [("runs", "Runs", "".join(parts))]
    return html.page(
        f"runs under {folder}", f"{count(len(rows), 'run')}", sections, f"{folder} (each run's files)"
    )
