"""rnncli init with --target reads the other columns as a forecaster would: per-series attributes as
static features, columns with values after the target's end as known ahead, text as categories,
and the rest as past features where the validation part says they help, each with its reason; what
it writes trains and backtests with nothing edited."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from tests.data.test_categories import shops_csv


def test_a_panel_with_attributes_text_and_values_known_ahead_goes_from_init_to_a_backtest(tmp_path, cli):
    csv = shops_csv(tmp_path / "shops.csv")
    out = tmp_path / "shops.yaml"
    made = cli("init", csv, "--target", "sales", "--horizon", "3", "--output", out)
    assert made.code == 0, made
    text = out.read_text()
    data = yaml.safe_load(text)["data"]
    assert data["static_features"] == ["size", "kind"] and data["future_features"] == ["promo"]
    assert set(data["categorical"]) >= {"promo", "kind"} and data["id_column"] == "store"
    assert "constant within every series" in text and "known ahead of the forecast" in text
    assert "per series: size, kind" in made.out
    # the weather is noise here: a past feature only where the validation part says it helps
    assert "weather" in data["features"] or "weather (not kept as a past feature" in text
    done = cli("backtest", out, "--folds", "2", "train.epochs=2")
    assert done.code == 0, done
    assert "linear AR + covariates" in done.out


def informative(path, n=400, seed=0):
    """y follows yesterday's driver closely; noise is nothing but noise."""
    rng = np.random.default_rng(seed)
    driver = rng.normal(0, 1, n)
    y = 10 + 3 * np.roll(driver, 1) + rng.normal(0, 0.2, n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "y": y.round(3),
            "driver": driver.round(3),
            "noise": rng.normal(0, 1, n).round(3),
            "label": [f"row {k}" for k in range(n)],  # a name per row: not a category
            "zero": 0,
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_the_validation_part_keeps_the_column_that_helps_and_leaves_out_noise_with_its_reason(tmp_path, cli):
    out = tmp_path / "y.yaml"
    made = cli("init", informative(tmp_path / "y.csv"), "--target", "y", "--output", out)
    assert made.code == 0, made
    text = out.read_text()
    data = yaml.safe_load(text)["data"]
    assert data["features"] == ["driver"]
    assert "validation MAE of a linear AR with the covariates" in text
    assert "noise (not kept as a past feature (no help" in text
    assert "label (text of 400 values: names, not categories)" in text and "zero (constant)" in text


def test_covariates_named_on_the_command_line_are_taken_as_given_text_ones_as_categories(tmp_path, cli):
    csv = shops_csv(tmp_path / "shops.csv")
    out = tmp_path / "named.yaml"
    made = cli(
        "init", csv, "--target", "sales", "--feature", "weather", "--static-feature", "size", "--output", out
    )
    assert made.code == 0, made
    data = yaml.safe_load(out.read_text())["data"]
    assert data["features"] == ["weather"] and data["static_features"] == ["size"]
    assert "future_features" not in data and data["categorical"] == ["weather"]
    varying = cli(
        "init", csv, "--target", "sales", "--static-feature", "promo", "--output", tmp_path / "v.yaml"
    )
    assert varying.code == 2 and "static feature 'promo' must hold one value per series" in varying.err
    unknown = cli("init", csv, "--target", "sales", "--feature", "nope", "--output", tmp_path / "u.yaml")
    assert unknown.code == 2 and "--feature nope" in unknown.err
