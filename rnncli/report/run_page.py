"""The report of one run folder (`rnncli report RUN`): what was trained, on which data, how it
learned, how it scored beside every baseline, how its intervals held, and its forecasts against
the actual values, for the first series, the best and the worst.

Every number of the headline tables is summary.json's; the forecasts drawn and the per-series
table come from scoring the test split again with the run's checkpoint (`commands/report.py`),
as `rnncli evaluate` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnncli.errors import count
from rnncli.evaluation.scores import BASELINES, WITH_COVARIATES, of
from rnncli.report import html, svg
from rnncli.report.cells import fmt, label, names
from rnncli.report.run_series import best_baseline, forecasts, series_table, served
from rnncli.report.tables import COLUMNS, covariates_sentence, interval_line, standardised

MAX_TIMELINE = 20  # series drawn on the splits' time axis


@dataclass
class RunFacts:
    """What a run's report shows, gathered by `commands/report.py` from the run folder and its data."""

    run_dir: str
    summary: dict
    history: list[dict]  # metrics.csv's rows
    config: dict  # config.yaml
    chosen: dict[str, str]  # the keys chosen from the data, with reasons
    forecasts: list[dict] | None = None  # per series: one-step forecasts over the test split
    per_series: dict | None = None  # the test split's scores per series (several series)
    spans: list[tuple[str, list]] = field(default_factory=list)  # per series: its parts' first and last times
    series: int = 0
    warnings: list[str] = field(default_factory=list)
    missing: str | None = None  # why the forecasts are not drawn (the data is not here)


def render(facts: RunFacts) -> str:
    s, test = facts.summary, facts.summary.get("test", {})
    title = f"{s.get('name', 'run')}: {facts.run_dir}"
    sub = (
        f"target {', '.join(test.get('targets', []))}; horizon {test.get('horizon', '-')}; "
        f"{s.get('data', {}).get('frequency', '-')} data; rnncli {s.get('versions', {}).get('rnncli', '-')}"
    )
    sections = [("overview", "Overview", _overview(facts))]
    if test.get("model"):
        sections.append(("scores", "Test scores beside every baseline", _scores(s)))
    if "intervals" in test:
        sections.append(("intervals", "Prediction intervals", _intervals(test)))
    sections.append(("forecasts", "Forecasts against actual values", forecasts(facts, test)))
    if facts.per_series:
        sections.append(("series", f"Every series ({len(facts.per_series):,})", series_table(facts)))
    if facts.history:
        sections.append(("training", "Training", _training(facts)))
    sections.append(("data", "Data", _data(facts)))
    sections.append(("config", "What was trained", _config(facts)))
    return html.page(title, sub, sections, f"{facts.run_dir}/summary.json, metrics.csv, config.yaml")


def _overview(facts: RunFacts) -> str:
    s, test = facts.summary, facts.summary.get("test", {})
    reason = s.get("selection", {}).get("reason", served(test)).split(" (next")[0]
    items = [("served forecast", _short(test), reason)]
    if test.get("model"):
        best = best_baseline(test)
        mase = of(test, "model")["mase"]
        items.append(
            (
                "test MASE, served",
                fmt(mase),
                f"best baseline {label(test, best)} {fmt(of(test, best)['mase'])}",
            )
        )
        items.append(
            ("test MAE, served", fmt(of(test, "model")["mae"]), f"{count(test['n_windows'], 'window')}")
        )
    iv = test.get("intervals", {})
    if iv.get("coverage") is not None:
        items.append(("interval coverage", f"{iv['coverage']:.1%}", f"nominal {iv['coverage_target']:.0%}"))
    items.append(
        (
            "training",
            f"{s.get('train_seconds', 0):.1f} s",
            f"best epoch {s.get('best_epoch')} of {s.get('epochs_run')}; {s.get('parameters', 0):,} "
            f"parameters on {s.get('device', '-')}",
        )
    )
    return html.cards(items) + html.verdict(
        s.get("verdict", []) or ["this run has no verdict (not finished)"]
    )


def _short(test: dict) -> str:
    """The served forecast in a word or two: "network + linear AR", "Theta", "network"."""
    served = test.get("served", {})
    name = served.get("forecast", "network")
    if name == "combined":
        return f"network + {label({}, served['partner'])}"
    return "network" if name == "network" else label({}, name)


def _scores(summary: dict) -> str:
    test = summary["test"]
    shown = names(test)
    rows = [[label(test, n, long=True), *(of(test, n)[m] for m in COLUMNS)] for n in shown]
    best = min(shown, key=lambda n: of(test, n)["mae"] if of(test, n)["mae"] is not None else float("inf"))
    marks = ["served" if n == "model" else "best" if n == best else "" for n in shown]
    parts = [
        html.table(["forecast", *COLUMNS.values()], rows, marks, ident="scores-table"),
        html.paragraph(
            f"{count(test['n_windows'], 'window')} of the test split, real units; bold: the lowest MAE."
            + _covariates(test)
        ),
    ]
    mase = [of(test, n)["mase"] for n in shown]
    if any(v is not None for v in mase):
        chart = svg.bars(
            [label(test, n) for n in shown], mase, "MASE (below 1: better than seasonal naive)", 0
        )
        parts.append(html.figure(chart, "test MASE of the served forecast (blue) and of every baseline"))
    if "standardised" in test:
        parts.append(html.paragraph(standardised(test)))
    selection = summary.get("selection", {})
    if selection.get("errors"):
        errors = selection["errors"]
        rows = [[_candidate(name), value] for name, value in sorted(errors.items(), key=lambda kv: kv[1])]
        parts += [
            "<h3>How the served forecast was chosen</h3>",
            html.paragraph(f"served: {selection.get('reason', '')}", cls=""),
            html.table(["candidate", "validation MASE"], rows),
        ]
    return "".join(parts)


def _covariates(test: dict) -> str:
    """What the network read that no baseline does, in words ("" when nothing)."""
    read = covariates_sentence(test)
    return f" {read[0].upper()}{read[1:]}." if read else ""


def _candidate(name: str) -> str:
    if name in (*BASELINES, WITH_COVARIATES) or name == "network":
        return label({}, name) if name != "network" else "network"
    return "the network averaged with the best classical forecast" if name == "combined" else name


def _intervals(test: dict) -> str:
    iv = test["intervals"]
    parts = [html.paragraph(interval_line(iv), cls="")]
    per = iv.get("per_horizon")
    if per and len(per.get("coverage", [])) > 1:
        rows = [
            [h + 1, per["coverage"][h], per["mean_width"][h], per["msis"][h]]
            for h in range(len(per["coverage"]))
        ]
        chart = svg.per_step(per["coverage"], iv["coverage_target"], per["mean_width"])
        parts += [
            html.figure(
                chart, "left: share of actual values inside the interval per step, against the nominal"
            ),
            html.table(["step", "inside", "mean width", "MSIS"], rows, ident="per-step-table"),
        ]
    return "".join(parts)


def _training(facts: RunFacts) -> str:
    rows = [
        [
            int(r["epoch"]),
            *(r.get(k) for k in ("train_loss", "val_loss", "val_mae", "lr", "grad_norm", "seconds")),
        ]
        for r in facts.history
    ]
    columns = ["epoch", "train loss", "val loss", "val MAE", "learning rate", "gradient norm", "seconds"]
    return html.figure(
        svg.loss(facts.history), "loss per epoch (scaled units); the dotted line is the best epoch"
    ) + html.table(columns, rows, long=len(rows) > html.PAGE_ROWS, ident="epochs-table")


def _data(facts: RunFacts) -> str:
    s, cfg = facts.summary, facts.config.get("data", {})
    data = s.get("data", {})
    windows = data.get("windows", {})
    rows = [
        ["file", cfg.get("path", "-")],
        ["series", facts.series or "-"],
        ["frequency", data.get("frequency", "-")],
        ["rows", data.get("rows", "-")],
        ["values filled in", data.get("filled", 0)],
        [
            "windows (train / validation / test)",
            " / ".join(str(windows.get(k, "-")) for k in ("train", "val", "test")),
        ],
    ]
    parts = [html.table(["", ""], rows, ident="data-table")]
    parts += [html.paragraph(w, cls="bad") for w in facts.warnings]
    if facts.spans:
        shown = facts.spans[:MAX_TIMELINE]
        total = max(facts.series, len(facts.spans))
        note = "" if total <= MAX_TIMELINE else f" (the first {MAX_TIMELINE} of {total:,})"
        chart = svg.timeline(shown, str(cfg.get("time_column", "time")))
        parts.append(
            html.figure(chart, f"each series' training, validation and test parts on a time axis{note}")
        )
    return "".join(parts)


def _config(facts: RunFacts) -> str:
    rows = []
    for section, values in facts.config.items():
        for key, value in values.items() if isinstance(values, dict) else [("", values)]:
            dotted = f"{section}.{key}" if key else section
            why = facts.chosen.get(dotted)
            rows.append([dotted, _yaml_value(value), f"chosen from the data: {why}" if why else ""])
    note = html.paragraph(
        f"{count(len(facts.chosen), 'key')} chosen from the data (marked), the rest as configured"
    )
    return note + html.table(
        ["key", "value", "why"], rows, ["chosen" if r[2] else "" for r in rows], ident="config-table"
    )


def _yaml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "null" if value is None else str(value)
