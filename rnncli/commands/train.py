"""`rnncli train CONFIG [KEY=VALUE ...]`, `--resume RUN`, `--print-config`, `--nproc N`.

`Job.of` checks the command line before anything heavy is imported (`--print-config` answers
without torch or pandas), loads the config and resolves the keys it leaves out from its data;
`Job.train` trains and finishes the run here (`pipeline.run`), or starts torchrun's processes,
and leaves the process group in order however training ended.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnncli import config
from rnncli.config import Config
from rnncli.errors import RnnCliError


@dataclass
class Job:
    args: list[str]  # the config file and KEY=VALUE overrides; only overrides with --resume
    resume: Path | None
    nproc: int
    flags: list[str]  # --quiet / --debug, passed on to the processes torchrun starts
    config: Config | None = None  # loaded, validated and resolved (every key explicit); None when resuming
    series: list | None = None  # the config's CSV as read to resolve it, for training to use (consumed)

    @classmethod
    def of(
        cls, args: list[str], resume: Path | None, nproc: int, flags: list[str], print_config: bool = False
    ) -> Job:
        """Check the command line's arguments; load and validate the config of a new run."""
        if nproc < 1:
            raise RnnCliError(f"--nproc must be at least 1, got {nproc}")
        if resume is not None:
            stray = [a for a in args if "=" not in a]
            if stray:
                raise RnnCliError(
                    "--resume takes the config from the run folder; give only KEY=VALUE overrides, not "
                    f"'{stray[0]}'"
                )
            if print_config:
                raise RnnCliError(
                    "--print-config shows a new config; with --resume, read the run's config.yaml"
                )
            return cls(args, resume, nproc, flags)
        if not args:
            raise RnnCliError(
                "give a config file (rnncli train configs/seattle_temp_max.yaml) or --resume RUN"
            )
        from rnncli.pipeline import inputs

        resolved = inputs.resolve(
            config.load(args[0], args[1:])
        )  # the keys it leaves out, chosen from its data
        return cls(args, None, nproc, flags, resolved.cfg, resolved.series)

    def train(self, progress):
        """Train and finish the run; the RunResult (None on the processes other than rank 0), or the
        exit code of the processes when this one started them."""
        if self.nproc > 1 and "WORLD_SIZE" not in os.environ:
            return self._launch()
        from rnncli.pipeline.run import resume_run, train_run
        from rnncli.training import distributed

        try:
            if self.resume is not None:
                result = resume_run(self.resume, self.args, progress)
            else:
                series, self.series = self.series, None
                result = train_run(self.config, progress, series=series)
        except RnnCliError as exc:
            distributed.teardown(orderly=exc.every_process)
            raise
        distributed.teardown()
        return result

    def _launch(self) -> int:
        """This same training in `nproc` processes under torchrun; bad data or a missing run fail
        here in one clear line, not once per process."""
        from rnncli.artifacts import checkpoint
        from rnncli.training import distributed

        if self.resume is None:
            from rnncli.pipeline import inputs

            inputs.prepared_of(self.config, self.series)  # refused here if it could not train
        elif not checkpoint.path(self.resume, "last").is_file():
            raise RnnCliError(
                f"cannot resume '{self.resume}': it has no checkpoints/last.pt (give a run folder made by "
                "'rnncli train')"
            )
        resume_args = ["--resume", str(self.resume)] if self.resume is not None else []
        return distributed.launch(self.nproc, [*self.args, *resume_args, *self.flags])
