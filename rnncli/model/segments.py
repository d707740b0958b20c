"""Segment-wise recurrence: the lookback cut into segments, each embedded by one shared linear layer.

A recurrence over 336 single hourly steps trains slowly and forgets; over 14 segments of 24 steps
it is fast and keeps the whole window in view (SegRNN, Lin et al., 2023). Segment k holds steps
k*S .. k*S + S - 1 of every input column; it is flattened step by step (all columns of its first
step, then of the next) and mapped to the recurrent layer's input size through ReLU.
"""

from __future__ import annotations

import torch
from torch import nn


class SegmentEmbedding(nn.Module):
    def __init__(self, segment: int, input_size: int, size: int):
        super().__init__()
        self.segment = segment
        self.linear = nn.Linear(segment * input_size, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, time, inputs), time a multiple of the segment -> (batch, time / segment, size)."""
        return torch.relu(self.linear(split(x, self.segment)))


def split(x: torch.Tensor, segment: int) -> torch.Tensor:
    """(batch, time, inputs) -> (batch, time / segment, segment * inputs): each segment's rows, flattened."""
    batch, time, inputs = x.shape
    return x.reshape(batch, time // segment, segment * inputs)
