"""Where `rnncli train` and `rnncli evaluate` hold memory: peak RSS per stage, in one process.

    python bench/stages.py [--rows 1000000] [--freq h] [--batch 2048]

Runs the command in this process with a thread reading the resident set size every 5 ms, and
names the stage each reading falls in (imports, reading the CSV, preparing windows, the epochs,
interval calibration, test scores, the loss plot, ...) by wrapping the functions that do them.
A measuring tool for finding what to fix, not a target: bench/memory.py gives the figures.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from common import ROOT, newest_run, synthetic_config, synthetic_csv, table

sys.path.insert(0, str(ROOT))

PAGE = 4096


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 2**20


class Recorder:
    def __init__(self):
        self.stage, self.peaks, self.order, self.running = "start", {}, [], True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while self.running:
            self.note()
            time.sleep(0.005)

    def note(self) -> None:
        value = rss_mb()
        if self.stage not in self.peaks:
            self.order.append(self.stage)
        self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), value)

    def enter(self, name: str) -> None:
        self.note()
        self.stage = name
        self.note()

    def wrap(self, module, attribute: str, name: str) -> None:
        original = getattr(module, attribute)

        def wrapped(*args, **kwargs):
            self.enter(name)
            try:
                return original(*args, **kwargs)
            finally:
                self.enter(f"after {name}")

        setattr(module, attribute, wrapped)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--freq", default="h")
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--command", choices=("train", "evaluate"), default="train")
    args = parser.parse_args(argv)
    name = f"stages-{args.freq}-{args.rows}-{args.batch}"
    cfg = synthetic_config(
        synthetic_csv(args.rows, args.freq),
        name,
        model={"hidden_size": 8},
        train={"batch_size": args.batch},
        data={"val_fraction": 0.05, "test_fraction": 0.05},
    )
    recorder = Recorder()
    recorder.thread.start()
    recorder.enter("imports")
    import torch  # noqa: F401

    from rnncli import entry
    from rnncli.artifacts import trained
    from rnncli.commands import evaluate
    from rnncli.data import prepared, timeseries
    from rnncli.evaluation import intervals, scoring
    from rnncli.pipeline import finish
    from rnncli.report import plots
    from rnncli.training import fit

    recorder.enter("command")
    for module, attribute, stage in (
        (timeseries, "load", "read CSV"),
        (prepared, "prepare", "prepare windows"),
        (trained, "prepare", "prepare windows"),
        (fit, "train_epochs", "epochs"),
        (intervals, "calibrate", "calibrate"),
        (scoring, "score", "score"),
        (plots, "loss", "loss plot"),
        (finish, "finish", "finish"),
        (evaluate, "open_trained", "open checkpoint"),
    ):
        recorder.wrap(module, attribute, stage)
    target = [str(cfg), "-q"] if args.command == "train" else [str(newest_run(name))]
    try:
        entry.main([args.command, *target])
    except SystemExit as exc:
        if exc.code:
            raise
    finally:
        recorder.running = False
        recorder.thread.join()
    table(
        f"peak RSS per stage of rnncli {args.command}, {args.rows:,} rows ({args.freq}), batch "
        f"{args.batch} (MB)",
        ["stage", "peak RSS MB"],
        [[stage, recorder.peaks[stage]] for stage in recorder.order],
    )


if __name__ == "__main__":
    main()
