"""Text (categorical) columns as past, future or static features, and static features: categories
found in the training rows only and kept in the checkpoint, a category the model does not know read
as none of them (and noted), static values constant within a series (refused naming the series
where not) and scaled across series."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import write_config

DAYS = 200
AHEAD = 7  # rows after the last sales value, with the promotion known ahead


def shops_csv(path, late_kind=None):
    """Three stores: sales lift with the promotion of the day (text: none, tv, radio), a store's size
    (constant) sets its level, its kind (text, constant) nothing; the weather (text) is a past
    feature. `late_kind`: a promotion that first appears in the last 10 days of data."""
    rng = np.random.default_rng(0)
    frames = []
    for store, size, kind in (("a", 100.0, "big"), ("b", 40.0, "small"), ("c", 70.0, "big")):
        n = DAYS + AHEAD
        promo = rng.choice(["none", "tv", "radio"], size=n, p=[0.6, 0.2, 0.2]).astype(object)
        if late_kind:
            promo[DAYS - 10 : DAYS - 5] = late_kind
        lift = np.select([promo == "tv", promo == "radio"], [30.0, 12.0], 0.0)
        t = np.arange(n)
        sales = size + 10 * np.sin(2 * np.pi * t / 7) + lift + rng.normal(0, 2, n)
        frame = pd.DataFrame(
            {
                "date": pd.date_range("2022-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                "store": store,
                "sales": sales.round(2),
                "promo": promo,
                "weather": rng.choice(["sun", "rain"], size=n),
                "size": size,
                "kind": kind,
            }
        )
        frame.loc[DAYS:, ["sales", "weather"]] = np.nan
        frames.append(frame)
    pd.concat(frames).to_csv(path, index=False)
    return path


def shops_config(tmp, csv, **data):
    return write_config(
        tmp / "shops.yaml",
        csv,
        tmp / "runs",
        data={
            "target": "sales",
            "id_column": "store",
            "features": ["weather"],
            "future_features": ["promo"],
            "static_features": ["size", "kind"],
            "categorical": ["weather", "promo", "kind"],
            "val_fraction": 0.15,
            "test_fraction": 0.15,
            **data,
        },
        window={"lookback": 14, "horizon": 3, "mode": "many_to_one"},
        model={"cell": "gru", "hidden_size": 16},
        train={"epochs": 25, "lr": 0.01},
    )


@pytest.fixture(scope="module")
def shops(tmp_path_factory):
    from rnncli import config
    from rnncli.pipeline.run import train_run

    tmp = tmp_path_factory.mktemp("shops")
    csv = shops_csv(tmp / "shops.csv", late_kind="flyer")
    run = train_run(config.load(str(shops_config(tmp, csv)))).run_dir
    return {"tmp": tmp, "csv": csv, "run": run}


def forecast(cli, run, out, *args) -> pd.DataFrame:
    result = cli("predict", run, "--output", out, "--force", *args)
    assert result.code == 0, result
    return pd.read_csv(out), result


def test_categories_come_from_the_training_rows_only_and_travel_in_the_checkpoint(shops, cli):
    from rnncli.artifacts.trained import open_trained

    trained = open_trained(shops["run"])
    levels = dict(zip(trained.schema.categorical, trained.schema.levels))
    # 'flyer' appears only in the last rows (the test part): the model has no column for it
    assert levels == {"weather": ("rain", "sun"), "promo": ("none", "radio", "tv"), "kind": ("big", "small")}
    assert trained.schema.static_features == ("size", "kind")
    # targets and numeric features, then the 0/1 columns of the past categories, the known ones last
    assert trained.model.args.input_size == 1 + 2 + 3 + 1 + 2
    summary = json.loads((shops["run"] / "summary.json").read_text())
    assert summary["test"]["covariates"] == {
        "past": ["weather"],
        "known_ahead": ["promo"],
        "static": ["size", "kind"],
    }
    shown = cli("inspect", shops["run"])
    assert shown.code == 0 and "'flyer'" not in shown.out


def test_the_network_reads_the_categories_known_ahead(shops, cli):
    tmp = shops["tmp"]
    made = {}
    for name, promos in (("none", ["none"] * 3), ("tv", ["tv", "none", "tv"])):
        frame = pd.read_csv(shops["csv"])
        ahead = frame.index[frame["sales"].isna() & (frame["store"] == "a")][:3]
        frame.loc[ahead, "promo"] = promos
        frame.to_csv(tmp / f"{name}.csv", index=False)
        made[name], _ = forecast(cli, shops["run"], tmp / f"{name}-f.csv", "--data", tmp / f"{name}.csv")
    a = {name: f[f["store"] == "a"]["sales"].to_numpy() for name, f in made.items()}
    # a TV day lifts store a's sales by about 30: its forecast rises on the TV days only
    assert a["tv"][0] - a["none"][0] > 10 and a["tv"][2] - a["none"][2] > 10
    assert abs(a["tv"][1] - a["none"][1]) < 10
    others = [f[f["store"] != "a"]["sales"].to_numpy() for f in made.values()]
    assert np.array_equal(*others)


def test_a_category_the_model_does_not_know_reads_as_none_and_is_noted_once(shops, cli):
    tmp = shops["tmp"]
    future = pd.read_csv(shops["csv"])
    future = future[future["sales"].isna()][["date", "store", "promo"]]
    future["promo"] = "flyer"
    path = tmp / "flyer.csv"
    future.to_csv(path, index=False)
    made, result = forecast(cli, shops["run"], tmp / "f.csv", "--future", path)
    assert result.out.count("1 category not in the training rows ('flyer')") == 1
    future["promo"] = "leaflet"  # another unknown one: read the same way, as none of the known ones
    future.to_csv(path, index=False)
    again, _ = forecast(cli, shops["run"], tmp / "g.csv", "--future", path)
    assert np.array_equal(made["sales"].to_numpy(), again["sales"].to_numpy())


def test_a_static_feature_that_changes_within_a_series_is_refused_naming_it(tmp_path, cli):
    csv = shops_csv(tmp_path / "s.csv")
    frame = pd.read_csv(csv)
    frame.loc[(frame["store"] == "b") & (frame["date"] == "2022-03-01"), "size"] = 45.0
    frame.to_csv(csv, index=False)
    refused = cli("train", shops_config(tmp_path, csv))
    assert refused.code == 2
    assert (
        "static feature 'size' must hold one value per series, but series 'b' has 40 at 2022-01-01"
        in refused.err
    )
    assert "45 at 2022-03-01" in refused.err and "Traceback" not in refused.err


def test_a_text_column_not_listed_as_categorical_is_refused_saying_how_to_read_it(tmp_path, cli):
    csv = shops_csv(tmp_path / "s.csv")
    refused = cli("train", shops_config(tmp_path, csv, categorical=["promo", "kind"]))
    assert refused.code == 2
    assert "column 'weather' must be numeric" in refused.err and "data.categorical" in refused.err
    frame = pd.read_csv(csv)
    frame["weather"] = [f"w{k}" for k in range(len(frame))]  # a name per row, not a kind
    frame.to_csv(csv, index=False)
    many = cli("train", shops_config(tmp_path, csv))
    assert many.code == 2 and "categorical column 'weather' holds" in many.err and "at most 200" in many.err


def test_reading_gives_each_category_one_index_across_chunks_and_fills_gaps_with_the_last_one(tmp_path):
    from rnncli.data import categories, reading, timeseries
    from rnncli.data.series import Schema

    path = tmp_path / "w.csv"
    weather = ["sun", "rain", "", "", "fog", "sun", "rain", "fog"]
    pd.DataFrame(
        {"t": pd.date_range("2022-01-01", periods=8).strftime("%Y-%m-%d"), "y": range(8), "w": weather}
    ).to_csv(path, index=False)
    schema = Schema(str(path), "t", ("y",), ("w",), categorical=("w",), max_fill=0.3)
    vocabulary = categories.Vocabulary()
    chunks = list(reading.read(schema, chunk_rows=3, vocabulary=vocabulary))
    codes = np.concatenate([c.values[:, 1] for c in chunks])
    names = vocabulary.levels["w"]
    assert [names[int(c)] if np.isfinite(c) else "" for c in codes] == weather
    (series,) = timeseries.load(schema)
    filled = [series.levels["w"][int(c)] for c in series.values[:, 1]]
    assert filled == ["sun", "rain", "rain", "rain", "fog", "sun", "rain", "fog"]  # carried, not interpolated


def test_static_values_are_scaled_across_series_and_categories_not_at_all(tmp_path):
    from rnncli.data.rows import column_names
    from rnncli.data.series import Schema
    from rnncli.data.windows import WindowSpec
    from tests.helpers import prepare_file

    csv = shops_csv(tmp_path / "s.csv")
    schema = Schema(
        str(csv),
        "date",
        ("sales",),
        (),
        id_column="store",
        future_features=("promo",),
        static_features=("size", "kind"),
        categorical=("promo", "kind"),
    )
    spec = WindowSpec(14, 3, False, 0.15, 0.15)
    prepared = prepare_file(schema, spec, "standard")
    names = column_names(prepared.schema, spec, prepared.masked)
    assert names == ["sales", "promo=none", "promo=radio", "promo=tv", "size", "kind=big", "kind=small"]
    values = prepared.windows.values.numpy()
    starts = prepared.layout.offsets[:-1]
    size = values[starts, names.index("size")]
    assert len(set(np.round(size, 5))) == 3 and abs(size.mean()) < 1.5  # apart, on one shared scale
    onehot = values[:, 1:4]
    assert set(np.unique(onehot)) <= {0.0, 1.0} and (onehot.sum(axis=1) <= 1).all()
    assert (values[starts, names.index("kind=big")] == [1, 0, 1]).all()


def test_the_export_sidecar_and_inspect_name_each_category_column(shops, cli):
    from rnncli.artifacts.serving import describe
    from rnncli.artifacts.trained import open_trained

    told = describe(open_trained(shops["run"]), "onnx", ["x", "future"])
    assert told["columns"] == [
        "sales",
        "weather=rain",
        "weather=sun",
        "promo=none",
        "promo=radio",
        "promo=tv",
        "size",
        "kind=big",
        "kind=small",
    ]
    assert told["categories"]["levels"]["promo"] == ["none", "radio", "tv"] and told["static"] == [
        "size",
        "kind",
    ]
    shown = cli("inspect", shops["run"])
    assert "per series: size, kind" in shown.out and "promo: 3 categories (none, radio, tv)" in shown.out
