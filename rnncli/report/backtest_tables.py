"""What `rnncli backtest` prints: one row per fold beside the baselines, the mean and spread over
folds of every metric, interval coverage per fold, and the verdict."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from rnncli.report.cells import figures, fmt, label
from rnncli.report.tables import COLUMNS


def show(console: Console, scores: dict, backtest_dir) -> None:
    console.print(folds(scores))
    console.print(metrics(scores))
    if scores["horizon"] > 1 and "per_horizon" in scores["mean"]:
        console.print(per_horizon(scores))
    for line in [*interval_lines(scores), *scores.get("shortened", [])]:
        console.print(line, highlight=False)
    console.print(f"verdict: the served forecast: {scores['comparison']['verdict']}", highlight=False)
    network = scores.get("network")
    if network is not None and {f.get("served", {}).get("forecast", "network") for f in scores["folds"]} != {
        "network"
    }:
        console.print(f"verdict: the network alone: {network['verdict']}", highlight=False)
    if network is not None and "advice" in network:
        console.print(f"try, for the network: {network['advice']}", highlight=False)
    if scores["comparison"]["method"]:
        console.print(f"(90% interval: {scores['comparison']['method']})", highlight=False)
    console.print(
        f"wrote {backtest_dir / 'backtest.json'} and {backtest_dir / 'backtest.csv'}",
        highlight=False,
        soft_wrap=True,
    )


def folds(scores: dict) -> Table:
    shown = _names(scores)
    mode = "refitted on each fold" if scores["refit"] else "trained once on fold 1"
    table = Table(
        title=f"{len(scores['folds'])} folds, model {mode}: test MAE",
        title_justify="left",
        caption=f"targets {', '.join(scores['targets'])}; horizon {scores['horizon']}; real units",
        caption_justify="left",
    )
    for name, right in (("fold", True), ("origin", False), ("test to", False), ("windows", True)):
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    table.add_column("serves", overflow="fold")
    for name in shown:
        table.add_column(label(scores["folds"][0], name), justify="right", overflow="fold")
    stamps = [stamp for f in scores["folds"] for stamp in (f["origin"], f["test"][1])]
    midnight = " 00:00:00"
    # daily data: dates
    short = (lambda stamp: stamp.removesuffix(midnight)) if all(s.endswith(midnight) for s in stamps) else str
    for f in scores["folds"]:
        table.add_row(
            str(f["fold"]),
            short(f["origin"]),
            short(f["test"][1]),
            str(f["n_windows"]),
            f.get("served", {}).get("label", "the network"),
            *(fmt(figures(f, n)["mae"]) for n in shown),
        )
    mean, std = scores["mean"], scores["std"]
    for row, stats in (("mean", mean), ("sd", std)):
        table.add_row(
            row,
            "",
            "",
            "",
            "",
            *(fmt(figures(stats, n)["mae"]) for n in shown),
            style="bold" if row == "mean" else None,
        )
    return table


def metrics(scores: dict) -> Table:
    """Every metric `evaluate` prints, as mean ± sd over folds."""
    mean, std = scores["mean"], scores["std"]
    table = Table(title="every metric, mean ± sd over folds", title_justify="left")
    table.add_column("forecast", overflow="fold")
    for column in COLUMNS.values():
        table.add_column(column, justify="right", overflow="fold")
    for name in _names(scores):
        m, s = figures(mean, name), figures(std, name)
        table.add_row(label(scores["folds"][0], name), *(f"{fmt(m[k])} ± {fmt(s[k])}" for k in COLUMNS))
    return table


def per_horizon(scores: dict) -> Table:
    table = Table(title="MAE per horizon step, mean over folds", title_justify="left")
    table.add_column("step", justify="right")
    steps = scores["mean"]["per_horizon"]
    shown = [name for name in _names(scores) if name in steps]
    for name in shown:
        table.add_column(label(scores["folds"][0], name), justify="right", overflow="fold")
    for h in range(scores["horizon"]):
        table.add_row(str(h + 1), *(fmt(steps[name][h]) for name in shown))
    return table


def _names(scores: dict) -> list[str]:
    """The served forecast, the network when some fold serves another, then every baseline."""
    served = {f.get("served", {}).get("forecast", "network") for f in scores["folds"]}
    network = ["network"] if "network" in scores["mean"] and served != {"network"} else []
    return ["model", *network, *scores["folds"][0]["baselines"]]


ONLINE_HINT = (
    "predict.online_step=0.02 lets each series' intervals follow their own misses as values "
    "become known (README: Intervals)"
)


def interval_lines(scores: dict) -> list[str]:
    """The intervals per fold (coverage and MSIS), their mean, and a warning for each fold more
    than 5 points short of the nominal; or why a fold has none."""
    folds = [f["intervals"] for f in scores["folds"]]
    summary = scores.get("intervals")
    out = [f"fold {k + 1}: {f['missing']}" for k, f in enumerate(folds) if f and "missing" in f]
    if summary is None:
        return out
    cells = ", ".join(
        "-" if not f or f.get("coverage") is None else f"{f['coverage']:.1%} (MSIS {fmt(f.get('msis'))})"
        for f in folds
    )
    mean = summary["coverage"]
    msis = (
        ""
        if summary["msis"] is None
        else f"; MSIS {fmt(summary['msis']['mean'])} ± {fmt(summary['msis']['sd'])}"
    )
    step = next((f["online_step"] for f in folds if f and f.get("online_step")), 0)
    online = f"; updated online (predict.online_step {step:g})" if step else ""
    out.append(
        f"{summary['coverage_target']:.0%} prediction intervals, share of actual values inside, per fold: "
        f"{cells}; mean {mean['mean']:.1%} ± {mean['sd']:.1%}{msis}{online}"
    )
    if summary["short_folds"]:
        out.append(
            f"warning: fold{'s' if len(summary['short_folds']) > 1 else ''} "
            f"{', '.join(map(str, summary['short_folds']))} covered more "
            f"than 5 points less than {summary['coverage_target']:.0%}: the intervals do not hold in every "
            "stretch of the data"
            + ("" if any(f and f.get("online_step") for f in folds) else f"; {ONLINE_HINT}")
        )
    return out
