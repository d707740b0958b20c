"""Graceful stops: the first SIGINT or SIGTERM asks training to stop after the current batch (so
`last.pt` can be written and the run resumed); a second one stops at once."""

from __future__ import annotations

import signal
import sys
import threading


class _Handling:
    """A context manager that sends SIGINT and SIGTERM to `_handle` while it is entered (in the
    main thread: others cannot), and gives the handlers before it back on leaving."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self):
        self._previous: dict = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame) -> None:
        raise NotImplementedError


class StopRequest(_Handling):
    """Turns SIGINT / SIGTERM into a flag the training loop polls."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.signal_name: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal_name is not None

    def __call__(self) -> bool:
        return self.requested

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


class StopNow(_Handling):
    """For work that cannot pause (a run's finishing: calibration, test scores): SIGINT or SIGTERM
    stops it at once, as Interrupted with `advice`, rather than ending the process silently
    (SIGTERM's default) or with a bare "interrupted"."""

    def __init__(self, advice: str):
        self.advice = advice

    def _handle(self, signum: int, frame) -> None:
        from rnncli.errors import Interrupted

        name = signal.Signals(signum).name
        raise Interrupted(f"stopped by {name} {self.advice}", reason=f"stopped by {name}")
