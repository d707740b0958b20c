"""Long-format files: several series told apart by an id column, one global model."""

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from helpers import prepare_file

from rnncli import config
from rnncli.commands import evaluate, predict
from rnncli.data import timeseries
from rnncli.data.splits import split_rows
from rnncli.data.windows import WindowSpec
from rnncli.errors import RnnCliError
from rnncli.pipeline.run import train_run


def long_csv(path, lengths=None, starts=None):
    """Two series of different lengths and spans, rows interleaved and shuffled as real files are."""
    if starts is None:
        starts = {"b": "2021-01-01", "a": "2021-02-15", "c": "2021-03-01"}
    if lengths is None:
        lengths = {"b": 120, "a": 90}
    rng = np.random.default_rng(0)
    frames = []
    for key, n in lengths.items():
        t = np.arange(n)
        level = 100 if key == "a" else 10
        frames.append(
            pd.DataFrame(
                {
                    "day": pd.date_range(starts[key], periods=n, freq="D").strftime("%Y-%m-%d"),
                    "store": key,
                    "sales": np.round(level + 3 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.5, n), 3),
                }
            )
        )
    frame = pd.concat(frames).sample(frac=1, random_state=1)
    frame.to_csv(path, index=False)
    return path


def schema(path, **kw):
    return timeseries.Schema(str(path), "day", ("sales",), id_column="store", **kw)


def long_config(tmp_path, **data_keys):
    csv = long_csv(tmp_path / "long.csv")
    cfg = {
        "name": "long",
        "data": {
            "path": str(csv),
            "time_column": "day",
            "id_column": "store",
            "target": "sales",
            **data_keys,
        },
        "window": {"lookback": 14},
        "model": {"hidden_size": 8},
        "train": {"epochs": 2, "lr": 0.01, "device": "cpu"},
        "output": {"dir": str(tmp_path / "runs")},
    }
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path, csv


def test_each_id_is_its_own_sorted_series(tmp_path):
    series = timeseries.load(schema(long_csv(tmp_path / "l.csv")))
    assert [s.id for s in series] == ["a", "b"]
    assert [len(s.times) for s in series] == [90, 120]
    assert str(series[0].times[0].date()) == "2021-02-15" and series[0].times.index().is_monotonic_increasing
    assert abs(series[0].values.mean() - 100) < 1 and abs(series[1].values.mean() - 10) < 1


def test_windows_never_cross_series_and_each_series_is_split_on_its_own(tmp_path):
    spec = WindowSpec(14, 3, False, 0.1, 0.2)
    prepared = prepare_file(schema(long_csv(tmp_path / "l.csv")), spec, "standard")
    assert prepared.layout.parts == [split_rows(90, 0.1, 0.2), split_rows(120, 0.1, 0.2)]
    for split in ("train", "val", "test", "all"):
        starts = prepared.index(split).all()
        last_rows = starts + 14 + 3 - 1
        assert torch.equal(prepared.layout.series_of(starts), prepared.layout.series_of(last_rows))
    counts = [len(prepared.index(s)) for s in ("train", "val", "test")]
    assert counts == [(63 - 17 + 1) + (84 - 17 + 1), (9 - 3 + 1) + (12 - 3 + 1), (18 - 3 + 1) + (24 - 3 + 1)]


def test_scaling_per_series_or_shared(tmp_path):
    path = long_csv(tmp_path / "l.csv")
    spec = WindowSpec(14, 1, False, 0.1, 0.1)
    per = prepare_file(schema(path), spec, "standard", per_series=True)
    shared = prepare_file(schema(path), spec, "standard", per_series=False)
    a_train = timeseries.load(schema(path))[0].values[:72, 0]
    assert per.fitted_scaler.ids == ["a", "b"] and per.scaler.loc[0, 0].item() == pytest.approx(
        a_train.mean(), rel=1e-5
    )
    assert (
        shared.fitted_scaler.ids == [None]
        and shared.scaler.loc[0, 0].item() == shared.scaler.loc[1, 0].item()
    )
    # each series' own training rows are centred when scaled per series
    assert abs(per.windows.values[:72, 0].mean().item()) < 1e-4


def test_predict_gives_each_series_its_own_continuation(tmp_path):
    cfg_path, csv = long_config(tmp_path)
    run = train_run(config.load(cfg_path)).run_dir
    frame = predict.predict(run, horizon=3).frame
    assert list(frame.columns) == ["store", "day", "sales", "sales_lower", "sales_upper"]
    assert frame["store"].tolist() == ["a"] * 3 + ["b"] * 3
    source = pd.read_csv(csv)
    for key in ("a", "b"):
        end = pd.Timestamp(source[source.store == key]["day"].max())
        assert list(frame[frame.store == key]["day"]) == list(pd.date_range(end, periods=4, freq="D")[1:])
    # the forecast of each series is on that series' own level
    assert frame[frame.store == "a"]["sales"].mean() > 80 and frame[frame.store == "b"]["sales"].mean() < 30


def test_evaluate_reports_each_series_their_mean_and_all_windows(tmp_path):
    cfg_path, csv = long_config(tmp_path)
    run = train_run(config.load(cfg_path)).run_dir
    report = evaluate.evaluate(run).metrics
    per = report["per_series"]
    assert set(per) == {"a", "b"} and per["a"]["n_windows"] == 9 and per["b"]["n_windows"] == 12
    mean = report["mean_over_series"]
    assert mean["model"]["mae"] == pytest.approx((per["a"]["model"]["mae"] + per["b"]["model"]["mae"]) / 2)
    overall = (9 * per["a"]["model"]["mae"] + 12 * per["b"]["model"]["mae"]) / 21
    assert report["model"]["mae"] == pytest.approx(overall) and report["n_windows"] == 21
    # persistence per series, straight from the CSV
    source = pd.read_csv(csv)
    for key, n in (("a", 90), ("b", 120)):
        y = source[source.store == key].sort_values("day")["sales"].to_numpy()
        rows = np.arange(n - round(n * 0.1), n)
        assert per[key]["baselines"]["persistence"]["mae"] == pytest.approx(
            np.abs(y[rows] - y[rows - 1]).mean(), rel=1e-5
        )


def test_linear_ar_is_fitted_per_series(tmp_path):
    # two noiseless AR(1) series with different coefficients: a per-series fit is exact, a pooled one is not
    rows = []
    for key, phi in (("up", 0.9), ("down", -0.5)):
        y = [1.0]
        for _ in range(199):
            y.append(phi * y[-1] + 1.0)
        rows += [
            (d.strftime("%Y-%m-%d"), key, v) for d, v in zip(pd.date_range("2020-01-01", periods=200), y)
        ]
    csv = tmp_path / "ar.csv"
    pd.DataFrame(rows, columns=["day", "store", "sales"]).to_csv(csv, index=False)
    cfg = config.load(long_config(tmp_path)[0], [f"data.path={csv}", "window.lookback=1", "train.epochs=1"])
    report = evaluate.evaluate(train_run(cfg).run_dir).metrics
    for key in ("up", "down"):
        assert report["per_series"][key]["baselines"]["linear_ar"]["mae"] < 1e-4


def test_unknown_series_needs_shared_scaling(tmp_path):
    cfg_path, csv = long_config(tmp_path)
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(csv).replace({"store": {"a": "c"}}).to_csv(renamed, index=False)
    run = train_run(config.load(cfg_path)).run_dir
    with pytest.raises(RnnCliError, match="series 'c' was not in the training data"):
        predict.predict(run, data_path=renamed)
    shared = train_run(config.load(cfg_path, ["data.scale_per_series=false"])).run_dir
    assert sorted(predict.predict(shared, data_path=renamed).frame["store"].unique()) == ["b", "c"]


def test_a_short_series_is_padded_masked_and_trained_on_what_it_has(tmp_path):
    csv = long_csv(tmp_path / "l.csv", lengths={"b": 120, "a": 12})
    prepared = prepare_file(schema(csv), WindowSpec(14, 1, False, 0.1, 0.1), "standard")
    assert [s.id for s in prepared.series] == ["a", "b"] and prepared.pads == [5, 0] and prepared.masked
    assert any(
        "1 series shorter than window.lookback + horizon (15 training rows) was padded" in w and ": a" in w
        for w in prepared.warnings
    )
    raw = pd.read_csv(csv).query("store == 'a'").sort_values("day")["sales"].to_numpy()
    a = prepared.windows.values[: prepared.layout.offsets[1]]
    loc, scale = float(prepared.scaler.loc[0, 0]), float(prepared.scaler.scale[0, 0])
    real = a[:, 0].double().numpy() * scale + loc
    np.testing.assert_allclose(real[5:], raw, rtol=1e-5)  # the data, after five padded rows
    np.testing.assert_allclose(real[:5], raw[0], rtol=1e-5)  # which hold its first value
    assert a[:, 1].tolist() == [0.0] * 5 + [1.0] * 12  # the availability column
    assert float(prepared.scaler.loc[0, 0]) == pytest.approx(
        raw[:10].mean(), rel=1e-5
    )  # scaled on its 10 real training rows
    train = prepared.index("train")
    starts = train.all().tolist()
    assert (
        starts[0] == 0 and 1 not in starts
    )  # one window of 'a': 14 inputs (5 padded), its target the 10th real row
    x, y, _ = prepared.windows.batch(torch.tensor([0]))
    assert y[0, 0, 0].item() * scale + loc == pytest.approx(raw[9], rel=1e-5)
    assert prepared.spec.lookback == x.shape[1] and x[0, :, 1].tolist() == [0.0] * 5 + [1.0] * 9


def test_a_series_too_short_for_any_window_is_left_out_and_named(tmp_path):
    csv = long_csv(tmp_path / "l.csv", lengths={"b": 120, "a": 4})
    prepared = prepare_file(schema(csv), WindowSpec(14, 1, False, 0.1, 0.1), "standard")
    assert (
        [s.id for s in prepared.series] == ["b"]
        and [s.id for s in prepared.left_out] == ["a"]
        and not prepared.masked
    )
    assert any(
        "1 series of 2 too short for a horizon of 1 in each part was left out" in w for w in prepared.warnings
    )


def test_a_file_of_one_short_series_is_still_refused_with_what_fits(tmp_path):
    csv = long_csv(tmp_path / "l.csv", lengths={"a": 12})
    with pytest.raises(RnnCliError, match=r"series 'a' of .* has 12 rows .* set window.lookback="):
        prepare_file(schema(csv), WindowSpec(14, 1, False, 0.1, 0.1), "standard")


def test_series_of_different_frequency_are_refused(tmp_path):
    frame = pd.DataFrame(
        {
            "day": list(pd.date_range("2021-01-01", periods=30, freq="D").strftime("%Y-%m-%d"))
            + list(pd.date_range("2021-01-01", periods=30, freq="h").strftime("%Y-%m-%d %H:%M")),
            "store": ["d"] * 30 + ["h"] * 30,
            "sales": range(60),
        }
    )
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    with pytest.raises(RnnCliError, match="series 'd' has frequency D but series 'h' has h"):
        timeseries.load(schema(tmp_path / "mixed.csv"))


def test_an_empty_id_is_named_by_line(tmp_path):
    (tmp_path / "e.csv").write_text("day,store,sales\n2021-01-01,a,1\n2021-01-02,,2\n")
    with pytest.raises(RnnCliError, match="id column 'store' is empty at line 3"):
        timeseries.load(schema(tmp_path / "e.csv"))


def test_an_id_that_looks_like_a_missing_value_is_kept(tmp_path):
    days = pd.date_range("2021-01-01", periods=5).strftime("%Y-%m-%d")
    (tmp_path / "na.csv").write_text(
        "day,store,sales\n" + "".join(f"{d},NA,{i}\n{d},EU,{i}\n" for i, d in enumerate(days))
    )
    assert [s.id for s in timeseries.load(schema(tmp_path / "na.csv"))] == ["EU", "NA"]


def test_long_format_through_the_cli(cli, tmp_path):
    cfg_path, _ = long_config(tmp_path)
    trained = cli("train", cfg_path, "-q")
    assert trained.code == 0, trained
    assert "MAE per series" in trained.out and "mean over 2 series" in trained.out
    run = next((tmp_path / "runs").glob("*/*"))
    out = tmp_path / "fc.csv"
    predicted = cli("predict", run, "-n", "2", "-o", out)
    assert predicted.code == 0, predicted
    table = [line for line in predicted.out.splitlines() if line.startswith("│")]
    assert (
        len(table) == 4 and table[0].split("│")[1].strip() == "a" and table[-1].split("│")[1].strip() == "b"
    )
    assert list(pd.read_csv(out).columns) == ["store", "day", "sales", "sales_lower", "sales_upper"]


def test_series_rolled_together_forecast_as_each_one_alone(tmp_path):
    # predict rolls every series in one batch; each forecast must be what that series' own window gives
    cfg_path, csv = long_config(tmp_path, calendar=["dayofweek"])
    run = train_run(config.load(cfg_path)).run_dir
    together = predict.predict(run, horizon=5, coverage=0).frame
    source = pd.read_csv(csv)
    for key in ("a", "b"):
        alone_csv = tmp_path / f"{key}.csv"
        source[source.store == key].to_csv(alone_csv, index=False)
        alone = predict.predict(run, data_path=alone_csv, horizon=5, coverage=0).frame
        mine = together[together.store == key].reset_index(drop=True)
        assert list(mine["day"]) == list(alone["day"])
        np.testing.assert_allclose(mine["sales"], alone["sales"], rtol=1e-6)


def _train_long(tmp_path, name, lengths):
    csv = long_csv(tmp_path / f"{name}.csv", lengths=lengths)
    cfg = {
        "name": name,
        "data": {"path": str(csv), "time_column": "day", "id_column": "store", "target": "sales"},
        "window": {"lookback": 14},
        "model": {"hidden_size": 8},
        "train": {"epochs": 1, "lr": 0.01, "device": "cpu"},
        "output": {"dir": str(tmp_path / "runs")},
    }
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(cfg))
    return train_run(config.load(tmp_path / f"{name}.yaml")).run_dir


def test_a_model_trained_on_padding_reads_any_data_with_its_availability_column(tmp_path):
    run = _train_long(tmp_path, "padded", {"b": 120, "a": 12, "c": 4})  # 'c' too short to train on at all
    fc = predict.predict(run, horizon=3)  # 'a' still shorter than the lookback: padded again
    assert fc.frame.groupby("store").size().to_dict() == {"a": 3, "b": 3, "c": 3}
    assert any(
        "1 series too short for the model" in n and "forecast by Theta" in n and ": c" in n for n in fc.notes
    ), fc.notes
    longer = long_csv(
        tmp_path / "longer.csv", lengths={"b": 120, "a": 60}
    )  # nothing to pad now: the column is all ones
    assert predict.predict(run, data_path=longer, horizon=3).frame["sales"].notna().all()
    assert np.isfinite(evaluate.evaluate(run, data_path=longer).metrics["model"]["mae"])


def test_a_model_without_padding_leaves_a_short_series_to_theta_and_says_so(tmp_path):
    run = _train_long(tmp_path, "full", {"b": 120, "a": 90})
    short = long_csv(tmp_path / "short.csv", lengths={"b": 120, "a": 10})
    fc = predict.predict(run, data_path=short, horizon=3)
    assert fc.frame.groupby("store").size().to_dict() == {"a": 3, "b": 3}
    assert any(
        "1 series too short for the model (its window.lookback=14" in n and ": a" in n for n in fc.notes
    )
    a = fc.frame.query("store == 'a'")
    assert (
        a["sales"].notna().all() and a["sales_lower"].isna().all()
    )  # no interval for a forecast the model did not make


@pytest.mark.parametrize("short", [1, 2])
def test_a_series_too_short_to_show_its_step_takes_the_files(tmp_path, short):
    path = long_csv(tmp_path / "s.csv", lengths={"b": 120, "a": 90, "c": short})
    series = {s.id: s for s in timeseries.load(schema(path))}
    assert {s.frequency for s in series.values()} == {"D"} and len(series["c"].values) == short
    assert list(series["c"].times.index()) == list(pd.date_range("2021-03-01", periods=short, freq="D"))


def test_a_file_whose_series_are_all_too_short_still_says_so(tmp_path):
    path = long_csv(tmp_path / "s.csv", lengths={"b": 2, "a": 2})
    with pytest.raises(RnnCliError, match="too few to infer the frequency; add data or set data.frequency"):
        timeseries.load(schema(path))
