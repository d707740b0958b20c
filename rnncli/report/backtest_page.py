"""The report of a backtest folder (`rnncli report BACKTEST`), from its backtest.json alone: each
fold's scores beside the best baseline, the verdict, the intervals per fold, the folds on a time
axis."""

from __future__ import annotations

from rnncli.errors import count
from rnncli.report import html, svg
from rnncli.report.cells import label
from rnncli.report.tables import COLUMNS


def render_backtest(folder: str, scores: dict) -> str:
    folds = scores["folds"]
    baseline = scores["comparison"]["baseline"]
    sub = (
        f"{count(len(folds), 'fold')}, {'refit at every origin' if scores.get('refit') else 'trained once'}; "
        f"target {', '.join(scores['targets'])}; horizon {scores['horizon']}"
    )
    sections = [
        ("overview", "Overview", _overview(scores, baseline)),
        ("folds", "Per fold", _folds(scores, baseline)),
        ("mean", "Mean over folds beside every baseline", _mean(scores)),
        ("timeline", "The folds on a time axis", _timeline(folds)),
    ]
    if scores.get("intervals"):
        sections.insert(2, ("intervals", "Prediction intervals per fold", _coverage(scores)))
    return html.page(f"backtest: {folder}", sub, sections, f"{folder}/backtest.json")


def _overview(scores: dict, baseline: str) -> str:
    mean, std = scores["mean"], scores["std"]
    items = [
        ("served, mean MASE", _pm(mean["model"]["mase"], std["model"]["mase"]), "over folds"),
        (
            f"{label({}, baseline)}, mean MASE",
            _pm(mean["baselines"][baseline]["mase"], std["baselines"][baseline]["mase"]),
            "the best baseline",
        ),
    ]
    if "network" in mean:
        items.append(("network alone, mean MASE", _pm(mean["network"]["mase"], std["network"]["mase"]), ""))
    coverage = (scores.get("intervals") or {}).get("coverage")
    if coverage and coverage.get("mean") is not None:
        nominal = scores["intervals"]["coverage_target"]
        items.append(("interval coverage", f"{coverage['mean']:.1%}", f"nominal {nominal:.0%}"))
    lines = [f"the served forecast: {scores['comparison']['verdict']}"]
    if scores.get("network"):
        lines.append(f"the network alone: {scores['network']['verdict']}")
    lines.append(f"({scores['comparison'].get('level', 0.9):.0%} interval: {scores['comparison']['method']})")
    return html.cards(items) + html.verdict(lines)


def _pm(mean, sd) -> str:
    if mean is None:
        return "-"
    return f"{mean:.4f}" + ("" if sd is None else f" ± {sd:.4f}")


def _folds(scores: dict, baseline: str) -> str:
    folds = scores["folds"]
    rows = [
        [
            int(f["fold"]),
            f["origin"],
            f["n_windows"],
            f.get("served", {}).get("label", "the network"),
            f["model"]["mae"],
            f["model"]["mase"],
            f.get("network", {}).get("mase"),
            f["baselines"][baseline]["mase"],
        ]
        for f in folds
    ]
    columns = ["fold", "origin", "windows", "served", "MAE served", "MASE served", "MASE network"]
    lines = {
        "served": [f["model"]["mase"] for f in folds]
    }  # in svg.folds' colours: served, network, baseline
    if all("network" in f for f in folds):
        lines["network alone"] = [f["network"]["mase"] for f in folds]
    lines[label({}, baseline)] = [r[-1] for r in rows]
    chart = svg.folds([str(f["fold"]) for f in folds], lines, "test MASE")
    return html.figure(chart, "test MASE per fold") + html.table(
        [*columns, f"MASE {label({}, baseline)}"], rows, ident="folds-table"
    )


def _coverage(scores: dict) -> str:
    folds = [f for f in scores["folds"] if f.get("intervals", {}).get("coverage") is not None]
    nominal = scores["intervals"]["coverage_target"]
    rows = [
        [int(f["fold"]), f["intervals"]["coverage"], f["intervals"]["mean_width"], f["intervals"].get("msis")]
        for f in folds
    ]
    parts = []
    if folds:
        chart = svg.folds(
            [str(f["fold"]) for f in folds], {"inside": [r[1] for r in rows]}, "share inside", nominal
        )
        parts.append(
            html.figure(chart, f"share of actual values inside the {nominal:.0%} intervals, per fold")
        )
    short = scores["intervals"].get("short_folds") or []
    if short:
        parts.append(
            html.paragraph(f"folds short of the nominal coverage: {', '.join(map(str, short))}", "bad")
        )
    return "".join(parts) + html.table(["fold", "inside", "mean width", "MSIS"], rows, ident="coverage-table")


def _mean(scores: dict) -> str:
    mean, std = scores["mean"], scores["std"]
    names = ["model", *(["network"] if "network" in mean else []), *mean["baselines"]]

    def pick(part: dict, name: str) -> dict:
        return part[name] if name in ("model", "network") else part["baselines"][name]

    rows = [
        [
            "served" if n == "model" else label({}, n),
            *(_pm(pick(mean, n).get(m), pick(std, n).get(m)) for m in COLUMNS),
        ]
        for n in names
    ]
    return html.table(
        ["forecast", *COLUMNS.values()], rows, ["served", *[""] * (len(rows) - 1)], ident="mean-table"
    )


def _timeline(folds: list[dict]) -> str:
    rows = [
        (
            f"fold {f['fold']}",
            [(*f["train"], "train"), (*f["val"], "validation"), (*f["test"], "test")],
        )
        for f in folds
        if f.get("train") and f.get("val") and f.get("test")
    ]
    if not rows:
        return html.paragraph("the folds' dates are not recorded")
    return html.figure(svg.timeline(rows, "time"), "each fold's training, validation and test stretch")
