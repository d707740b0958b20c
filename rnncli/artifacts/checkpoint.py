"""Save and load checkpoints: plain dictionaries of tensors and Python values.

A checkpoint holds everything needed to rebuild and use its model without the config that made it:
the model's constructor arguments and weights, the scaler, the data schema (time column, targets,
features, frequency, last timestamp), the window, the resolved config, and library versions. It is
written atomically (temporary file, then rename) and read with `torch.load(weights_only=True)`,
which refuses any pickled code, so loading a file from elsewhere cannot run anything from it.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from rnncli.artifacts.files import atomic_write
from rnncli.errors import RnnCliError
from rnncli.model.forecaster import Forecaster, ModelArgs

FORMAT = "rnncli-checkpoint"
FORMAT_VERSION = 1


def save(path: str | Path, payload: dict[str, Any]) -> None:
    """Write `payload` (tensors and plain values only) atomically to `path`."""
    full = _on_cpu({"format": FORMAT, "format_version": FORMAT_VERSION, **payload})
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


def load(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint safely; every way it can be wrong is one clear RnnCliError."""
    path = Path(path)
    if not path.is_file():
        raise RnnCliError(f"checkpoint '{path}' not found; give a run folder or a .pt file it holds")
    if path.stat().st_size == 0:
        raise RnnCliError(f"checkpoint '{path}' is empty (an interrupted copy?); use another checkpoint, e.g. --checkpoint last")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about pickle protocols of foreign files
            payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if "Unsupported global" in str(exc):
            raise RnnCliError(f"checkpoint '{path}' was refused: it holds Python objects other than tensors and plain values, "
                              "which could run code when loaded; only rnncli checkpoints are accepted") from exc
        raise RnnCliError(f"checkpoint '{path}' cannot be read: it is truncated or not a checkpoint ({_last_line(exc)})") from exc
    except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere inside torch's reader
        raise RnnCliError(f"checkpoint '{path}' cannot be read: it is truncated or not a checkpoint ({_first_line(exc)})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise RnnCliError(f"'{path}' is a torch file but not an rnncli checkpoint")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise RnnCliError(f"checkpoint '{path}' has format version {version!r}, this rnncli reads version {FORMAT_VERSION}; "
                          + ("upgrade rnncli to read it" if newer else "retrain the model with this rnncli"))
    return payload


def versions() -> dict:
    """Library versions recorded in checkpoints and summaries."""
    import platform

    from rnncli import __version__

    return {"rnncli": __version__, "torch": str(torch.__version__), "python": platform.python_version()}


def build_model(payload: dict[str, Any]) -> Forecaster:
    """Rebuild the checkpoint's model with its weights, in eval mode, on the CPU."""
    try:
        model = Forecaster(ModelArgs(**payload["model_args"]))
        model.load_state_dict(payload["model_state"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise RnnCliError(f"checkpoint does not describe a model this rnncli can rebuild ({_first_line(exc)})") from exc
    return model.eval()


def _last_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
