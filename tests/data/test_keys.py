"""Keys of several columns (data.id_column: [Region, Purpose]): init finds the smallest set of text
columns that makes (key, time) unique, every output names a series by its key columns' values,
and the forecast CSV has one column per key column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml


def tourism_csv(path, quarters=40):
    """Quarterly trips by region, state and purpose: the state follows the region, so (region,
    purpose) is the key."""
    rng, rows = np.random.default_rng(1), []
    starts = pd.date_range("2008-01-01", periods=quarters, freq="QS")
    for region, state in (("Sydney", "NSW"), ("Melbourne", "VIC")):
        for purpose in ("Holiday", "Business", "Visiting"):
            level = rng.uniform(100, 1000)
            for i, start in enumerate(starts):
                trips = level * (1 + 0.2 * np.sin(2 * np.pi * i / 4)) + rng.normal(0, level * 0.05)
                rows.append((start.strftime("%Y-%m-%d"), region, state, purpose, round(trips, 1)))
    pd.DataFrame(rows, columns=["Quarter", "Region", "State", "Purpose", "Trips"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    from rnncli.entry import main

    tmp = tmp_path_factory.mktemp("keys")
    csv = tourism_csv(tmp / "tourism.csv")
    config = tmp / "tourism.yaml"
    for args in (
        ["init", csv, "--horizon", "4", "--output", config],
        ["train", config, "train.epochs=2", f"output.dir={tmp / 'runs'}", "--quiet"],
    ):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            assert exc.code in (0, None)
    return tmp, csv, config, next((tmp / "runs" / "tourism").glob("2*"))


def test_init_finds_the_smallest_key_of_text_columns(keyed):
    _, _, config, _ = keyed
    written = config.read_text()
    assert yaml.safe_load(written)["data"]["id_column"] == ["Region", "Purpose"]
    assert "tell the series apart together: no fewer columns do" in written


def test_the_forecast_has_one_column_per_key_column_and_tables_name_series_by_their_key(keyed, cli):
    tmp, _, _, run = keyed
    out = tmp / "forecast.csv"
    result = cli("predict", run, "--output", out)
    assert result.code == 0, result
    frame = pd.read_csv(out)
    assert list(frame.columns[:3]) == ["Region", "Purpose", "Quarter"]
    assert len(frame.groupby(["Region", "Purpose"])) == 6 and len(frame) == 6 * 4
    assert set(frame["Region"]) == {"Sydney", "Melbourne"}
    scored = cli("evaluate", run)
    assert scored.code == 0 and "Sydney / Holiday" in scored.out


def test_a_key_value_holding_the_joining_mark_is_refused_by_line(keyed, tmp_path, cli):
    _, csv, config, _ = keyed
    frame = pd.read_csv(csv)
    frame.loc[5, "Purpose"] = "Holiday / Leisure"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    result = cli("check", config, f"data.path={bad}")
    assert result.code == 2 and "id column 'Purpose' holds 'Holiday / Leisure' at line 7" in result.err


def test_a_key_naming_a_column_twice_or_a_target_is_refused(keyed, cli):
    _, _, config, _ = keyed
    for value in ("[Region, Region]", "[Region, Trips]", "[]"):
        result = cli("check", config, f"data.id_column={value}")
        assert result.code == 2 and "data.id_column" in result.err, (value, result.err)
