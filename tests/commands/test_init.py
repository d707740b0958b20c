"""rnncli init: the layout it finds and the settings it chooses, on small hand-made CSVs, and that
what it writes trains."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from rnncli import config
from rnncli.commands.init import init
from rnncli.config import Config, schema
from rnncli.config.choices import DataFacts, choose
from rnncli.errors import RnnCliError


def write(path, frame: pd.DataFrame):
    frame.to_csv(path, index=False)
    return path


def seasonal(n: int, period: int, level: float = 50.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.round(level + 10 * np.sin(2 * math.pi * t / period) + rng.normal(0, 1, n), 3)


def written(tmp_path, name="out.yaml") -> dict:
    return yaml.safe_load((tmp_path / name).read_text())


def test_daily_one_series(tmp_path):
    csv = write(
        tmp_path / "daily.csv",
        pd.DataFrame(
            {
                "day": pd.date_range("2020-01-01", periods=800).strftime("%Y-%m-%d"),
                "visits": seasonal(800, 7),
                "note": "x",
            }
        ),
    )
    result = init(csv, 7, output=tmp_path / "out.yaml")
    cfg = written(tmp_path)
    assert (
        cfg["data"]["time_column"] == "day"
        and cfg["data"]["target"] == ["visits"]
        and "layout" not in cfg["data"]
    )
    assert cfg["window"] == {
        "lookback": 21,
        "horizon": 7,
        "mode": "many_to_one",
    }  # three horizons (two seasons would be 14)
    assert cfg["data"]["calendar"] == ["dayofweek", "dayofyear"]  # two years of days
    assert (cfg["data"]["val_fraction"], cfg["data"]["test_fraction"]) == (0.1, 0.1)
    text = (tmp_path / "out.yaml").read_text()
    assert (
        "# three horizons of 7" in text
        and "left out: note (text, not numbers)" in text
        and "frequency D, season 7" in text
    )
    assert result.summary[-1] == f"wrote {tmp_path / 'out.yaml'}; next: rnncli train {tmp_path / 'out.yaml'}"
    from rnncli.pipeline.inputs import prepared_of

    trained = len(prepared_of(config.load(tmp_path / "out.yaml")).index("train"))
    assert f"{trained:,} to train on: a small network" in text  # the comment counts what trains


def test_hourly_gets_two_seasons_segments_and_the_hour(tmp_path):
    csv = write(
        tmp_path / "h.csv",
        pd.DataFrame(
            {
                "stamp": pd.date_range("2021-01-01", periods=24 * 60, freq="h").strftime("%Y-%m-%d %H:%M"),
                "load": seasonal(24 * 60, 24),
            }
        ),
    )
    init(csv, 24, output=tmp_path / "out.yaml")
    cfg = written(tmp_path)
    assert (
        cfg["window"]["lookback"] == 168 and cfg["model"]["segment"] == 24
    )  # a week, in 7 segments of a day
    assert cfg["data"]["calendar"] == ["hour", "dayofweek"] and cfg["model"]["hidden_size"] == 32


def test_monthly_growth_is_logged(tmp_path):
    months = pd.date_range("2005-01-01", periods=144, freq="MS")
    sales = np.round(np.exp(np.arange(144) / 40) * (100 + 20 * np.sin(2 * math.pi * np.arange(144) / 12)), 2)
    init(
        write(tmp_path / "m.csv", pd.DataFrame({"month": months.strftime("%Y-%m"), "sales": sales})),
        12,
        output=tmp_path / "out.yaml",
    )
    cfg = written(tmp_path)
    assert cfg["data"]["transform"] == "log" and cfg["window"]["lookback"] == 36
    assert "grows" in (tmp_path / "out.yaml").read_text()


def test_a_column_of_years_is_the_time_column(tmp_path):
    years = pd.DataFrame({"year": np.arange(1871, 1971), "flow": seasonal(100, 9, level=900)})
    init(write(tmp_path / "y.csv", years), 6, output=tmp_path / "out.yaml")
    cfg = written(tmp_path)
    assert cfg["data"]["time_column"] == "year" and cfg["data"]["target"] == ["flow"]
    assert "its values are years; frequency YS-JAN, season 1" in (tmp_path / "out.yaml").read_text()
    counts = pd.DataFrame({"year": [1.5, 2.5, 3.5], "n": [1, 2, 3]})  # not years: refused, with the way out
    with pytest.raises(RnnCliError, match="give the time column with --time-column"):
        init(write(tmp_path / "c.csv", counts), 1, output=tmp_path / "c.yaml")


def test_long_file_with_an_id_column_and_a_short_series(tmp_path):
    frames = [
        pd.DataFrame(
            {
                "date": pd.date_range("2015-01-01", periods=n, freq="MS").strftime("%b %d %Y"),
                "shop": key,
                "units": seasonal(n, 12, seed=k),
            }
        )
        for k, (key, n) in enumerate({"a": 120, "b": 110, "c": 30}.items())
    ]
    csv = write(tmp_path / "l.csv", pd.concat(frames))
    result = init(csv, 6, output=tmp_path / "out.yaml")
    cfg = written(tmp_path)
    assert cfg["data"]["id_column"] == "shop" and cfg["data"]["target"] == ["units"]
    steps = 6 + math.ceil(50 / 3) - 1
    assert (cfg["data"]["val_steps"], cfg["data"]["test_steps"]) == (
        min(steps, 110 // 5),
        min(steps, 110 // 5),
    )
    assert "the values of 'shop' tell the series apart" in (tmp_path / "out.yaml").read_text()
    from rnncli.data import preflight
    from rnncli.pipeline.inputs import prepared_of

    warnings = preflight.review(
        prepared_of(config.load(tmp_path / "out.yaml"))
    ).warnings  # the 30-month series cannot hold two stretches of 22
    assert any("1 series of 3 too short" in w and "(c)" in w for w in warnings), warnings
    assert result.cfg.window.lookback == 24


def test_wide_file_and_its_counter_column(tmp_path):
    frame = pd.DataFrame(
        {
            "row": np.arange(100),
            "week": pd.date_range("2019-01-06", periods=100, freq="W-SUN").strftime("%Y-%m-%d"),
            "north": seasonal(100, 52),
            "south": seasonal(100, 52, seed=1),
            "east": seasonal(100, 52, seed=2),
        }
    )
    result = init(write(tmp_path / "w.csv", frame), 4, output=tmp_path / "out.yaml")
    cfg = written(tmp_path)
    assert cfg["data"]["layout"] == "wide" and cfg["data"]["target"] == ["north", "south", "east"]
    assert result.layout.left_out == {"row": "a counter (0, 1, 2, ...), not a measurement"}
    assert any("to forecast one from the others, name it: rnncli init" in line for line in result.summary)
    trained = config.load(tmp_path / "out.yaml")  # what init writes loads as a config of every key
    assert trained.data.layout == "wide" and trained.window.horizon == 4


def test_too_short_is_refused_with_what_would_fit(tmp_path):
    csv = write(
        tmp_path / "s.csv",
        pd.DataFrame(
            {
                "month": pd.date_range("2020-01-01", periods=36, freq="MS").strftime("%Y-%m-%d"),
                "y": seasonal(36, 12),
            }
        ),
    )
    with pytest.raises(RnnCliError, match="36 rows"):
        init(csv, 12, output=tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()
    init(
        csv, 3, output=tmp_path / "out.yaml"
    )  # a shorter horizon fits: the lookback shrinks to what the series holds
    assert written(tmp_path)["window"]["lookback"] <= 36


def test_init_never_overwrites(tmp_path):
    csv = write(
        tmp_path / "d.csv",
        pd.DataFrame(
            {"t": pd.date_range("2020-01-01", periods=100).strftime("%Y-%m-%d"), "y": seasonal(100, 7)}
        ),
    )
    (tmp_path / "out.yaml").write_text("mine")
    with pytest.raises(RnnCliError, match="exists already"):
        init(csv, 1, output=tmp_path / "out.yaml")
    assert (tmp_path / "out.yaml").read_text() == "mine"


def test_a_config_that_sets_a_key_keeps_it_and_gets_the_rest_from_the_data():
    facts = DataFacts("D", 7, 1, 1000, 1000, 1000, True, 1.0, 1000.0)
    chosen = choose(facts, 7, {"window.lookback": 60, "model.cell": "lstm"})
    assert "window.lookback" not in chosen and "model.cell" not in chosen
    assert (
        chosen["model.segment"][0] == 12 and "5 segments of 12 steps" in chosen["model.segment"][1]
    )  # from the given lookback
    assert (
        chosen["model.normalize"][0] == "last"
        and chosen["train.loss"][0] == "mae"
        and chosen["train.batch_size"][0] == 32
    )


def test_many_long_series_get_epochs_of_a_fixed_number_of_steps_and_a_small_set_every_window():
    big = DataFacts(
        "h", 24, 2000, 700, 2000, 4_000_000, True, 1.0, 100.0
    )  # 3.6 M windows (lookback 168): 14,125 batches of 256
    chosen = choose(big, 24, {})
    assert chosen["train.batch_size"][0] == 256 and chosen["train.steps_per_epoch"][0] == 2000
    assert "not all 14,125" in chosen["train.steps_per_epoch"][1] and chosen["train.epochs"][0] == 20
    small = choose(DataFacts("D", 7, 1, 1000, 1000, 1000, True, 1.0, 1000.0), 7, {})
    assert small["train.steps_per_epoch"][0] is None
    # keys that do not follow the data are not chosen: their defaults and reasons are the schema's
    assert "model.ensemble" not in small and "train.refit" not in small and "model.cell" not in small
    assert Config().model.ensemble == 1 and Config().train.refit is False and Config().model.cell == "gru"
    assert "K times the cost" in schema.doc("model.ensemble") and "every row" in schema.doc("train.refit")


def test_train_fills_what_a_minimal_config_leaves_out_and_writes_it_down(tmp_path, cli):
    csv = write(
        tmp_path / "d.csv",
        pd.DataFrame(
            {"t": pd.date_range("2020-01-01", periods=300).strftime("%Y-%m-%d"), "y": seasonal(300, 7)}
        ),
    )
    minimal = tmp_path / "min.yaml"
    minimal.write_text(
        yaml.safe_dump(
            {
                "name": "m",
                "data": {"path": str(csv), "time_column": "t", "target": "y"},
                "window": {"horizon": 3},
                "train": {"epochs": 1},
                "output": {"dir": str(tmp_path / "runs")},
            }
        )
    )
    shown = cli("train", minimal, "--print-config")
    assert (
        shown.code == 0
        and yaml.safe_load(shown.out)["window"]["lookback"] == 14
        and yaml.safe_load(shown.out)["train"]["epochs"] == 1
    )
    checked = cli("check", minimal)
    assert "chosen from the data: window.lookback=14 (two seasons of 7)" in checked.out


def test_a_many_to_many_config_with_a_long_lookback_gets_no_segments_and_trains(tmp_path, cli):
    """The README's hourly example (lookback 48, many_to_many, model.segment left out): segments
    have no output per step, so the defaults must not choose them there."""
    hours = pd.date_range("2023-01-01", periods=24 * 40, freq="h")
    csv = write(
        tmp_path / "h.csv",
        pd.DataFrame({"reading": seasonal(len(hours), 24), "stamp": hours.strftime("%Y-%m-%d %H:%M")}),
    )
    config = tmp_path / "h.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "h",
                "data": {"path": str(csv), "time_column": "stamp", "target": "reading"},
                "window": {"lookback": 48, "horizon": 6, "mode": "many_to_many"},
                "model": {"cell": "lstm", "hidden_size": 16},
                "train": {"epochs": 1},
                "output": {"dir": str(tmp_path / "runs")},
            }
        )
    )
    chosen = choose(
        DataFacts("h", 24, 1, 960, 960, 960, True, 1.0, 40.0),
        6,
        {"window.lookback": 48, "window.mode": "many_to_many"},
    )
    assert chosen["model.segment"][0] is None and "many-to-many" in chosen["model.segment"][1]
    assert chosen["model.normalize"][0] == "window"
    trained = cli("train", config, "-q")
    assert trained.code == 0, trained.out + trained.err
    assert (
        yaml.safe_load(next((tmp_path / "runs" / "h").glob("*/config.yaml")).read_text())["model"]["segment"]
        is None
    )


def test_the_defaults_fit_what_the_config_gives():
    """A given segment length gets a lookback of whole segments; given quantiles get the pinball loss."""
    facts = DataFacts("D", 7, 1, 1000, 1000, 1000, True, 1.0, 1000.0)
    chosen = choose(facts, 7, {"model.segment": 5})  # three horizons of 7 would be 21
    assert chosen["window.lookback"][0] == 25 and "whole segments of 5" in chosen["window.lookback"][1]
    quantile = choose(facts, 7, {"model.quantiles": [0.05, 0.5, 0.95]})
    assert quantile["train.loss"][0] == "pinball" and choose(facts, 7, {})["train.loss"][0] == "mae"


def test_a_file_whose_only_numbers_were_left_out_says_why_and_how_to_take_them(tmp_path, cli):
    csv = write(
        tmp_path / "c.csv",
        pd.DataFrame({"when": pd.date_range("2020-01-01", periods=60).strftime("%Y-%m-%d"), "x": [5.0] * 60}),
    )
    refused = cli("init", csv, "--horizon", "3", "--output", tmp_path / "c.yaml")
    assert (
        refused.code == 2
        and "no numeric column to forecast (left out: x: constant; name it with --target" in refused.err
    )


def test_a_time_format_given_to_init_finds_the_column_and_is_written(tmp_path, cli):
    days = pd.date_range("2023-01-01", periods=200, freq="D")
    (tmp_path / "doy.csv").write_text(
        "stamp,v\n" + "".join(f"{d.strftime('%Y/%j')},{i % 7 + i / 100}\n" for i, d in enumerate(days))
    )
    result = cli("init", tmp_path / "doy.csv", "--horizon", "6", "-o", tmp_path / "a.yaml")
    assert result.code == 2 and "--time-format (e.g. '%Y/%j')" in result.err
    given = cli(
        "init", tmp_path / "doy.csv", "--horizon", "6", "--time-format", "%Y/%j", "-o", tmp_path / "b.yaml"
    )
    assert given.code == 0, given
    text = (tmp_path / "b.yaml").read_text()
    assert "time_column: stamp" in text and "time_format: '%Y/%j'" in text
    assert cli("check", tmp_path / "b.yaml").code == 0
