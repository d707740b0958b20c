"""A run's report, series by series: its forecasts against the actual values (the first series,
the best and the worst by the served forecast's MASE) and a table of every series' scores."""

from __future__ import annotations

from rnncli.report import html, svg
from rnncli.report.cells import fmt, label


def served(test: dict) -> str:
    return test.get("served", {}).get("label", "the network")


def best_baseline(metrics: dict) -> str:
    """The baseline with the lowest MAE, other than the one served."""
    served = metrics.get("served", {}).get("forecast")
    scored = [
        b
        for b in metrics.get("baselines", {})
        if metrics["baselines"][b].get("mae") is not None and b != served
    ]
    return min(scored, key=lambda b: metrics["baselines"][b]["mae"]) if scored else "persistence"


def forecasts(facts, test: dict) -> str:
    if not facts.forecasts:
        return html.paragraph(facts.missing or "no forecasts to draw")
    picked = _picked(facts)
    baseline = best_baseline(test) if test.get("baselines") else None
    labels = {"model": f"served: {served(test)}", **({baseline: label(test, baseline)} if baseline else {})}
    time_column = facts.config.get("data", {}).get("time_column", "time")
    parts = [html.paragraph("one step ahead over the test split; the band is the served forecast's interval")]
    for why, one in picked:
        for j, target in enumerate(test.get("targets", ["value"])):
            name = "" if one["id"] is None else f"series {one['id']}, "
            chart = svg.forecast(one, j, baseline, labels, target, str(time_column))
            parts.append(f"<h3>{html.esc(name + target)} <span class='sub'>{html.esc(why)}</span></h3>")
            parts.append(
                html.figure(chart, f"{target}: actual, served forecast and {labels.get(baseline, '')}")
            )
    return "".join(parts)


def _picked(facts) -> list[tuple[str, dict]]:
    """The first series, then the best and the worst by the served forecast's MASE (by MAE where MASE
    is undefined), each once."""
    first = facts.forecasts[0]
    if not facts.per_series or len(facts.forecasts) == 1:
        return [("", first)]
    scores = {str(f["id"]): badness(facts.per_series.get(str(f["id"]), {})) for f in facts.forecasts}
    ranked = sorted(
        (f for f in facts.forecasts if scores[str(f["id"])] is not None), key=lambda f: scores[str(f["id"])]
    )
    picked = [("the first series", first)]
    for why, one in (("the best, by MASE", ranked[0]), ("the worst, by MASE", ranked[-1])) if ranked else ():
        if all(one is not other for _, other in picked):
            picked.append((f"{why} {fmt(scores[str(one['id'])])}", one))
    return picked


def badness(row: dict) -> float | None:
    model = row.get("model", {})
    return model.get("mase") if model.get("mase") is not None else model.get("mae")


def series_table(facts) -> str:
    rows, marks = [], []
    for sid, row in sorted(facts.per_series.items(), key=lambda kv: -(badness(kv[1]) or 0)):
        best = best_baseline(row)
        iv = row.get("intervals", {})
        rows.append(
            [
                sid,
                row.get("n_windows"),
                row["model"].get("mae"),
                row["model"].get("mase"),
                label({}, best),
                row["baselines"][best].get("mase"),
                iv.get("coverage"),
            ]
        )
        marks.append("")
    columns = [
        "series",
        "windows",
        "MAE served",
        "MASE served",
        "best baseline",
        "its MASE",
        "inside interval",
    ]
    note = html.paragraph("worst first by the served forecast's MASE; click a column to sort, type to filter")
    return note + html.table(columns, rows, marks, long=True, ident="series-table")
