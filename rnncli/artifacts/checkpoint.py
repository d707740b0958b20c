"""The checkpoint format: written and read here only.

A checkpoint is a plain dictionary of tensors and Python values that rebuilds and uses its model
without the config that made it. Its keys:

- fixed for the run (`Header`): "model_args" (the model's constructor arguments), "schema" (time
  column, targets, features, frequency, season, series ids, the span trained on), "window"
  (lookback, horizon, mode, split), "scaler" (fitted on the training rows), "config" (resolved),
  "data_digest" (a digest of the prepared rows: resuming on other data is refused) and "run_id"
  (the run's own, also in its summary.json: a checkpoint copied in from another run is refused);
- per epoch: "model_state", "optimizer_state", "scheduler_state", "epoch", "train_state" and
  "rng" (what resuming needs);
- "conformal": the interval calibration, added when training ends; "versions": libraries;
- "checksum": SHA-256 of all the rest, verified on load: a changed bit is refused, not used.

It is written atomically (temporary file, then rename) and read with
`torch.load(weights_only=True)`, which refuses any pickled code, so loading a file from elsewhere
cannot run anything from it. Loading also refuses a checkpoint whose checksum does not match,
whose fields are not of the types written, or whose weights are not finite. `trained.open_trained`
opens one for use (predict, evaluate, export, inspect).
"""

from __future__ import annotations

import pickle
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from rnncli.artifacts.checksums import checksum, pickled_code
from rnncli.artifacts.files import atomic_write
from rnncli.data.prepared import Prepared
from rnncli.data.scaling import Scaler
from rnncli.data.series import Schema
from rnncli.data.windows import WindowSpec
from rnncli.errors import RnnCliError
from rnncli.model.ensemble import build
from rnncli.model.forecaster import Forecaster, ModelArgs

FORMAT = "rnncli-checkpoint"
FORMAT_VERSION = 1
WHICH = ("best", "last")


def path(run_dir: str | Path, which: str = "best") -> Path:
    """Where a run folder keeps its best or last checkpoint."""
    return Path(run_dir) / "checkpoints" / f"{which}.pt"


@dataclass(frozen=True)
class Header:
    """What every checkpoint of a run records alike: the model, the data it reads, its scaler."""

    model_args: ModelArgs
    schema: Schema  # with the frequency the data had; its path is where the data is read from now
    spec: WindowSpec
    scaler: Scaler  # as fitted: per series id, or one shared row
    season: int
    ids: list[str]
    span: tuple[str, str]  # the first and last timestamp of the training data, ISO
    rows: int
    config: dict
    data_digest: str
    run_id: str | None = None  # None in checkpoints older than run ids

    @classmethod
    def of_run(
        cls,
        model_args: ModelArgs,
        prepared: Prepared,
        schema: Schema,
        config: dict,
        data_digest: str,
        run_id: str | None,
    ) -> Header:
        first, last = min(t[0] for t in prepared.times), max(t[-1] for t in prepared.times)
        return cls(
            model_args,
            replace(schema, frequency=prepared.frequency, levels=prepared.schema.levels),
            prepared.spec,
            prepared.fitted_scaler,
            prepared.season,
            [str(i) for i in prepared.ids if i is not None],
            (first.isoformat(), last.isoformat()),
            sum(len(t) for t in prepared.times),
            config,
            data_digest,
            run_id,
        )

    def to_dict(self) -> dict:
        s = self.schema.to_dict()
        return {
            "model_args": self.model_args.to_dict(),
            "data_digest": self.data_digest,
            "scaler": self.scaler.to_dict(),
            "schema": {
                **s,
                "season": self.season,
                "ids": self.ids,
                "first_timestamp": self.span[0],
                "last_timestamp": self.span[1],
                "rows": self.rows,
            },
            "window": self.spec.to_dict(),
            "config": self.config,
            **({"run_id": self.run_id} if self.run_id else {}),
        }

    @classmethod
    def from_dict(cls, payload: dict, data_path: str) -> Header:
        s = payload["schema"]
        return cls(
            ModelArgs(**payload["model_args"]),
            Schema.from_dict(s, data_path),
            WindowSpec.from_dict(payload["window"]),
            Scaler.from_dict(payload["scaler"]),
            int(s["season"]),
            list(s.get("ids", [])),
            (s.get("first_timestamp"), s.get("last_timestamp")),
            s.get("rows"),
            payload["config"],
            payload.get("data_digest"),
            payload.get("run_id"),
        )


def payload(
    header: Header,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler,
    epoch: int,
    train_state: dict,
    rng: dict,
) -> dict[str, Any]:
    """A checkpoint's dictionary at the end of an epoch; its tensors are the live ones (`snapshot` copies)."""
    return {
        **header.to_dict(),
        "model_state": model.state_dict(),
        "optimizer_state": optimizer.state_dict(),
        "scheduler_state": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "train_state": train_state,
        "rng": rng,
        "versions": versions(),
    }


def snapshot(value: Any) -> Any:
    """A copy of a payload whose every tensor is copied to the CPU: it stays as it is while training goes
    on."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(v) for v in value)
    return value


def save(path: str | Path, payload: dict[str, Any]) -> None:
    """Write `payload` (tensors and plain values only) atomically to `path`, with its checksum."""
    full = _on_cpu({"format": FORMAT, "format_version": FORMAT_VERSION, **payload})
    full["checksum"] = checksum(full)
    atomic_write(path, lambda fh: torch.save(full, fh))


def _on_cpu(value: Any) -> Any:
    """Every tensor in `value` moved to the CPU (a no-op there), so a GPU run's checkpoint loads anywhere."""
    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, dict):
        return {k: _on_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_on_cpu(v) for v in value)
    return value


def load(path: str | Path, map_location: str | torch.device = "cpu", mmap: bool = False) -> dict[str, Any]:
    """Read a checkpoint safely; every way it can be wrong is one clear RnnCliError. With `mmap`,
    tensors are mapped, not read: for what a checkpoint records besides its weights."""
    path = Path(path)
    if not path.is_file():
        raise RnnCliError(f"checkpoint '{path}' not found; give a run folder or a .pt file it holds")
    if path.stat().st_size == 0:
        raise RnnCliError(
            f"checkpoint '{path}' is empty (an interrupted copy?); use another checkpoint, e.g. "
            "--checkpoint last"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about pickle protocols of foreign files
            loaded = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as exc:
        if "Unsupported global" in str(exc) or pickled_code(path):
            raise RnnCliError(
                f"checkpoint '{path}' was refused: it holds Python objects other than tensors and plain "
                "values, which could run code when loaded; only rnncli checkpoints are accepted"
            ) from exc
        raise RnnCliError(
            f"checkpoint '{path}' cannot be read: it is truncated or not a checkpoint ({_last_line(exc)})"
        ) from exc
    except Exception as exc:
        raise RnnCliError(
            f"checkpoint '{path}' cannot be read: it is truncated or not a checkpoint ({_first_line(exc)})"
        ) from exc
    if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
        raise RnnCliError(f"'{path}' is a torch file but not an rnncli checkpoint")
    version = loaded.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise RnnCliError(
            f"checkpoint '{path}' has format version {version!r}, this rnncli reads version "
            f"{FORMAT_VERSION}; "
            + ("upgrade rnncli to read it" if newer else "retrain the model with this rnncli")
        )
    if not mmap:  # mapped: only its record is read (rnncli runs), not its weights
        _verify(loaded, path)
    return loaded


def _verify(loaded: dict[str, Any], path: Path) -> None:
    """The checksum written with it (checkpoints older than checksums have none), every field of the
    type rnncli writes, and finite weights; else one line on what is wrong."""
    written = loaded.get("checksum")
    if written is not None and written != checksum(loaded):
        raise RnnCliError(
            f"checkpoint '{path}' is damaged: what it holds does not match the checksum written with it "
            "(changed on disk or in a copy); use another checkpoint (--which last or best) or retrain"
        )
    try:
        Header.from_dict(loaded, "")
        state = loaded["model_state"]
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise TypeError("model_state is not a dictionary of tensors")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"no field {exc}" if isinstance(exc, KeyError) else _first_line(exc)
        raise RnnCliError(
            f"checkpoint '{path}' is not as rnncli writes one ({what}); use another checkpoint or retrain"
        ) from exc
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise RnnCliError(
                f"checkpoint '{path}' holds weights that are not finite (NaN or infinity in '{name}'): "
                "the training that wrote it diverged; use another checkpoint or retrain with a lower "
                "train.lr"
            )


def versions() -> dict:
    """Library versions recorded in checkpoints and summaries."""
    import platform

    from rnncli import __version__

    return {"rnncli": __version__, "torch": str(torch.__version__), "python": platform.python_version()}


def calibration(loaded: dict[str, Any]) -> dict | None:
    """The interval calibration made when training ended (None: the run has not ended)."""
    return loaded.get("conformal")


def build_model(loaded: dict[str, Any]) -> Forecaster:
    """Rebuild the checkpoint's model with its weights, in eval mode, on the CPU."""
    try:
        model = build(ModelArgs(**loaded["model_args"]))
        model.load_state_dict(loaded["model_state"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise RnnCliError(
            f"checkpoint does not describe a model this rnncli can rebuild ({_first_line(exc)})"
        ) from exc
    return model.eval()


def new_run_id() -> str:
    import uuid

    return uuid.uuid4().hex[:16]


def _last_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
