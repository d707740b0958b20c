"""Turn a value read from YAML or the command line into the type its config field declares.

YAML 1.1 (PyYAML) reads `1e-3` as a string and `yes` as a boolean; a user writing `lr: 1e-3`
still means a number. Coercion accepts what a person means and refuses the rest with a message that
names the key and the value received.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Literal

from rnncli.errors import RnnCliError, nearest, quote

_NULLS = {"null", "none", "~", ""}


def coerce(key: str, value: Any, hint: Any) -> Any:
    """Coerce `value` to the type `hint` (int, float, str, list[str], Literal[...], X | None)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) < len(args) and (
            value is None or (isinstance(value, str) and value.strip().lower() in _NULLS)
        ):
            return None
        listed = [a for a in inner if typing.get_origin(a) is list]
        if (
            listed and isinstance(value, (list, tuple)) and len(inner) > 1
        ):  # str | list[str]: a list when given one
            return coerce(key, value, listed[0])
        return coerce(key, value, next((a for a in inner if typing.get_origin(a) is not list), inner[0]))
    if origin is Literal:
        return _choice(key, value, [str(a) for a in args])
    if origin is list:
        items = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
        return [coerce(f"{key}[{i}]", item, args[0]) for i, item in enumerate(items)]
    if hint is bool:
        return _bool(key, value)
    if hint is int:
        return _int(key, value)
    if hint is float:
        return _float(key, value)
    if hint is str:
        if isinstance(value, bool):
            raise RnnCliError(
                f"config key {key}: got {value}, expected a text value; YAML reads an unquoted yes, no, "
                f"on, off, true or false as {str(value).lower()}: if it is a name, quote it (e.g. target: "
                "'No')"
            )
        if isinstance(value, (dict, list, tuple)) or value is None:
            _fail(key, value, "a text value")
        text = str(value).strip()
        if any(ord(c) < 32 and c not in "\t" for c in text):
            _fail(key, value, "text without control characters (a NUL byte, a line break)")
        return text
    raise TypeError(f"config field {key} has an unsupported type {hint!r}")


def _fail(key: str, value: Any, wanted: str) -> typing.NoReturn:
    raise RnnCliError(f"config key {key}: got {quote(value)}, expected {wanted}")


def _float(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        _fail(key, value, "a number")
    try:
        number = float(value)
    except ValueError:
        _fail(key, value, "a number (for example 0.001 or 1e-3)")
    if math.isnan(number):
        _fail(key, value, "a number, not NaN")
    return number


def _int(key: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _float(key, value)
    if not number.is_integer():
        _fail(key, value, "a whole number")
    return int(number)


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    _fail(key, value, "true or false")


def _choice(key: str, value: Any, choices: list[str]) -> str:
    if value is None and "none" in choices:
        return "none"
    text = str(value).strip().lower().replace("-", "_") if isinstance(value, (str, int, float)) else None
    if isinstance(value, bool) or text not in choices:
        guess = nearest(text or "", choices)
        _fail(key, value, f"one of {', '.join(choices)}" + (f" (did you mean {guess}?)" if guess else ""))
    return text
