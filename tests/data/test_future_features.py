"""data.future_features: covariates known ahead. Trained on the file's values, forecast from the rows
after each series' last target value or from `predict --future FILE`; every way the future values
can be wrong is refused with the column, the series, the first missing timestamp and the steps
there; a value known for step t+k reaches only the forecasts of t+k and later, and no target value
after the origin reaches any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from rnncli.data.windows import Windows
from rnncli.model.forecaster import Forecaster, ModelArgs

AHEAD = 10  # rows after the last target value, with the future features filled


def shop_csv(path, ids=(None,), n=240, seed=0):
    """Daily sales driven by a promotion known ahead; the last AHEAD rows of each series have no sales."""
    rng = np.random.default_rng(seed)
    frames = []
    for key in ids:
        t = np.arange(n + AHEAD)
        promo = (rng.random(len(t)) < 0.2).astype(float)
        sales = 50 + 5 * np.sin(2 * np.pi * t / 7) + 30 * promo + rng.normal(0, 1, len(t))
        frame = pd.DataFrame(
            {"day": pd.date_range("2021-01-01", periods=len(t), freq="D").strftime("%Y-%m-%d")}
        )
        if key is not None:
            frame.insert(0, "store", key)
        frame["sales"], frame["promo"] = sales.round(3), promo
        frame.loc[n:, "sales"] = np.nan
        frames.append(frame)
    pd.concat(frames).to_csv(path, index=False)
    return path


def shop_config(tmp_path, csv, id_column=None):
    cfg = {
        "name": "shop",
        "data": {
            "path": str(csv),
            "time_column": "day",
            "target": ["sales"],
            "future_features": ["promo"],
            "id_column": id_column,
            "val_fraction": 0.15,
            "test_fraction": 0.15,
            "val_steps": None,
            "test_steps": None,
            "calendar": [],
            "transform": "none",
        },
        "window": {"lookback": 14, "horizon": 7},
        "model": {"cell": "gru", "hidden_size": 8, "normalize": "none", "segment": None, "select": "network"},
        "train": {"epochs": 2, "batch_size": 32, "lr": 0.01, "loss": "mse", "patience": 5, "refit": False},
        "output": {"dir": str(tmp_path / "runs")},
    }
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    from rnncli import config
    from rnncli.pipeline.run import train_run

    tmp = tmp_path_factory.mktemp("shop")
    csv = shop_csv(tmp / "shop.csv")
    run = train_run(config.load(str(shop_config(tmp, csv)))).run_dir
    panel_csv = shop_csv(tmp / "stores.csv", ids=("north", "south"))
    (tmp / "p").mkdir()
    panel = train_run(config.load(str(shop_config(tmp / "p", panel_csv, "store")))).run_dir
    return {"tmp": tmp, "csv": csv, "run": run, "panel_csv": panel_csv, "panel": panel}


def future_rows(csv, drop_column=None):
    frame = pd.read_csv(csv)
    future = frame[frame["sales"].isna()].drop(columns=["sales"])
    return future.drop(columns=[drop_column]) if drop_column else future


def forecast(cli, run, *args) -> pd.DataFrame:
    out = run.parent.parent.parent / f"f-{abs(hash(args))}.csv"
    result = cli("predict", run, "--output", out, "--force", *args)
    assert result.code == 0, result
    return pd.read_csv(out)


def test_the_forecast_reads_the_values_known_ahead_and_a_later_one_never_reaches_an_earlier_step(shop, cli):
    base = forecast(cli, shop["run"])
    assert len(base) == 7 and base["sales"].notna().all()
    frame = pd.read_csv(shop["csv"])
    ahead = frame.index[frame["sales"].isna()]
    frame.loc[ahead[4], "promo"] = 1 - frame.loc[ahead[4], "promo"]  # the value known for step 5
    changed = shop["tmp"] / "changed.csv"
    frame.to_csv(changed, index=False)
    moved = forecast(cli, shop["run"], "--data", changed)
    assert np.array_equal(moved["sales"][:4], base["sales"][:4])  # steps 1-4 never read step 5's value
    assert not np.isclose(moved["sales"][4], base["sales"][4])  # step 5 does
    from_file = shop["tmp"] / "future.csv"
    future_rows(shop["csv"]).to_csv(from_file, index=False)
    assert np.array_equal(forecast(cli, shop["run"], "--future", from_file)["sales"], base["sales"])


def test_the_head_is_causal_in_the_known_values_and_no_target_after_the_origin_is_an_input():
    torch.manual_seed(0)
    args = ModelArgs(
        input_size=3, n_targets=1, horizon=5, hidden_size=6, future_size=5 * 2, causal_future=True
    )
    model = Forecaster(args)
    x, future = torch.randn(4, 9, 3), torch.randn(4, 5, 2)
    base = model(x, future.flatten(1))
    for step in range(5):
        nudged = future.clone()
        nudged[:, step] += 10.0
        out = model(x, nudged.flatten(1))
        assert torch.equal(out[:, :step], base[:, :step])  # earlier steps never read it
        assert not torch.allclose(out[:, step], base[:, step])
    values = torch.randn(42, 3)  # target, one future feature, one more known column
    starts = torch.tensor([0, 14, 28])  # windows of 9 + 5 rows that do not overlap
    windows = Windows(values, lookback=9, horizon=5, n_targets=1, many_to_many=False, n_known=2)
    x, y, known = windows.batch(starts)
    after = values.clone()
    for start in starts.tolist():
        after[start + 9 : start + 14, 0] = 1e6  # every target value after each origin
    x2, y2, known2 = Windows(after, 9, 5, 1, False, 2).batch(starts)
    assert torch.equal(x, x2) and torch.equal(known, known2) and not torch.equal(y, y2)


def test_missing_short_misaligned_or_empty_future_values_are_refused_naming_what_and_where(shop, cli):
    tmp, run = shop["tmp"], shop["run"]
    too_far = cli("predict", run, "--horizon", AHEAD + 2)
    assert too_far.code == 2
    assert (
        "no value of future feature 'promo' at 2021-09-08" in too_far.err and f"{AHEAD} of the" in too_far.err
    )
    assert f"--horizon {AHEAD}" in too_far.err
    cases = {
        "short": future_rows(shop["csv"]).iloc[:3],
        "shifted": future_rows(shop["csv"]).assign(day=lambda f: f["day"] + " 12:00"),
        "empty": future_rows(shop["csv"]).assign(promo=lambda f: f["promo"].where(f.index != f.index[2])),
        "absent": future_rows(shop["csv"], drop_column="promo").assign(other=1),
    }
    expected = {
        "short": "no value of future feature 'promo' at 2021-09-01 00:00:00 (step 4 after the data's end",
        "shifted": "has a row at 2021-08-29 12:00:00, which is not one of its steps",
        "empty": "no value of future feature 'promo' at 2021-08-31 00:00:00 (step 3",
        "absent": "column 'promo' is not in",
    }
    for name, frame in cases.items():
        path = tmp / f"{name}.csv"
        frame.to_csv(path, index=False)
        refused = cli("predict", run, "--future", path)
        assert refused.code == 2 and expected[name] in refused.err, (name, refused.err)
        assert "Traceback" not in refused.err


def test_a_series_missing_from_the_future_file_is_named(shop, cli):
    path = shop["tmp"] / "north-only.csv"
    rows = future_rows(shop["panel_csv"])
    rows[rows["store"] == "north"].to_csv(path, index=False)
    refused = cli("predict", shop["panel"], "--future", path)
    assert refused.code == 2 and "has no rows for series 'south'" in refused.err
    both = shop["tmp"] / "both.csv"
    rows.to_csv(both, index=False)
    made = forecast(cli, shop["panel"], "--future", both)
    assert sorted(made["store"].unique()) == ["north", "south"] and len(made) == 14


def test_future_values_for_a_model_without_future_features_are_refused(tiny, cli):
    from rnncli import config
    from rnncli.pipeline.run import train_run

    run = train_run(config.load(tiny[0], ["train.epochs=1"])).run_dir
    refused = cli("predict", run, "--future", tiny[1])
    assert refused.code == 2 and "reads none" in refused.err


def test_the_checkpoint_and_inspect_record_which_columns_are_known_ahead(shop, cli):
    from rnncli.artifacts.trained import open_trained

    trained = open_trained(shop["run"])
    assert trained.schema.future_features == ("promo",) and trained.model.args.causal_future
    shown = cli("inspect", shop["run"])
    assert shown.code == 0 and "known ahead: promo" in shown.out


def test_evaluate_scores_with_the_files_future_values_and_the_data_ends_at_the_last_target(shop, cli):
    import json

    summary = json.loads((shop["run"] / "summary.json").read_text())
    assert summary["data"]["filled"] == 0  # the rows after the last sales value were not filled in
    scored = cli("evaluate", shop["run"], "--output", shop["tmp"] / "e.json", "--force")
    assert scored.code == 0, scored
    assert json.loads((shop["tmp"] / "e.json").read_text())["model"]["mae"] == pytest.approx(
        summary["test"]["model"]["mae"]
    )


def test_init_proposes_the_columns_with_values_after_the_target_as_known_ahead(shop, cli):
    import yaml as _yaml

    tmp = shop["tmp"]
    made = cli("init", shop["csv"], "--horizon", "7", "--target", "sales", "--output", tmp / "init.yaml")
    assert made.code == 0 and "known ahead: promo" in made.out
    written = (tmp / "init.yaml").read_text()
    assert "future_features: [promo]" in written and f"values on the {AHEAD} rows after" in written
    assert _yaml.safe_load(written)["data"]["future_features"] == ["promo"]
    named = cli("init", shop["csv"], "--target", "sales", "--feature", "promo", "--output", tmp / "past.yaml")
    loaded = _yaml.safe_load((tmp / "past.yaml").read_text())["data"]
    assert named.code == 0 and loaded["features"] == ["promo"] and "future_features" not in loaded
    wrong = cli(
        "init", shop["csv"], "--target", "sales", "--future-feature", "nope", "--output", tmp / "x.yaml"
    )
    assert wrong.code == 2 and "--future-feature nope: not a column of the file" in wrong.err


def test_init_leaves_a_row_number_out_of_the_columns_known_ahead(shop, cli):
    import yaml as _yaml

    frame = pd.read_csv(shop["csv"])
    frame.insert(1, "row", range(len(frame)))  # filled on the rows ahead too, as an index is
    path = shop["tmp"] / "indexed.csv"
    frame.to_csv(path, index=False)
    made = cli("init", path, "--horizon", "7", "--target", "sales", "--output", shop["tmp"] / "indexed.yaml")
    written = (shop["tmp"] / "indexed.yaml").read_text()
    assert made.code == 0 and _yaml.safe_load(written)["data"]["future_features"] == ["promo"]
    assert "row (a counter (0, 1, 2, ...), not a measurement)" in written
