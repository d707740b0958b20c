"""`rnncli report`: the HTML page of a run of the bundled config, of a backtest and of a folder of runs,
opened in headless Chromium: it renders without a console error, requests nothing, every chart is
drawn (pixels, not only elements), and the numbers on the page are those of summary.json and
backtest.json.

The browser is Debian's `chromium` (`.ci/run` installs it). Where it is missing the browser tests
are skipped, unless RNNCLI_REQUIRE_BROWSER is set (CI sets it), where they fail. With
RNNCLI_SCREENSHOTS=FOLDER they also write the screenshots the documentation shows.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from browser import Browser, executable

from rnncli.entry import main
from rnncli.report.cells import fmt

ROOT = Path(__file__).resolve().parents[2]
needs_browser = pytest.mark.skipif(
    executable() is None and not os.environ.get("RNNCLI_REQUIRE_BROWSER"),
    reason="no headless Chromium here (apt install chromium)",
)


def rnncli(*args) -> None:
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert exc.code in (0, None), f"rnncli {' '.join(map(str, args))} exited {exc.code}"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Reports of a run of the bundled config, of a panel's run, of a backtest and of their folder,
    made in a folder of their own with relative paths, as a user in a project folder makes them."""
    import shutil

    tmp = tmp_path_factory.mktemp("report")
    (tmp / "data").mkdir()
    for name in ("seattle-weather.csv", "seattle-temps-long.csv"):
        shutil.copy(ROOT / "data" / name, tmp / "data" / name)
    config, panel_config = (
        ROOT / "configs" / "seattle_temp_max.yaml",
        ROOT / "configs" / "seattle_temps_long.yaml",
    )
    here = Path.cwd()
    os.chdir(tmp)
    try:
        rnncli("train", config, "data.path=data/seattle-weather.csv", "train.epochs=2", "--quiet")
        rnncli("train", panel_config, "data.path=data/seattle-temps-long.csv", "train.epochs=1", "--quiet")
        rnncli(
            "backtest",
            config,
            "data.path=data/seattle-weather.csv",
            "train.epochs=1",
            "--folds",
            "2",
            "--quiet",
        )
        made = {
            "run": next(Path("runs/seattle-temp-max").glob("2*")),
            "panel": next(Path("runs/seattle-temps-long").glob("2*")),
            "backtest": next(Path("runs/seattle-temp-max").glob("backtest-*")),
            "runs": Path("runs"),
        }
        pages = {}
        for name, target in made.items():
            pages[name] = tmp / f"{name}.html"
            rnncli(
                "report", target, "--output", pages[name], *(["--sort", "test_mae"] if name == "runs" else [])
            )
    finally:
        os.chdir(here)
    return {**{name: tmp / path for name, path in made.items()}, "pages": pages}


@pytest.fixture(scope="module")
def browser():
    if executable() is None:
        pytest.fail("RNNCLI_REQUIRE_BROWSER is set but no Chromium is installed (apt install chromium)")
    opened = Browser()
    yield opened
    opened.close()


def opened(browser: Browser, page: Path, shot: str) -> None:
    """Open the page; fail on any console error, failed script or request beyond the page itself."""
    url = browser.open(page)
    assert browser.problems() == []
    assert browser.requests() == [url]
    folder = os.environ.get("RNNCLI_SCREENSHOTS")
    if folder:
        browser.screenshot(Path(folder) / f"report-{shot}.png", height=2200)


def charts_drawn(browser: Browser, tmp_path: Path, expected: int) -> None:
    """Every chart has a size, drawn lines and text, and pixels that are not all background."""
    from matplotlib.image import imread

    boxes = browser.evaluate(
        "Array.from(document.querySelectorAll('svg.chart')).map(s => { const r = s.getBoundingClientRect(); "
        "return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height, "
        "s.querySelectorAll('path').length, s.querySelectorAll('text').length]; })"
    )
    assert len(boxes) == expected
    for n, (x, y, width, height, paths, texts) in enumerate(boxes):
        assert width > 300 and height > 80 and paths > 3 and texts > 3, boxes[n]
        shot = tmp_path / f"chart-{n}.png"
        browser.capture(shot, x, y, width, height)
        pixels = imread(shot)[..., :3]
        inked = (pixels.min(axis=2) < 0.85).mean()
        assert inked > 0.01, f"chart {n} is blank ({inked:.2%} of its pixels drawn)"


def cells(browser: Browser, table: str) -> list[list[str]]:
    return browser.evaluate(
        f"Array.from(document.querySelectorAll('#{table} tbody tr')).map(r => "
        "Array.from(r.cells).map(c => c.textContent))"
    )


@needs_browser
def test_a_run_report_renders_every_chart_with_the_numbers_of_summary_json(made, browser, tmp_path):
    opened(browser, made["pages"]["run"], "run")
    summary = json.loads((made["run"] / "summary.json").read_text())
    test = summary["test"]
    scores = cells(browser, "scores-table")
    assert scores[0][0] == f"served: {test['served']['label']}"
    assert scores[0][1:] == [fmt(test["model"][m]) for m in ("mae", "rmse", "mape", "smape", "mase")]
    baseline_rows = {row[0]: row[1:] for row in scores[1:]}
    assert baseline_rows["linear AR"] == [
        fmt(test["baselines"]["linear_ar"][m]) for m in ("mae", "rmse", "mape", "smape", "mase")
    ]
    text = browser.evaluate("document.body.innerText")
    assert f"{test['intervals']['coverage']:.1%}" in text
    for line in summary["verdict"]:
        assert line in text
    sections = browser.evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id)")
    assert sections == ["overview", "scores", "intervals", "forecasts", "training", "data", "config"]
    epochs = cells(browser, "epochs-table")
    assert [row[0] for row in epochs] == ["1", "2"]
    # the MASE bars, one forecast against actual values, the loss, the splits on a time axis
    charts_drawn(browser, tmp_path, 4)


@needs_browser
def test_a_panel_report_draws_the_first_best_and_worst_series_and_tables_every_series(
    made, browser, tmp_path
):
    opened(browser, made["pages"]["panel"], "panel")
    summary = json.loads((made["panel"] / "summary.json").read_text())
    rows = {row[0]: row for row in cells(browser, "series-table")}
    assert set(rows) == {"temp_max", "temp_min"}
    for name, row in rows.items():
        assert row[3] == fmt(summary["test"]["per_series"][name]["model"]["mase"])
    headings = browser.evaluate(
        "Array.from(document.querySelectorAll('#forecasts h3')).map(h => h.textContent)"
    )
    assert len(headings) == 2 and "the first series" in headings[0]
    assert re.search(r"the (best|worst), by MASE", headings[1])
    info = browser.evaluate("document.querySelector('#series .info').textContent")
    assert info == "2 of 2 rows, page 1 of 1"
    browser.evaluate(
        "const box = document.querySelector('#series input'); box.value = 'min'; "
        "box.dispatchEvent(new Event('input'))"
    )
    assert [row[0] for row in cells(browser, "series-table")] == ["temp_min"]
    charts_drawn(browser, tmp_path, 5)


@needs_browser
def test_a_backtest_report_shows_each_fold_its_coverage_and_the_verdict(made, browser, tmp_path):
    opened(browser, made["pages"]["backtest"], "backtest")
    scores = json.loads((made["backtest"] / "backtest.json").read_text())
    folds = cells(browser, "folds-table")
    assert [row[0] for row in folds] == ["1", "2"]
    for row, fold in zip(folds, scores["folds"]):
        assert row[5] == fmt(fold["model"]["mase"])
    coverage = cells(browser, "coverage-table")
    assert [row[1] for row in coverage] == [fmt(f["intervals"]["coverage"]) for f in scores["folds"]]
    assert scores["comparison"]["verdict"] in browser.evaluate("document.body.innerText")
    charts_drawn(browser, tmp_path, 3)  # MASE per fold, coverage per fold, the folds on a time axis


@needs_browser
def test_a_folder_report_lists_every_run_with_a_chart_of_the_score_sorted_by(made, browser, tmp_path):
    opened(browser, made["pages"]["runs"], "runs")
    rows = cells(browser, "runs-table")
    assert len(rows) == 4  # the run, the panel's run and the backtest's two folds
    maes = [float(row[9]) for row in rows]
    assert maes == sorted(maes)
    charts_drawn(browser, tmp_path, 1)


def test_the_page_loads_nothing_and_escapes_what_it_shows(made):
    page = made["pages"]["run"].read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script src" not in page and "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # only the charts' own clip paths


def test_an_existing_report_is_kept_unless_forced_and_none_goes_inside_a_run_folder(made, cli, tmp_path):
    page = tmp_path / "r.html"
    page.write_text("mine")
    refused = cli("report", made["run"], "--output", page)
    assert refused.code == 2 and "exists; add --force" in refused.err and page.read_text() == "mine"
    assert cli("report", made["run"], "--output", page, "--force").code == 0
    assert page.read_text().startswith("<!DOCTYPE html>")
    inside = cli("report", made["run"], "--output", made["run"] / "report.html")
    assert inside.code == 2 and "inside the run folder" in inside.err
    not_html = cli("report", made["run"], "--output", tmp_path / "r.csv")
    assert not_html.code == 2 and "ending in .html" in not_html.err


def test_a_report_without_its_data_still_shows_the_run_and_says_why(tiny, cli, tmp_path):
    from rnncli import config
    from rnncli.pipeline.run import train_run

    cfg_path, csv, _ = tiny
    run = train_run(config.load(cfg_path, ["train.epochs=1"])).run_dir
    csv.unlink()
    assert cli("report", run, "--output", tmp_path / "a.html").code == 0
    page = (tmp_path / "a.html").read_text()
    assert "forecasts against actual values are not drawn" in page and "is not here" in page
    summary = json.loads((run / "summary.json").read_text())
    assert fmt(summary["test"]["model"]["mae"]) in page


def test_wrong_targets_get_one_line(cli, tmp_path):
    missing = cli("report", tmp_path / "nowhere")
    assert missing.code == 2 and "does not exist" in missing.err
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = cli("report", empty, "--output", tmp_path / "x.html")
    assert nothing.code == 2 and "holds no run folders" in nothing.err
    unfinished = tmp_path / "unfinished"
    (unfinished / "checkpoints").mkdir(parents=True)
    (unfinished / "config.yaml").write_text("name: x\n")
    stopped = cli("report", unfinished, "--output", tmp_path / "y.html")
    assert stopped.code == 2 and "has not finished" in stopped.err and "--resume" in stopped.err
