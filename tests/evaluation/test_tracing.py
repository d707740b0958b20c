"""inspect: the config, schema, parameters and best epoch of a trained model, and its recurrence
re-derived from its own weights."""

import pytest
import torch
from helpers import rows

from rnncli.commands import inspect


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_trace_rederives_each_cell_from_its_weights(runs_folder, cell):
    _, made, _ = runs_folder
    trace = inspect.trace(made[cell])
    assert trace.cell == cell and trace.max_difference < 1e-5
    assert [(s.layer, s.t) for s in trace.steps] == [(layer, t) for layer in range(2) for t in range(14)]
    assert all(s.shape == (1, 8) for s in trace.steps) and all(s.norm > 0 for s in trace.steps)


def test_trace_would_catch_a_wrong_recurrence(runs_folder, monkeypatch):
    _, made, _ = runs_folder
    monkeypatch.setattr(
        torch, "tanh", lambda x: torch.sigmoid(x)
    )  # the wrong nonlinearity in the hand-written steps
    assert inspect.trace(made["rnn"]).max_difference > 1e-3


def test_inspect_shows_config_schema_parameters_and_best_epoch(runs_folder, cli):
    _, made, _ = runs_folder
    result = cli("inspect", made["gru"], "--trace")
    assert result.code == 0, result
    table = {r[0]: r[1:] for r in rows(result.out) if r and r[0].startswith(("rnn.", "head.", "total"))}
    # GRU, 2 inputs + 2 calendar columns, hidden 8: weight_ih_l0 is (3*8, 4), the head reads hidden + future
    assert table["rnn.weight_ih_l0"] == ["(24, 4)", "(3·hidden, inputs)", "96"]
    assert table["rnn.weight_hh_l1"] == ["(24, 8)", "(3·hidden, hidden)", "192"]
    assert table["head.weight"] == ["(1, 10)", "(horizon·targets, hidden + future)", "10"]
    total = sum(
        p.numel()
        for p in torch.load(made["gru"] / "checkpoints" / "best.pt", weights_only=True)[
            "model_state"
        ].values()
    )
    assert table["total"][-1] == f"{total:,}"
    assert (
        "cell: gru" in result.out and "targets y; features x; calendar dayofweek; frequency D" in result.out
    )
    assert "best epoch" in result.out and "of 2:" in result.out
    assert "largest difference from nn.GRU's own output" in result.out
    assert "serves the network: forced by model.select=network" in result.out  # the choice, and its evidence
    errors = {
        r[0]: float(r[1]) for r in rows(result.out) if len(r) == 2 and r[0] in ("the network", "Theta", "Com")
    }
    assert len(errors) == 3 and all(e > 0 for e in errors.values())
