"""A run: train a model (new, or resumed from its folder), then finish it; and what `rnncli train`
does with its arguments, in this process or in several under torchrun.

`train` and `resume` are what `rnncli train`, `sweep` and `backtest` call: each trains
(`training.fit`) and, on rank 0, finishes the run (`finish.finish`: intervals, test scores,
summary.json, loss.png). `Job` checks the command line before anything heavy is imported
(`--print-config` answers without torch), then trains here or launches torchrun, and leaves the
process group in order however training ended.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnncli import config as configs
from rnncli.errors import RnnCliError


def train(cfg: configs.Config, progress=None, group=None, run_dir: Path | None = None, series: list | None = None,
          keep: bool = False):
    """Train `cfg` in a new run folder and finish it: the RunResult (None on the ranks other than 0).
    `group` defaults to torchrun's, if any; a backtest names the folder (`run_dir`), passes the CSV
    it read (`series`, consumed) and asks to `keep` each test window's errors and forecasts."""
    from rnncli.training import distributed, fit

    group = group or distributed.setup(cfg.train.device)
    progress = _progress(progress, group)
    fitted = fit.fit(cfg, progress, group, run_dir=run_dir, series=series)
    result = None if fitted is None else _finish(fitted, progress, keep)
    if cfg.train.refit:
        best_epoch = group.from_main(None if result is None else result.best_epoch)
        refitted = fit.fit_again(cfg, best_epoch, Path(group.from_main(None if result is None else str(result.run_dir))) / "refit",
                                 progress, group)
        if refitted is not None:
            from rnncli.experiments.finish import adopt_refit

            adopt_refit(result, refitted)
    return result


def resume(run_dir: str | Path, overrides: list[str] | tuple[str, ...] = (), progress=None, group=None, keep: bool = False):
    """Continue the run in `run_dir` from its last.pt and finish it (None on the ranks other than 0)."""
    from rnncli.training import distributed, fit

    payload, cfg = fit.reopen(run_dir, overrides)
    group = group or distributed.setup(cfg.train.device)
    progress = _progress(progress, group)
    fitted = fit.resume(run_dir, payload, cfg, progress, group)
    return None if fitted is None else _finish(fitted, progress, keep)


def _finish(fitted, progress, keep: bool):
    from rnncli.experiments.finish import finish

    return finish(fitted, progress, keep)


def _progress(progress, group):
    """The progress given, on rank 0; the other processes of several say nothing."""
    from rnncli.report.progress import Silent

    return progress if progress is not None and group.main else Silent()


@dataclass
class Job:
    args: list[str]  # the config file and KEY=VALUE overrides; only overrides with --resume
    resume: Path | None
    nproc: int
    flags: list[str]  # --quiet / --debug, passed on to the processes torchrun starts
    config: configs.Config | None = None  # loaded, validated and resolved (every key explicit); None when resuming
    series: list | None = None  # the config's CSV as read to resolve it, for training to use (consumed)

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
        from rnncli.data import defaults

        resolved = defaults.resolve(configs.load(args[0], args[1:]))  # the keys the config leaves out, chosen from its data
        return cls(args, None, nproc, flags, resolved.cfg, resolved.series)

    def train(self, progress):
        """Train and finish the run; the RunResult (None on the processes other than rank 0), or the
        exit code of the processes when this one started them."""
        if self.nproc > 1 and "WORLD_SIZE" not in os.environ:
            return self._launch()
        from rnncli.training import distributed

        try:
            if self.resume is not None:
                result = resume(self.resume, self.args, progress)
            else:
                series, self.series = self.series, None
                result = train(self.config, progress, series=series)
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
            from rnncli.data import preflight

            preflight.check(self.config, self.series)
        elif not checkpoint.path(self.resume, "last").is_file():
            raise RnnCliError(f"cannot resume '{self.resume}': it has no checkpoints/last.pt (give a run folder made by 'rnncli train')")
        resume_args = ["--resume", str(self.resume)] if self.resume is not None else []
        return distributed.launch(self.nproc, [*self.args, *resume_args, *self.flags])
