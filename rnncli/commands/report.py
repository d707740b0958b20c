"""`rnncli report TARGET`: one self-contained HTML page for a run folder, a backtest folder or a
folder of runs (`report/run_page.py`, `backtest_page.py`, `runs_page.py`), written atomically to
`--output` (default report.html), never over a file unless --force.

A run's page scores its test split again with its checkpoint, as `rnncli evaluate` does, to draw
forecasts against actual values and to fill the per-series table; where its data is not there
the page says so and shows what the run folder holds.
"""

from __future__ import annotations

import json
from pathlib import Path

from rnncli.artifacts import run_folder
from rnncli.artifacts.files import BACKTEST_PLAN, check_outputs, refuse_overwriting, write_text
from rnncli.errors import RnnCliError


def report(target: Path, output: Path | None = None, force: bool = False, sort: str = "time") -> Path:
    """Write the report of `target` to `output` (default report.html); return where it went."""
    output = Path("report.html") if output is None else output
    if output.suffix.lower() not in (".html", ".htm"):
        raise RnnCliError(f"--output '{output}': a report is an HTML file; give a name ending in .html")
    if not target.is_dir():
        what = "does not exist" if not target.exists() else "is not a folder"
        raise RnnCliError(
            f"'{target}' {what}; give a run folder, a backtest folder or a folder of runs (e.g. runs)"
        )
    check_outputs(output)
    if (target / "summary.json").is_file() or (target / "checkpoints").is_dir():
        page, protected = _run_page(target)
    elif (target / BACKTEST_PLAN).is_file():
        page, protected = _backtest_page(target), {}
    else:
        page, protected = _runs_page(target, sort), {}
    refuse_overwriting((output,), protected, force)
    write_text(output, page)
    return output


def _run_page(run_dir: Path) -> tuple[str, dict]:
    from rnncli.config import chosen_in
    from rnncli.report.run_page import RunFacts, render

    if not (run_dir / "summary.json").is_file():
        raise RnnCliError(
            f"'{run_dir}' has no summary.json: the run has not finished; finish it with rnncli train "
            f"--resume {run_dir}"
        )
    facts = RunFacts(
        str(run_dir),
        run_folder.read(run_dir, "summary.json"),
        run_folder.read(run_dir, "metrics.csv") if (run_dir / "metrics.csv").is_file() else [],
        run_folder.read(run_dir, "config.yaml"),
        chosen_in((run_dir / "config.yaml").read_text(encoding="utf-8", errors="replace")),
    )
    protected = _scored(run_dir, facts)
    return render(facts), protected


def _scored(run_dir: Path, facts) -> dict:
    """Score the run's test split again, for the series the page draws (the first MAX_TIMELINE, the
    best and the worst by summary.json's per-series MASE: a panel of thousands costs what a few
    do), into `facts`; the files no report may replace. Without its data, `facts.missing` says why."""
    from rnncli.artifacts.trained import open_trained
    from rnncli.data import timeseries
    from rnncli.data.messages import grouped
    from rnncli.evaluation import scoring
    from rnncli.evaluation.selection import Selection

    try:
        trained = open_trained(run_dir, "best")
        series = timeseries.load(trained.schema)
        drawn = _drawn(series, facts.summary.get("test", {}).get("per_series"))
        prepared = trained.prepare(drawn)
    except RnnCliError as exc:
        facts.missing = f"forecasts against actual values are not drawn: {exc}"
        return run_folder.protected(run_dir)
    scores = scoring.score_with(
        trained.model,
        prepared,
        "test",
        trained.served_calibration,
        trained.coverage(),
        keep_forecasts=True,
        online_step=trained.online_step,
        selection=Selection.from_dict(trained.selection),
    )
    facts.forecasts = scores.forecasts
    facts.per_series = facts.summary.get("test", {}).get("per_series") or scores.metrics.get("per_series")
    facts.series, facts.spans = len(series), _spans(prepared)
    facts.warnings = [*grouped([(s.id, w) for s in series for w in s.warnings]), *scores.warnings]
    return trained.inputs()


def _drawn(series: list, per_series: dict | None) -> list:
    """The series the page draws: the first MAX_TIMELINE, and the best and worst by MASE."""
    from rnncli.report.run_page import MAX_TIMELINE
    from rnncli.report.run_series import badness

    if not per_series or len(series) <= MAX_TIMELINE:
        return series
    ranked = sorted(
        (k for k in per_series if badness(per_series[k]) is not None), key=lambda k: badness(per_series[k])
    )
    wanted = {str(s.id) for s in series[:MAX_TIMELINE]} | set(ranked[:1]) | set(ranked[-1:])
    return [s for s in series if str(s.id) in wanted]


def _spans(prepared) -> list[tuple[str, list]]:
    """Each series' parts (first and last timestamp of training, validation and test)."""
    spans = []
    for series, parts in zip(prepared.series, prepared.layout.parts):
        times, edges, start = series.times, [], 0
        for n, part in zip(parts, ("train", "validation", "test")):
            if n > 0:
                edges.append((times[start], times[min(start + n, len(times)) - 1], part))
            start += n
        spans.append(("series" if series.id is None else str(series.id), edges))
    return spans


def _backtest_page(folder: Path) -> str:
    from rnncli.report.backtest_page import render_backtest

    path = folder / "backtest.json"
    if not path.is_file():
        raise RnnCliError(
            f"'{folder}' is a backtest that has not finished (no backtest.json); finish it with rnncli "
            f"backtest --resume {folder}"
        )
    try:
        scores = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RnnCliError(f"'{path}' cannot be read ({type(exc).__name__}); it is damaged") from None
    return render_backtest(str(folder), scores)


def _runs_page(folder: Path, sort: str) -> str:
    from rnncli.report.runs_page import render_runs

    rows = run_folder.sort_rows(run_folder.collect(folder), sort)
    if not rows:
        raise RnnCliError(
            f"'{folder}' holds no run folders; give a run folder, a backtest folder or the output.dir of runs"
        )
    return render_runs(str(folder), rows, sort)
