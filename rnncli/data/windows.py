"""Split a series chronologically and serve its windows as views; `WindowSpec` says how (lookback,
horizon, mode, calendar features, and how the validation and test parts are sized).

All series are concatenated into one (rows, columns) tensor. A window starting at row s spans
`lookback + horizon` rows: inputs are rows s .. s+lookback-1 (every column), targets the target
columns after them. Windows are an `unfold` view of that tensor, so none is ever copied until a
batch is gathered by index. Each split is a set of ranges of window starts:

- train: every target row lies in the series' training part;
- val / test: the forecast rows lie in that part, while the inputs may reach back into earlier
  parts (they are the past, known at forecast time).

Scaling (fitted on the training rows only) is `scaling.py`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from rnncli.data.splits import Borders

SPLITS = ("train", "val", "test", "all")


@dataclass(frozen=True)
class WindowSpec:
    lookback: int
    horizon: int
    many_to_many: bool
    val_fraction: float
    test_fraction: float
    calendar: tuple[str, ...] = ()
    # split by timestamps when given, else by steps when given, else by the fractions
    borders: Borders = Borders()  # noqa: RUF009 - frozen, so one shared default is safe
    val_steps: int | None = None
    test_steps: int | None = None

    @property
    def sizes(self) -> tuple:
        """How the validation and test parts are sized, as `splits.split` takes it."""
        return self.val_fraction, self.test_fraction, self.val_steps, self.test_steps

    def to_dict(self) -> dict:
        """Plain values, as a checkpoint's "window" holds them."""
        return {
            "lookback": self.lookback,
            "horizon": self.horizon,
            "mode": "many_to_many" if self.many_to_many else "many_to_one",
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "calendar": list(self.calendar),
            "borders": self.borders.as_list(),
            "val_steps": self.val_steps,
            "test_steps": self.test_steps,
        }

    @classmethod
    def from_dict(cls, raw: dict) -> WindowSpec:
        return cls(
            raw["lookback"],
            raw["horizon"],
            raw["mode"] == "many_to_many",
            raw["val_fraction"],
            raw["test_fraction"],
            tuple(raw.get("calendar", ())),
            Borders(*raw.get("borders", (None, None, None))),
            raw.get("val_steps"),
            raw.get("test_steps"),
        )


class Index:
    """Window starts of one split: ranges [begin, begin + count) over the concatenated rows."""

    def __init__(self, begins: list[int], counts: list[int]):
        self.begins = torch.tensor(begins, dtype=torch.long)
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(counts)]), dtype=torch.long)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def to(self, device: torch.device) -> Index:
        moved = Index.__new__(Index)
        moved.begins, moved.offsets = self.begins.to(device), self.offsets.to(device)
        return moved

    def starts(self, positions: torch.Tensor, in_place: bool = False) -> torch.Tensor:
        """Window starts for positions 0 .. len-1 of this split (`in_place`: overwriting
        `positions` where it can, so an epoch's order of millions costs no second copy)."""
        if len(self.begins) == 1:
            return positions.add_(self.begins[0]) if in_place else positions + self.begins[0]
        r = torch.searchsorted(self.offsets[1:], positions, right=True)
        return self.begins[r] + positions - self.offsets[r]

    def all(self) -> torch.Tensor:
        return self.starts(torch.arange(len(self), device=self.begins.device))

    def chunks(self, device: torch.device, size: int, at_most: int | None = None) -> Iterator[torch.Tensor]:
        """Window starts, `size` at a time; only `at_most` of them, evenly spread, if given.
        Positions are made a chunk at a time: millions of windows never need an index tensor of their own."""
        index, n = self.to(device), len(self)
        if at_most is not None and n > at_most:
            for lo in range(0, at_most, size):
                step = torch.arange(lo, min(lo + size, at_most), device=device, dtype=torch.float64)
                yield index.starts((step * (n - 1) / (at_most - 1)).round().long())
            return
        for lo in range(0, n, size):
            yield index.starts(torch.arange(lo, min(lo + size, n), device=device))

    def ranges(self) -> list[tuple[int, int]]:
        """(first start, count) of each range of window starts: one per series holding windows."""
        counts = (self.offsets[1:] - self.offsets[:-1]).tolist()
        return [(b, c) for b, c in zip(self.begins.tolist(), counts) if c > 0]


@dataclass
class Layout:
    """Where each series sits in the concatenated rows, and how its rows are split."""

    offsets: list[int]  # series k spans rows offsets[k] .. offsets[k+1]-1
    parts: list[tuple[int, int, int]]  # (n_train, n_val, n_test) per series

    def index(self, split: str, lookback: int, horizon: int) -> Index:
        span = lookback + horizon
        begins, counts = [], []
        for start, (n_train, n_val, n_test) in zip(self.offsets, self.parts):
            length = n_train + n_val + n_test
            first, last = {
                "train": (0, n_train - span),
                "val": (n_train - lookback, n_train + n_val - span),
                "test": (n_train + n_val - lookback, length - span),
                "all": (0, length - span),
            }[split]
            if last >= first:
                begins.append(start + first)
                counts.append(last - first + 1)
        return Index(begins or [0], counts or [0])

    def series_of(self, starts: torch.Tensor) -> torch.Tensor:
        """The series number of each window start."""
        bounds = torch.tensor(self.offsets[1:], dtype=torch.long, device=starts.device)
        return torch.searchsorted(bounds, starts, right=True)


class Windows:
    """Batches gathered by window start from one scaled (rows, columns) tensor.

    The last `n_known` columns are known ahead (the future features, then the calendar): besides
    being inputs they are also handed to the model for the times each step forecasts (`future`).
    """

    def __init__(
        self,
        values: torch.Tensor,
        lookback: int,
        horizon: int,
        n_targets: int,
        many_to_many: bool,
        n_known: int = 0,
    ):
        self.values = values
        self.lookback, self.horizon, self.n_targets, self.n_known = (
            lookback,
            horizon,
            n_targets,
            n_known,
        )
        self.many_to_many = many_to_many
        span = lookback + horizon
        # (windows, columns, span): a view, no copy; none at all for rows shorter than one window
        self.view = (
            values.unfold(0, span, 1) if len(values) >= span else values.new_empty((0, values.shape[1], span))
        )

    def to(self, device: torch.device) -> Windows:
        return Windows(
            self.values.to(device),
            self.lookback,
            self.horizon,
            self.n_targets,
            self.many_to_many,
            self.n_known,
        )

    def gather(self, starts: torch.Tensor) -> torch.Tensor:
        """The windows at `starts` as one (B, lookback + horizon, columns) tensor."""
        return self.view[starts].transpose(1, 2)

    def batch(self, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(inputs, targets, future) of the windows at `starts`.

        inputs (B, lookback, columns); targets (B, horizon, targets) for many-to-one, or
        (B, lookback, horizon, targets) for many-to-many, where step t's targets are rows
        t+1 .. t+horizon; future: the calendar of those target rows, flattened per step, or None.
        """
        w = self.gather(starts)
        x = w[:, : self.lookback]
        if self.many_to_many:
            y = w[:, 1:, : self.n_targets].unfold(1, self.horizon, 1).transpose(2, 3)
        else:
            y = w[:, self.lookback :, : self.n_targets]
        return x, y, self.future(w, last_only=not self.many_to_many)

    def future(self, w: torch.Tensor, last_only: bool = True) -> torch.Tensor | None:
        """The known columns of the rows each step forecasts: (B, horizon * k) for the last step, else
        (B, lookback, horizon * k)."""
        if not self.n_known:
            return None
        cal = w[:, 1:, -self.n_known :]
        if last_only:
            return cal[:, self.lookback - 1 :].flatten(1)
        return cal.unfold(1, self.horizon, 1).transpose(2, 3).flatten(2)
