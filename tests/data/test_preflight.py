"""`rnncli check`: the preflight that trains nothing, and the same checks before training."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from helpers import write_config, write_csv

from rnncli import config
from rnncli.data.preflight import review
from rnncli.pipeline.inputs import prepared_of

ROOT = Path(__file__).resolve().parents[2]  # the project: tests/<package>/this file


def rows(out: str) -> list[list[str]]:
    """The body rows of the rich tables printed in `out`, as lists of cell texts."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in out.splitlines()
        if line.startswith("│")
    ]


def test_check_summarises_each_series(cli, tiny):
    result = cli("check", tiny[0])
    assert result.code == 0, result
    assert "1 series, frequency D, season 7" in result.out
    assert rows(result.out) == [
        ["-", "2021-01-01", "2021-08-28", "240", "0", "178", "24", "24"],  # rows, filled, windows
        ["-", "train", "2021-01-01", "2021-07-11", "192", "178"],  # each part: first, last, rows, windows
        ["-", "val", "2021-07-12", "2021-08-04", "24", "24"],
        ["-", "test", "2021-08-05", "2021-08-28", "24", "24"],
    ]
    assert "ok: training would run" in result.out
    assert not tiny[2].exists()  # nothing trained, nothing written


def test_check_reports_filled_values_per_series_and_features(cli, tmp_path):
    csv = write_csv(tmp_path / "s.csv", features=("x",), drop=(10, 11, 50))
    cfg = write_config(
        tmp_path / "c.yaml", csv, tmp_path / "runs", data={"features": ["x"], "calendar": ["dayofweek"]}
    )
    result = cli("check", cfg)
    assert result.code == 0 and rows(result.out)[0][4] == "6"  # 3 missing days in 2 columns
    assert "features: x; calendar: dayofweek" in result.out
    assert (
        "warning: filled 6 missing values (3 missing timestamps) by interpolate (1.2% of the series)"
        in result.out
    )


def test_check_warns_about_short_parts_constant_columns_and_outliers(tmp_path):
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2021-01-01", periods=150).strftime("%Y-%m-%d"),
            "y": np.sin(np.arange(150) / 3),
            "flat": 1.0,
        }
    )
    frame.loc[100, "y"] = 1e4
    frame.to_csv(tmp_path / "w.csv", index=False)
    cfg = config.load(
        write_config(tmp_path / "c.yaml", tmp_path / "w.csv", tmp_path / "runs", data={"features": ["flat"]})
    )
    warnings = review(prepared_of(cfg)).warnings
    assert any(
        "only 15 val windows: its val scores will be noisy" in w and "data.val_fraction" in w
        for w in warnings
    )
    assert any("column 'flat' is constant in the training part" in w for w in warnings)
    assert any(
        "1 value of target 'y' lie beyond 10 standard deviations (the first 10000 at 2021-04-11" in w
        for w in warnings
    )


def test_train_shows_the_same_warnings(cli, tmp_path):
    csv = write_csv(tmp_path / "s.csv", n=100)
    cfg = write_config(tmp_path / "c.yaml", csv, tmp_path / "runs")
    result = cli("train", cfg, "train.epochs=1", "-q")
    assert result.code == 0 and "warning: only 10 test windows: its test scores will be noisy" in result.err


def test_check_fails_like_training_would(cli, tmp_path):
    csv = write_csv(tmp_path / "s.csv", n=18)
    result = cli("check", write_config(tmp_path / "c.yaml", csv, tmp_path / "runs"))
    assert (
        result.code == 2
        and result.err.startswith("error: ")
        and "too few for window.lookback=14" in result.err
    )


def test_check_the_shipped_long_format_config(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = cli("check", "configs/seattle_temps_long.yaml")
    assert result.code == 0, result
    assert "2 series, frequency D, season 7" in result.out
    assert rows(result.out)[:2] == [
        ["temp_max", "2012-01-01", "2015-12-31", "1461", "0", "1139", "146", "146"],
        ["temp_min", "2012-01-01", "2015-12-31", "1461", "0", "1139", "146", "146"],
    ]
    assert rows(result.out)[2:5] == [
        ["temp_max", "train", "2012-01-01", "2015-03-14", "1169", "1139"],
        ["temp_max", "val", "2015-03-15", "2015-08-07", "146", "146"],
        ["temp_max", "test", "2015-08-08", "2015-12-31", "146", "146"],
    ]
    assert "calendar: dayofyear" in result.out


def test_long_format_config_is_the_bundled_data_reshaped():
    wide = pd.read_csv(ROOT / "data" / "seattle-weather.csv")
    long = pd.read_csv(ROOT / "data" / "seattle-temps-long.csv")
    for name in ("temp_max", "temp_min"):
        np.testing.assert_array_equal(
            long[long.series == name]["temperature"].to_numpy(), wide[name].to_numpy()
        )
    assert (
        yaml.safe_load((ROOT / "configs" / "seattle_temps_long.yaml").read_text())["data"]["id_column"]
        == "series"
    )
