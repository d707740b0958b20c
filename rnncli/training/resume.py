"""Resume a stopped run exactly: the same state rebuilt from its `last.pt`, random states included,
and the epochs carried on as if never stopped.

`reopen(run_dir, overrides)` reads the checkpoint and the config with the overrides a resume
allows (RESUMABLE); the caller prepares the run's data with the checkpoint's scaler (`scaler_of`,
`masked_of`) and `resume(...)` trains on. Like `fit`, it returns what it trained and stops there.
"""

from __future__ import annotations

import time
from pathlib import Path

from rnncli import config
from rnncli.artifacts import checkpoint, integrity, run_folder
from rnncli.artifacts.files import clean_stale_temporaries, write_text
from rnncli.config import Config, to_yaml
from rnncli.data.prepared import Prepared
from rnncli.data.scaling import Scaler
from rnncli.data.series import Schema
from rnncli.errors import RnnCliError
from rnncli.training.distributed import Group
from rnncli.training.fit import FitResult, result_of, session_of
from rnncli.training.session import Progress, Session, finished, train_epochs
from rnncli.training.state import TrainState, restore_rng

# What may change when a run is resumed; anything else would change the model, the data or the
# optimisation already done, so the resumed run would not be the run that was started.
RESUMABLE = ("train.epochs", "train.patience", "train.device", "train.checkpoint_every", "train.tracking")


def scaler_of(payload: dict) -> Scaler:
    """The scaler the run was trained with, as its checkpoint keeps it."""
    return Scaler.from_dict(payload["scaler"])


def masked_of(payload: dict) -> bool:
    """Whether the run's model reads an availability column."""
    return bool(payload["model_args"].get("masked", False))


def reopen(run_dir: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> tuple[dict, Config]:
    """A run to resume: its last.pt and its config with the overrides a resume allows."""
    parent = Path(run_dir).resolve().parent
    if Path(run_dir).resolve().name == "refit" and (parent / "checkpoints").is_dir():
        raise RnnCliError(
            f"'{run_dir}' is the refit of the run '{parent}', trained on every row for the epochs that run "
            f"chose; resume the run itself (rnncli train --resume {parent}), which redoes a refit left undone"
        )
    last = checkpoint.path(run_dir, "last")
    if not last.is_file():
        raise RnnCliError(
            f"cannot resume '{run_dir}': it has no checkpoints/last.pt (give a run folder made by 'rnncli "
            "train')"
        )
    payload = checkpoint.load(last)  # on the CPU; each piece moves to the training device below
    integrity.check_belongs(last, payload)
    cfg = _resumed_config(payload, overrides, last)
    written = Path(run_dir) / "config.yaml"
    if written.is_file():  # the keys chosen from the data, marked in the config.yaml it rewrites
        chosen = config.chosen_in(written.read_text(encoding="utf-8", errors="replace"))
        cfg.chosen = {key: why for key, why in chosen.items() if key in config.flat(cfg)}
    return payload, cfg


def resume(
    run_dir: str | Path,
    payload: dict,
    cfg: Config,
    prepared: Prepared,
    schema: Schema,
    progress: Progress,
    group: Group,
) -> FitResult | None:
    """Continue the run in `run_dir` from its last.pt (`reopen`), on its data `prepared` with the
    scaler last.pt holds (`scaler_of`), appending to its metrics.csv (None on the ranks other than 0
    of several processes; with several nodes the folder must be on shared storage)."""
    started = time.perf_counter()
    run_dir = Path(run_dir)
    if group.main:
        run_folder.check_writable(run_dir, resuming=True)
        for stale in [*clean_stale_temporaries(run_dir), *clean_stale_temporaries(run_dir / "checkpoints")]:
            progress.note(f"removed {stale.name}, left by a write that was killed part-way")
    device = group.device(cfg.train.device)
    state = TrainState.from_dict(payload["train_state"])
    if state.partial is not None and group.several:
        raise RnnCliError(
            f"run '{run_dir}' stopped part-way through epoch {state.partial.epoch} in one process; resume "
            f"it in one process (rnncli train --resume {run_dir}), which finishes that epoch, then go on "
            "with several"
        )
    session = session_of(
        cfg,
        schema,
        run_dir,
        device,
        prepared,
        checkpoint.build_model(payload).to(device),
        state,
        group,
        payload.get("run_id"),
    )
    _check_resumable(session, payload, state)
    session.optimizer.load_state_dict(payload["optimizer_state"])
    if session.scheduler is not None:
        session.scheduler.load_state_dict(payload["scheduler_state"])
    if not restore_rng(payload["rng"], session.generator):
        progress.note("resumed on another device: the batch order differs from the original run")
    session.state.stopped_early = False
    if group.main:
        best = checkpoint.path(run_dir, "best")
        session.saved = {"last": payload, **({"best": checkpoint.load(best)} if best.is_file() else {})}
        run_folder.write_metrics(run_dir, state.history)  # drops any row written after last.pt
        write_text(run_dir / "config.yaml", to_yaml(cfg))
    where = f", batch {state.partial.batches + 1}" if state.partial else ""
    progress.note(
        f"finishing {run_dir}: every epoch was trained (interval calibration and test scores are left)"
        if finished(session)
        else f"resuming {run_dir} at epoch {state.epoch + 1} of {cfg.train.epochs}{where}"
    )
    train_epochs(session, progress)
    return result_of(cfg, session, started)


def _resumed_config(payload: dict, overrides: list[str] | tuple[str, ...], source: Path) -> Config:
    cfg, changed = config.with_overrides(config.from_dict(payload["config"], source=str(source)), overrides)
    refused = [k for k in changed if k not in RESUMABLE]
    if refused:
        raise RnnCliError(
            f"{refused[0]} cannot change when resuming: it changes the model, the data or the optimisation "
            f"already done; only {', '.join(RESUMABLE)} can (start a new run to change it)"
        )
    return cfg


def ended(run_dir: Path) -> bool:
    """Whether the run finished as a whole: its summary written and its best.pt calibrated (a run
    stopped while finishing has trained every epoch but is not ended: resuming finishes it)."""
    best = checkpoint.path(run_dir, "best")
    if not (Path(run_dir) / "summary.json").is_file() or not best.is_file():
        return False
    return checkpoint.calibration(checkpoint.load(best, mmap=True)) is not None


def _check_resumable(session: Session, payload: dict, state: TrainState) -> None:
    run_dir, cfg = session.run_dir, session.header.config
    if session.header.data_digest != payload["data_digest"]:
        raise RnnCliError(
            f"cannot resume '{run_dir}': its data ({cfg['data']['path']}) changed since the run started; "
            "start a new run"
        )
    if finished(session) and ended(run_dir):
        raise RnnCliError(
            f"run '{run_dir}' is finished ({state.epoch} of {cfg['train']['epochs']} epochs"
            + (", stopped early" if state.stopped_early else "")
            + "); raise train.epochs (or train.patience) to go on"
        )
