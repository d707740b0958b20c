"""inspect, runs, sweep and export: the commands around a trained model."""

import csv
import json

import numpy as np
import pytest
import torch

from helpers import write_config, write_csv
from rnncli import config, inspection
from rnncli.export import export
from rnncli.train import fit


def rows(out: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("│").split("│")] for line in out.splitlines() if line.startswith("│")]


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory):
    """Three finished runs (rnn, gru, lstm) and one interrupted one, in one output folder."""
    tmp = tmp_path_factory.mktemp("tools")
    csv_path = write_csv(tmp / "s.csv", features=("x",))
    cfg_path = write_config(tmp / "c.yaml", csv_path, tmp / "runs", data={"features": ["x"], "calendar": ["dayofweek"]},
                            model={"num_layers": 2})
    made = {cell: fit(config.load(cfg_path, [f"model.cell={cell}", "train.epochs=2"])).run_dir for cell in ("rnn", "gru", "lstm")}
    unfinished = fit(config.load(cfg_path, ["train.epochs=1", "name=partial"])).run_dir
    (unfinished / "summary.json").unlink()
    return tmp, made, unfinished


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_trace_rederives_each_cell_from_its_weights(runs_folder, cell):
    _, made, _ = runs_folder
    trace = inspection.trace(made[cell])
    assert trace.cell == cell and trace.max_difference < 1e-5
    assert [(s.layer, s.t) for s in trace.steps] == [(layer, t) for layer in range(2) for t in range(14)]
    assert all(s.shape == (1, 8) for s in trace.steps) and all(s.norm > 0 for s in trace.steps)


def test_trace_would_catch_a_wrong_recurrence(runs_folder, monkeypatch):
    _, made, _ = runs_folder
    monkeypatch.setattr(torch, "tanh", lambda x: torch.sigmoid(x))  # the wrong nonlinearity in the hand-written steps
    assert inspection.trace(made["rnn"]).max_difference > 1e-3


def test_inspect_shows_config_schema_parameters_and_best_epoch(runs_folder, cli):
    _, made, _ = runs_folder
    result = cli("inspect", made["gru"], "--trace")
    assert result.code == 0, result
    table = {r[0]: r[1:] for r in rows(result.out) if r and r[0].startswith(("rnn.", "head.", "total"))}
    # GRU, 2 inputs + 2 calendar columns, hidden 8: weight_ih_l0 is (3*8, 4), the head reads hidden + future
    assert table["rnn.weight_ih_l0"] == ["(24, 4)", "(3·hidden, inputs)", "96"]
    assert table["rnn.weight_hh_l1"] == ["(24, 8)", "(3·hidden, hidden)", "192"]
    assert table["head.weight"] == ["(1, 10)", "(horizon·targets, hidden + future)", "10"]
    total = sum(p.numel() for p in torch.load(made["gru"] / "checkpoints" / "best.pt", weights_only=True)["model_state"].values())
    assert table["total"][-1] == f"{total:,}"
    assert "cell: gru" in result.out and "targets y; features x; calendar dayofweek; frequency D" in result.out
    assert "best epoch" in result.out and "of 2:" in result.out
    assert "largest difference from nn.GRU's own output" in result.out


def test_runs_lists_every_run_and_sorts_by_any_column(runs_folder, cli):
    tmp, made, unfinished = runs_folder
    result = cli("runs", tmp / "runs", "--sort", "cell")
    assert result.code == 0, result
    table = rows(result.out)
    assert [r[3] for r in table] == ["gru", "lstm", "rnn", "rnn"]
    assert {r[0] for r in table} == {"tiny", "partial"} and sum(r[-1] == "unfinished" for r in table) == 1
    listed = json.loads(cli("runs", tmp / "runs", "--json", "--sort", "test_mae").out)
    summary = json.loads((made["lstm"] / "summary.json").read_text())
    lstm = next(r for r in listed if r["cell"] == "lstm")
    assert lstm["test_mae"] == summary["test"]["model"]["mae"]
    assert lstm["vs_persistence"] == pytest.approx(summary["test"]["model"]["mae"] / summary["test"]["baselines"]["persistence"]["mae"])
    assert listed[-1]["test_mae"] is None and listed[-1]["path"] == str(unfinished)  # unscored runs sort last
    maes = [r["test_mae"] for r in listed[:-1]]
    assert maes == sorted(maes)
    assert cli("runs", tmp / "runs", "--sort", "colour").code == 2
    assert cli("runs", tmp / "nowhere").code == 2


def test_sweep_trains_the_grid_and_ranks_it(tiny, cli):
    cfg, _, runs = tiny
    result = cli("sweep", cfg, "model.cell=rnn,gru", "train.lr=0.01,0.001", "train.epochs=1", "-q")
    assert result.code == 0, result
    sweep_csv = next(runs.glob("tiny/sweep-*/sweep.csv"))
    with open(sweep_csv) as fh:
        ranked = list(csv.DictReader(fh))
    assert len(ranked) == 4 and {(r["model.cell"], r["train.lr"]) for r in ranked} == {
        ("rnn", "0.01"), ("rnn", "0.001"), ("gru", "0.01"), ("gru", "0.001")}
    losses = [float(r["best_val_loss"]) for r in ranked]
    assert losses == sorted(losses) and [r["rank"] for r in ranked] == ["1", "2", "3", "4"]
    for r in ranked:  # each a normal run folder, with the swept values in its config
        saved = config.load(f"{r['run_dir']}/config.yaml")
        assert (saved.model.cell, saved.train.lr) == (r["model.cell"], float(r["train.lr"]))
    assert result.out.strip().splitlines()[-1] == ranked[0]["run_dir"]  # the best run's path comes last


def test_sweep_splits_values_outside_brackets(tiny, cli):
    from rnncli.sweep import grid

    keys, combos = grid(["data.features=[],[x]", "model.cell=gru"])
    assert keys == ["data.features"] and combos == [["data.features=[]", "model.cell=gru"], ["data.features=[x]", "model.cell=gru"]]
    assert "more than --max-runs 3" in cli("sweep", tiny[0], "train.lr=0.1,0.2", "train.seed=1,2", "--max-runs", "3").err
    bad = cli("sweep", tiny[0], "model.cell=rnn,gur")
    assert bad.code == 2 and "did you mean gru" in bad.err and not tiny[2].exists()  # checked before any training


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_onnx_export_matches_pytorch(runs_folder, tmp_path, cell):
    import onnxruntime

    _, made, _ = runs_folder
    path, sidecar = export(made[cell], "onnx", tmp_path / "m.onnx")
    info = json.loads(sidecar.read_text())
    assert info["inputs"] == {"x": ["batch", 14, 4], "future": ["batch", 2]} and info["output"] == {"y": ["batch", 1, 1]}
    assert info["columns"] == ["y", "x", "dayofweek_sin", "dayofweek_cos"] and len(info["scaler"]["loc"][0]) == 2
    model = torch.load(made[cell] / "checkpoints" / "best.pt", weights_only=True)
    from rnncli.checkpoint import build_model

    net = build_model(model)
    x, future = torch.randn(7, 14, 4), torch.randn(7, 2)  # a batch size the export never saw
    got = onnxruntime.InferenceSession(str(path)).run(None, {"x": x.numpy(), "future": future.numpy()})[0]
    np.testing.assert_allclose(got, net.forecast(x, future).detach().numpy(), atol=1e-5)


def test_torchscript_export_matches_pytorch(runs_folder, cli):
    _, made, _ = runs_folder
    result = cli("export", made["gru"], "--format", "torchscript")
    assert result.code == 0, result
    path = made["gru"] / "export" / "model.torchscript.pt"
    assert f"wrote {path}" in result.out
    loaded = torch.jit.load(str(path))
    from rnncli.checkpoint import build_model, load

    net = build_model(load(made["gru"] / "checkpoints" / "best.pt"))
    x, future = torch.randn(3, 14, 4), torch.randn(3, 2)
    torch.testing.assert_close(loaded(x, future), net.forecast(x, future), atol=1e-5, rtol=0)
    assert cli("export", made["gru"], "--format", "pickle").code == 2
