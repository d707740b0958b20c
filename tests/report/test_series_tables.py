"""Tables with a row per series stay a screen long: the first and the worst, and where the rest are."""

import pandas as pd
from rich.console import Console

from rnncli.report import series_tables


def text(table) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def metrics(n: int) -> dict:
    names = ["model", "persistence", "seasonal_naive", "linear_ar", "theta"]
    per = {}
    for k in range(n):
        # 9, 7 and 11 lose to persistence (MAE 1.5 against 1.0)
        model = 2.0 if k in (7, 11) else 1.0 if k != 9 else 3.0
        per[f"S{k:02d}"] = {
            "n_windows": 4,
            "model": {"mae": model * 10 ** (k % 3)},
            "baselines": {b: {"mae": 1.0 * 10 ** (k % 3)} for b in names[1:]},
        }
    return {"per_series": per, "mean_over_series": {b: {"mae": 1.0} for b in names}}


def test_a_few_series_are_all_shown():
    shown = text(series_tables.per_series(metrics(10)))
    assert all(f"S{k:02d}" in shown for k in range(10)) and "series shown" not in shown


def test_many_series_show_the_first_five_and_the_five_worst_against_persistence_worst_first():
    assert series_tables.shown(30, [float(k % 4) for k in range(30)])[:5] == [0, 1, 2, 3, 4]
    picked = series_tables.shown(40, [3.0 if k == 9 else 2.0 if k in (7, 11) else 1.0 for k in range(40)])
    assert picked[:8] == [0, 1, 2, 3, 4, 9, 7, 11] and len(picked) == 10
    shown = text(series_tables.per_series(metrics(40)))
    rows = [line.split("│")[1].strip() for line in shown.splitlines() if line.startswith("│ S")]
    assert rows[:8] == ["S00", "S01", "S02", "S03", "S04", "S09", "S07", "S11"] and len(rows) == 10
    assert (
        "10 of 40 series shown: the first 5 and the 5 where the model's MAE is highest against persistence's"
        in shown
    )
    assert "mean over 40 series" in shown and "every series is in the JSON (--output FILE.json)" in shown


def test_a_forecast_of_many_series_shows_the_first_five_and_says_where_all_rows_are():
    frame = pd.DataFrame(
        {
            "id": [f"S{k:02d}" for k in range(30) for _ in range(3)],
            "date": list(pd.date_range("2024-01-01", periods=3)) * 30,
            "y": range(90),
        }
    ).astype({"y": float})
    shown = text(series_tables.forecast(frame, None, frame["id"], "out.csv"))
    assert "the first 5 of 30 series shown (15 rows); all 90 rows are in out.csv" in shown
    assert "S04" in shown and "S05" not in shown
    assert "write all of them with --output FILE.csv" in text(
        series_tables.forecast(frame, None, frame["id"])
    )
    few = frame[frame["id"] < "S10"]
    assert "series shown" not in text(series_tables.forecast(few, None, few["id"]))
