"""What `rnncli train` does with its arguments: a new run or a resumed one, in this process or in
several under torchrun.

The arguments are checked before anything heavy is imported (`--print-config` answers without
torch); `run` then trains, and leaves the process group in order however training ended.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnncli import config as configs
from rnncli.errors import RnnCliError


@dataclass
class Job:
    args: list[str]  # the config file and KEY=VALUE overrides; only overrides with --resume
    resume: Path | None
    nproc: int
    flags: list[str]  # --quiet / --debug, passed on to the processes torchrun starts
    config: configs.Config | None = None  # loaded and validated; None when resuming

    @classmethod
    def of(cls, args: list[str], resume: Path | None, nproc: int, flags: list[str], print_config: bool = False) -> Job:
        """Check the command line's arguments; load and validate the config of a new run."""
        if nproc < 1:
            raise RnnCliError(f"--nproc must be at least 1, got {nproc}")
        if resume is not None:
            stray = [a for a in args if "=" not in a]
            if stray:
                raise RnnCliError(f"--resume takes the config from the run folder; give only KEY=VALUE overrides, not '{stray[0]}'")
            if print_config:
                raise RnnCliError("--print-config shows a new config; with --resume, read the run's config.yaml")
            return cls(args, resume, nproc, flags)
        if not args:
            raise RnnCliError("give a config file (rnncli train configs/seattle_temp_max.yaml) or --resume RUN")
        return cls(args, None, nproc, flags, configs.load(args[0], args[1:]))

    def run(self, progress):
        """Train; the FitResult (None on the processes other than rank 0), or the exit code of the
        processes when this one started them."""
        if self.nproc > 1 and "WORLD_SIZE" not in os.environ:
            return self._launch()
        from rnncli.training import distributed
        from rnncli.training.fit import fit, resume

        try:
            result = resume(self.resume, self.args, progress) if self.resume is not None else fit(self.config, progress)
        except RnnCliError as exc:
            distributed.teardown(orderly=exc.every_process)
            raise
        distributed.teardown()
        return result

    def _launch(self) -> int:
        """This same training in `nproc` processes under torchrun; bad data or a missing run fail
        here in one clear line, not once per process."""
        from rnncli.training import distributed

        if self.resume is None:
            from rnncli.data.preflight import check

            check(self.config)
        elif not (self.resume / "checkpoints" / "last.pt").is_file():
            raise RnnCliError(f"cannot resume '{self.resume}': it has no checkpoints/last.pt (give a run folder made by 'rnncli train')")
        resume = ["--resume", str(self.resume)] if self.resume is not None else []
        return distributed.launch(self.nproc, [*self.args, *resume, *self.flags])
