"""What the user sees while a model trains: a rich progress bar on a terminal, plain lines otherwise.

Training talks to a `Progress` (the protocol in `training/session.py`) and never prints; these
classes are what it talks to. The rich bar reads the running loss at most a few times a second,
so the training loop is not held up waiting for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch


class PlainProgress:
    """Plain output: one line per note and per epoch (logs, pipes, --quiet). Training talks to it
    through the `training.session.Progress` protocol."""

    def __init__(self, stream=None, every: int = 1):
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.folds = (1, 1)  # a backtest trains fold k of K with one progress for all

    def fold(self, k: int, of: int) -> None:
        """The next run is fold k of K: say so, and count progress over the whole backtest."""
        self.folds = (k, of)

    @property
    def prefix(self) -> str:
        return f"fold {self.folds[0]}/{self.folds[1]}  " if self.folds[1] > 1 else ""

    def note(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def opened(self, run_dir) -> None:
        pass

    def start(self, epochs: int, batches: int, done: int = 0) -> None:
        self.epochs = epochs

    def batch(self, done: int, loss: torch.Tensor) -> None:
        pass

    def epoch(self, row: dict) -> None:
        if row["epoch"] % self.every == 0 or row["epoch"] == self.epochs:
            print(self.prefix + epoch_line(row, self.epochs), file=self.stream, flush=True)

    def stop(self) -> None:
        pass

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """A step after the epochs (interval calibration): its line, then `advance(k)` as k of `total` are
        done."""
        self.note(label)
        yield lambda k: None


class FoldLines(PlainProgress):
    """`backtest --quiet`: one line as each fold starts, each distinct warning once; no epoch lines."""

    def __init__(self, stream=None):
        super().__init__(stream)
        self.warned: set[str] = set()

    def fold(self, k: int, of: int) -> None:
        super().fold(k, of)
        print(f"fold {k}/{of}", file=self.stream, flush=True)

    def note(self, message: str) -> None:
        if message.startswith("warning: ") and message not in self.warned:
            self.warned.add(message)
            print(message, file=self.stream, flush=True)

    def epoch(self, row: dict) -> None:
        pass

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        yield lambda k: None


class Silent(PlainProgress):
    def note(self, message: str) -> None:
        pass

    def epoch(self, row: dict) -> None:
        pass


class RichProgress(PlainProgress):
    """A live bar: epoch, batch, running loss, last val loss, time left."""

    def __init__(self, console):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        super().__init__(console.file)
        self.console = console
        self.bar = Bar(
            TextColumn("epoch {task.fields[epoch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  val {task.fields[val]}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = None
        self.last_draw = 0.0

    def note(self, message: str) -> None:
        self.console.print(message, highlight=False)

    def start(self, epochs: int, batches: int, done: int = 0) -> None:
        self.epochs, self.batches = epochs, batches
        if self.task is not None:  # a sweep trains several runs with one bar
            self.bar.remove_task(self.task)
        # a backtest's bar spans every fold, as if each ran all its epochs (the time left is at most that)
        k, of = self.folds
        self.base = (k - 1) * epochs * batches
        self.task = self.bar.add_task(
            "train",
            total=of * epochs * batches,
            completed=self.base + done * batches,
            epoch=f"{self.prefix}{done + 1}/{epochs}",
            loss="-",
            val="-",
        )
        self.bar.start()

    def batch(self, done: int, loss: torch.Tensor) -> None:
        now = time.monotonic()
        self.bar.advance(self.task)
        if now - self.last_draw > 0.25:
            self.last_draw = now
            self.bar.update(self.task, loss=f"{loss.item():.4f}")

    def epoch(self, row: dict) -> None:
        self.bar.update(
            self.task,
            completed=self.base + row["epoch"] * self.batches,
            epoch=f"{self.prefix}{min(row['epoch'] + 1, self.epochs)}/{self.epochs}",
            val=f"{row['val_loss']:.4f}",
        )
        self.bar.console.print(self.prefix + epoch_line(row, self.epochs), highlight=False)

    def stop(self) -> None:
        self.bar.stop()

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.note(label)
        with Bar(
            BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=self.console, transient=True
        ) as bar:
            task = bar.add_task("stage", total=total)
            yield lambda k: bar.advance(task, k)


def epoch_line(row: dict, epochs: int) -> str:
    mark = " *" if row.get("best") else ""
    return (
        f"epoch {row['epoch']:>{len(str(epochs))}}/{epochs}  train_loss {row['train_loss']:.4f}  val_loss "
        f"{row['val_loss']:.4f}  val_mae {row['val_mae']:.4f}  lr {row['lr']:.2e}  grad_norm "
        f"{row['grad_norm']:.3f}  {row['seconds']:.2f}s{mark}"
    )
