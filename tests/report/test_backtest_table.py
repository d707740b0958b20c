"""The backtest's fold table: daily data shows dates, data with times of day shows the times."""

from __future__ import annotations

from rich.console import Console

from rnncli.report.backtest_tables import folds


def _summary(stamps: list[tuple[str, str]]) -> dict:
    scores = {"mae": 1.0}
    rows = [
        {
            "fold": k + 1,
            "origin": origin,
            "test": [origin, last],
            "n_windows": 5,
            "model": scores,
            "baselines": {"persistence": scores},
        }
        for k, (origin, last) in enumerate(stamps)
    ]
    return {
        "folds": rows,
        "refit": True,
        "targets": ["y"],
        "horizon": 1,
        "mean": {"model": scores, "baselines": {"persistence": scores}},
        "std": {"model": scores, "baselines": {"persistence": scores}},
    }


def _render(summary: dict) -> str:
    console = Console(width=200, record=True)
    console.print(folds(summary))
    return console.export_text()


def test_daily_folds_show_dates_and_hourly_folds_show_times():
    daily = _render(
        _summary(
            [("2014-01-01 00:00:00", "2014-05-26 00:00:00"), ("2014-05-27 00:00:00", "2014-10-19 00:00:00")]
        )
    )
    assert "2014-01-01 " in daily and "2014-10-19 " in daily and "00:00:00" not in daily
    hourly = _render(
        _summary(
            [("2017-10-24 00:00:00", "2017-10-24 23:00:00"), ("2017-10-25 00:00:00", "2017-10-25 23:00:00")]
        )
    )
    assert "2017-10-24 00:00:00" in hourly and "2017-10-25 23:00:00" in hourly
