"""What a checkpoint's bytes are checked by: its checksum (SHA-256 of everything it holds, in a
fixed order) and, for a file torch refused, whether it is a pickle that names Python callables
(code that loading would run), read without running any of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


def checksum(payload: dict[str, Any]) -> str:
    """SHA-256 of everything a checkpoint holds but its checksum: each tensor's dtype, shape and bytes,
    each plain value's type and repr (exact for floats), dictionaries in the order of their keys."""
    import hashlib

    digest = hashlib.sha256()
    _feed(digest, {k: v for k, v in payload.items() if k != "checksum"})
    return digest.hexdigest()


def _feed(digest, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        flat = value.detach().cpu().contiguous().reshape(-1)
        digest.update(f"T{flat.dtype}{tuple(value.shape)}".encode())
        digest.update(flat.view(torch.uint8).numpy())
    elif isinstance(value, dict):
        digest.update(f"D{len(value)}".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _feed(digest, item)
    else:
        digest.update(f"{type(value).__name__}:{value!r};".encode())


def pickled_code(path: Path, limit: int = 1 << 20) -> bool:
    """The file is a plain pickle that names Python callables (a GLOBAL or REDUCE opcode), read
    without running any of it."""
    import pickletools

    try:
        with open(path, "rb") as fh:
            head = fh.read(limit)
        return any(
            op.name in ("GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ")
            for op, _, _ in pickletools.genops(head)
        )
    except Exception:
        return False
