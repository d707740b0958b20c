"""Window normalisation: exact values on a hand example, the round trip, a level shift, a constant window."""

from __future__ import annotations

import math

import pytest
import torch

from rnncli.model.forecaster import Forecaster, ModelArgs
from rnncli.model.normalization import EPS, WindowNorm


def test_a_hand_example_normalises_to_the_expected_values():
    x = torch.tensor(
        [[[1.0, 0.5], [2.0, -0.5], [3.0, 0.5], [6.0, -0.5]]]
    )  # (batch 1, time 4): a target and a calendar column
    normed, (shift, scale) = WindowNorm(columns=1)(x)
    # mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5
    assert shift.item() == 3.0 and scale.item() == pytest.approx(math.sqrt(3.5 + EPS))
    sd = math.sqrt(3.5 + EPS)
    assert normed[0, :, 0].tolist() == pytest.approx([-2 / sd, -1 / sd, 0.0, 3 / sd])
    assert normed[0, :, 1].tolist() == [0.5, -0.5, 0.5, -0.5]  # calendar sine/cosine left as they are
    # and back: a forecast of 1.0 on the normalised scale is one standard deviation above the mean
    y = WindowNorm.restore(torch.tensor([[[1.0], [0.0]]]), (shift, scale), n_targets=1)
    assert y[0, :, 0].tolist() == pytest.approx([3 + sd, 3.0])


def test_the_round_trip_gives_the_window_back():
    x = torch.randn(8, 30, 3) * 5 + 2
    normed, stats = WindowNorm(columns=3)(x)
    assert torch.allclose(normed.mean(1), torch.zeros(8, 3), atol=1e-5) and torch.allclose(
        normed.std(1, unbiased=False), torch.ones(8, 3), atol=1e-3
    )
    torch.testing.assert_close(WindowNorm.restore(normed, stats, n_targets=3), x, atol=1e-5, rtol=1e-5)


def model(normalize: str = "window", **kw) -> Forecaster:
    torch.manual_seed(0)
    base = dict(
        input_size=2,
        n_targets=1,
        horizon=3,
        cell="gru",
        hidden_size=6,
        normalize=normalize,
        normalized_columns=2,
    )
    return Forecaster(ModelArgs(**{**base, **kw})).eval()


@pytest.mark.parametrize("segment", [0, 4])
def test_a_level_shifted_copy_of_a_window_gets_the_shifted_forecast(segment):
    net = model(segment=segment)
    x = torch.randn(5, 12, 2)
    with torch.no_grad():
        base = net.forecast(x)
        shifted = net.forecast(x + torch.tensor([100.0, -7.0]))  # every column moved
        stretched = net.forecast(x * 3)
    torch.testing.assert_close(shifted, base + 100.0, atol=1e-3, rtol=0)
    torch.testing.assert_close(stretched, base * 3, atol=1e-4, rtol=1e-4)
    plain = model("none", segment=segment)
    with torch.no_grad():
        assert (
            plain.forecast(x + 100.0) - plain.forecast(x) - 100.0
        ).abs().max() > 1  # without it, no such guarantee


def test_a_constant_window_forecasts_finite_values_near_its_constant():
    net = model()
    x = torch.full((2, 12, 2), 5.0)
    with torch.no_grad():
        y = net.forecast(x)
    assert torch.isfinite(y).all()
    assert (y - 5.0).abs().max() < 10 * math.sqrt(
        EPS
    )  # the network's output times sqrt(EPS): the constant, nearly


def test_training_sees_the_normalisation_too():
    net = model()
    net.train()
    x = torch.randn(4, 12, 2) + 50
    loss = net(x).sub(50).pow(2).mean()
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())


def test_many_to_many_normalises_each_step_by_the_steps_up_to_it_and_never_by_later_ones():
    from rnncli.model.normalization import RunningNorm

    torch.manual_seed(0)
    x = torch.randn(3, 12, 2) * 5 + 40
    _normed, (shift, scale) = RunningNorm(2)(x)
    for t in range(12):  # by hand: step t's statistics are those of steps 0..t
        seen = x[:, : t + 1]
        torch.testing.assert_close(shift[:, t], seen.mean(1), rtol=1e-4, atol=1e-3)
        torch.testing.assert_close(
            scale[:, t], torch.sqrt(seen.var(1, unbiased=False) + EPS), rtol=1e-3, atol=1e-3
        )
    later = x.clone()
    later[:, 8:] += 1000  # what comes later changes nothing before it
    out_a = Forecaster(
        ModelArgs(
            input_size=2,
            n_targets=1,
            horizon=2,
            hidden_size=4,
            many_to_many=True,
            normalize="window",
            normalized_columns=2,
        )
    )
    out_b = out_a(later)
    torch.testing.assert_close(out_a(x)[:, :8], out_b[:, :8])
    # and the forecast from the end is that of the whole window's statistics, as in many-to-one
    torch.testing.assert_close(out_a.forecast(x), out_a(x)[:, -1], rtol=1e-4, atol=1e-4)


def test_shift_by_the_last_value_makes_a_zero_forecast_persistence():
    norm = WindowNorm(1, last=True)
    x = torch.tensor([[[3.0], [5.0], [4.0], [8.0]]])
    normed, (shift, scale) = norm(x)
    assert shift.item() == pytest.approx(8.0) and normed[0, -1, 0].item() == pytest.approx(0.0, abs=1e-6)
    torch.testing.assert_close(
        normed[0, :, 0] * scale[0, 0, 0], x[0, :, 0] - 8.0
    )  # divided by the window's own sd
    torch.testing.assert_close(
        WindowNorm.restore(torch.zeros(1, 2, 1), (shift, scale), 1), torch.full((1, 2, 1), 8.0)
    )
