"""Graceful stops: the first SIGINT or SIGTERM asks training to stop after the current batch (so
`last.pt` can be written and the run resumed); a second one stops at once."""

from __future__ import annotations

import signal
import sys
import threading


class StopRequest:
    """A context manager that turns SIGINT / SIGTERM into a flag the training loop polls."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.signal_name: str | None = None
        self._previous: dict = {}

    @property
    def requested(self) -> bool:
        return self.signal_name is not None

    def __call__(self) -> bool:
        return self.requested

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt  # the second signal: stop now
        self.signal_name = signal.Signals(signum).name
        print(
            f"\n{self.signal_name}: stopping after this batch to save the run (press Ctrl-C again to stop "
            "at once)",
            file=self.stream,
            flush=True,
        )


class StopNow:
    """A context manager for work that cannot pause (a run's finishing: calibration, test scores):
    SIGINT or SIGTERM stops it at once, as Interrupted with `advice`, rather than ending the process
    silently (SIGTERM's default) or with a bare "interrupted"."""

    def __init__(self, advice: str):
        self.advice, self._previous = advice, {}

    def __enter__(self) -> StopNow:
        if threading.current_thread() is threading.main_thread():
            for sig in StopRequest.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame) -> None:
        from rnncli.errors import Interrupted

        name = signal.Signals(signum).name
        raise Interrupted(f"stopped by {name} {self.advice}", reason=f"stopped by {name}")
