"""Segment-wise recurrence: shapes from the equations, the segment contents, and the config's rules."""

from __future__ import annotations

import pytest
import torch
from helpers import write_config, write_csv

from rnncli import config
from rnncli.errors import RnnCliError
from rnncli.model.forecaster import Forecaster, ModelArgs
from rnncli.model.segments import SegmentEmbedding, split


def test_each_segment_holds_its_steps_flattened_step_by_step():
    x = torch.arange(2 * 48 * 3, dtype=torch.float32).reshape(2, 48, 3)  # (batch, lookback, inputs)
    segments = split(x, 12)
    assert segments.shape == (2, 48 // 12, 12 * 3)
    b, k, j, c = 1, 2, 5, 1  # batch 1, segment 2, its step 5, column 1
    assert segments[b, k, j * 3 + c] == x[b, k * 12 + j, c]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_shapes_follow_the_equations(cell):
    args = ModelArgs(input_size=3, n_targets=2, horizon=5, cell=cell, hidden_size=8, num_layers=2, segment=12)
    net = Forecaster(args)
    assert isinstance(net.embed, SegmentEmbedding) and net.embed.linear.weight.shape == (8, 12 * 3)
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    assert net.rnn.weight_ih_l0.shape == (gates * 8, 8)  # the recurrent layer reads embedded segments
    x = torch.randn(4, 48, 3)
    steps, stats = net.sequence(x)
    assert steps.shape == (4, 48 // 12, 8) and stats is None and (steps >= 0).all()  # ReLU
    out, _ = net.rnn(steps)
    assert out.shape == (4, 4, 8)  # one hidden state per segment
    assert net(x).shape == (4, 5, 2) and net.forecast(x).shape == (4, 5, 2)


def cfg_path(tmp_path, **window):
    csv = write_csv(tmp_path / "s.csv", n=300)
    return write_config(
        tmp_path / "c.yaml", csv, tmp_path / "runs", window={"lookback": 48, **window}, model={"segment": 12}
    )


def test_a_lookback_the_segment_does_not_divide_is_refused_with_the_nearest_that_work(tmp_path):
    with pytest.raises(
        RnnCliError,
        match=r"window.lookback=50 is not a whole number of model.segment=12 steps; "
        r"use window.lookback=48 or 60",
    ):
        config.load(cfg_path(tmp_path), ["window.lookback=50"])
    with pytest.raises(RnnCliError, match="use window.lookback=5 or 10, or a segment that divides 7"):
        config.load(cfg_path(tmp_path), ["window.lookback=7", "model.segment=5"])
    with pytest.raises(
        RnnCliError, match="model.segment: got 12, expected steps per segment, from 1 to window.lookback"
    ):
        config.load(cfg_path(tmp_path), ["window.lookback=10"])


def test_many_to_many_with_segments_is_refused_in_one_line_saying_why(tmp_path):
    with pytest.raises(
        RnnCliError, match="model.segment works with window.mode=many_to_one only: .* no output per step"
    ):
        config.load(cfg_path(tmp_path), ["window.mode=many_to_many", "model.segment=12"])
    config.load(
        cfg_path(tmp_path), ["window.mode=many_to_many", "model.segment=null", "model.normalize=window"]
    )  # normalisation works
