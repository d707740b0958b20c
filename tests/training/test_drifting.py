"""Window normalisation and segments through a whole run: train, predict past the horizon, evaluate,
the intervals, inspect --trace and export all apply the same model; runs made before them still work."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.commands import evaluate, inspect, predict
from rnncli.pipeline.run import train_run


@pytest.fixture(scope="module")
def drifting(tmp_path_factory):
    """An hourly cycle on a level that climbs through the series: the test part sits above anything trained
    on."""
    tmp = tmp_path_factory.mktemp("drift")
    rng = np.random.default_rng(1)
    t = np.arange(1200)
    frame = pd.DataFrame(
        {
            "stamp": pd.date_range("2023-01-01", periods=1200, freq="h").strftime("%Y-%m-%d %H:%M"),
            "load": 20 + t / 20 + 3 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.3, 1200),
        }
    )
    frame.to_csv(tmp / "drift.csv", index=False)
    path = tmp / "drift.yaml"
    path.write_text(
        json.dumps(
            {
                "name": "drift",
                "data": {"path": str(tmp / "drift.csv"), "time_column": "stamp", "target": "load"},
                "window": {"lookback": 48, "horizon": 6},
                "model": {"cell": "gru", "hidden_size": 16, "select": "network"},
                "train": {"epochs": 8, "lr": 0.005, "batch_size": 32, "device": "cpu"},
                "output": {"dir": str(tmp / "runs")},
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def runs(drifting):
    return {
        name: train_run(config.load(drifting, overrides)).run_dir
        for name, overrides in {
            "plain": [],
            "window": ["model.normalize=window"],
            "segments": ["model.normalize=window", "model.segment=12"],
        }.items()
    }


def test_window_normalisation_follows_a_drifting_level(runs):
    mae = {
        name: json.loads((run / "summary.json").read_text())["test"]["model"]["mae"]
        for name, run in runs.items()
    }
    persistence = json.loads((runs["plain"] / "summary.json").read_text())["test"]["baselines"][
        "persistence"
    ]["mae"]
    assert mae["window"] < persistence and mae["segments"] < persistence  # it follows the level it never saw
    assert mae["plain"] > 2 * mae["window"]  # unnormalised, the network extrapolates badly


def test_predict_evaluate_and_intervals_use_the_normalised_model(runs):
    run = runs["segments"]
    trained = checkpoint.load(run / "checkpoints" / "best.pt")
    assert trained["model_args"]["normalize"] == "window" and trained["model_args"]["segment"] == 12
    frame = predict.predict(run, horizon=30).frame  # recursive past the model's horizon of 6
    assert len(frame) == 30 and frame["load"].between(70, 90).all()  # near the level at the end (about 80)
    assert (
        frame["load_upper"].iloc[:24].gt(frame["load"].iloc[:24]).all()
    )  # intervals calibrated 24 steps ahead
    report = evaluate.evaluate(run).metrics
    assert report["model"]["mae"] == pytest.approx(
        json.loads((run / "summary.json").read_text())["test"]["model"]["mae"]
    )


def test_trace_rederives_the_recurrence_over_normalised_segments(runs):
    trace = inspect.trace(runs["segments"])
    assert trace.max_difference < 1e-5 and len(trace.steps) == 48 // 12
    assert "4 segments of 12 steps" in trace.window
    norm = trace.normalised
    assert norm["columns"] == ["load"] and len(norm["values"]) == 5
    assert norm["values"][-1][0] == pytest.approx(
        (norm["raw"][-1][0] - norm["shift"][0]) / norm["scale"][0], rel=1e-5
    )


def test_export_holds_the_normalisation_and_the_segments(runs, tmp_path):
    import onnxruntime

    from rnncli.commands.export import export

    path, sidecar = export(runs["segments"], "onnx", tmp_path / "m.onnx")
    info = json.loads(sidecar.read_text())
    assert info["window_normalization"]["inside_graph"] and info["segment"] == {
        "steps": 12,
        "segments": 4,
        "inside_graph": True,
    }
    net = checkpoint.build_model(checkpoint.load(runs["segments"] / "checkpoints" / "best.pt"))
    x = torch.randn(3, 48, 1) * 4 + 10
    got = onnxruntime.InferenceSession(str(path)).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, net.forecast(x).detach().numpy(), atol=1e-4)


def test_a_checkpoint_made_before_these_options_loads_and_predicts_the_same(runs, tmp_path):
    run = runs["plain"]
    before = predict.predict(run, horizon=10).frame
    for name in ("best", "last"):  # what a run of an earlier rnncli holds: no new model or window keys
        payload = checkpoint.load(run / "checkpoints" / f"{name}.pt")
        for key in ("normalize", "normalized_columns", "segment"):
            del payload["model_args"][key]
        del payload["window"]["borders"]
        checkpoint.save(run / "checkpoints" / f"{name}.pt", payload)
    after = predict.predict(run, horizon=10).frame
    pd.testing.assert_frame_equal(before, after)
    assert evaluate.evaluate(run).metrics["n_windows"] > 0
