import pytest
import torch

from rnncli.model.forecaster import Forecaster, ModelArgs, count_parameters


def args(**kw) -> ModelArgs:
    base = dict(input_size=3, n_targets=2, horizon=4, hidden_size=5, num_layers=2)
    base.update(kw)
    return ModelArgs(**base)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_recurrent_layer_shapes_follow_the_equations(cell):
    model = Forecaster(args(cell=cell))
    x = torch.randn(6, 9, 3)  # (batch, time, inputs)
    out, h = model.rnn(x)
    h_n = h[0] if cell == "lstm" else h
    assert out.shape == (6, 9, 5)  # (batch, time, hidden)
    assert h_n.shape == (2, 6, 5)  # (layers, batch, hidden)
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    assert model.rnn.weight_ih_l0.shape == (gates * 5, 3) and model.rnn.weight_hh_l0.shape == (gates * 5, 5)


@pytest.mark.parametrize("many_to_many, shape", [(False, (6, 4, 2)), (True, (6, 9, 4, 2))])
def test_output_shapes_for_both_modes(many_to_many, shape):
    model = Forecaster(args(many_to_many=many_to_many))
    x = torch.randn(6, 9, 3)
    assert model(x).shape == shape
    assert model.forecast(x).shape == (6, 4, 2)


def test_many_to_many_forecast_is_the_last_steps_output():
    model = Forecaster(args(many_to_many=True)).eval()
    x = torch.randn(2, 7, 3)
    torch.testing.assert_close(model.forecast(x), model(x)[:, -1])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_handwritten_recurrence_reproduces_nn_rnn(nonlinearity):
    torch.manual_seed(0)
    model = Forecaster(args(num_layers=1, nonlinearity=nonlinearity, hidden_size=8))
    rnn = model.rnn
    x = torch.randn(4, 12, 3)
    act = torch.tanh if nonlinearity == "tanh" else torch.relu
    h = torch.zeros(4, 8)
    steps = []
    for t in range(x.shape[1]):
        # h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
        h = act(x[:, t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
        steps.append(h)
    expected = torch.stack(steps, dim=1)
    out, h_n = rnn(x)
    assert (out - expected).abs().max().item() < 1e-5
    assert (h_n[0] - expected[:, -1]).abs().max().item() < 1e-5
    # and the head reads the last hidden state
    torch.testing.assert_close(model(x), model.head(expected[:, -1]).view(4, 4, 2), atol=1e-5, rtol=0)


def test_parameter_count_matches_the_formula():
    model = Forecaster(ModelArgs(input_size=1, n_targets=1, horizon=1, hidden_size=32))
    rnn = 32 * 1 + 32 * 32 + 2 * 32  # W_ih, W_hh, b_ih, b_hh
    head = 32 * 1 + 1
    assert count_parameters(model) == rnn + head == 1153


def test_an_ensemble_forecasts_the_median_of_its_members_and_trains_each():
    from rnncli.model.ensemble import Ensemble, build

    torch.manual_seed(0)
    args = ModelArgs(input_size=2, n_targets=1, horizon=3, cell="gru", hidden_size=4, ensemble=3)
    model = build(args)
    assert isinstance(model, Ensemble) and len(model.members) == 3
    x = torch.randn(5, 7, 2)
    model.eval()
    each = torch.stack([m.forecast(x) for m in model.members])
    assert not torch.equal(each[0], each[1])  # each from its own start
    torch.testing.assert_close(model.forecast(x), each.median(0).values)
    torch.testing.assert_close(model(x), each.median(0).values)
    model.train()
    assert model(x).shape == (3, 5, 3, 1)  # training: every member's output, each against the targets
    even = build(ModelArgs(input_size=2, n_targets=1, horizon=3, hidden_size=4, ensemble=4)).eval()
    four = torch.stack([m.forecast(x) for m in even.members]).sort(0).values
    torch.testing.assert_close(even.forecast(x), (four[1] + four[2]) / 2)
