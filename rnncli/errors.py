"""The failures rnncli expects, each with the exit code it maps to.

Modules raise these with a message that says what is wrong and how to fix it; only `entry.py`
turns them into a printed line and an exit code. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import NoReturn


class RnnCliError(Exception):
    """Bad input the user must fix: arguments, config, data or checkpoint (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str, *, every_process: bool = False):
        super().__init__(message)
        # raised at the same point in every training process (a stop, a divergence), so the processes
        # can still meet to leave their group in order (distributed.teardown)
        self.every_process = every_process


class TrainingFailed(RnnCliError):
    """The job ran but could not finish, for example because the loss diverged (exit code 1)."""

    exit_code = 1


class WriteFailed(RnnCliError):
    """A file could not be written for want of space or a working disk (exit code 1)."""

    exit_code = 1


class Interrupted(RnnCliError):
    """Stopped by a signal after saving what is needed to resume (exit code 130). `reason` says
    what stopped where ("stopped by SIGTERM after epoch 3"), without the advice that follows it."""

    exit_code = 130

    def __init__(self, message: str, *, every_process: bool = False, reason: str | None = None):
        super().__init__(message, every_process=every_process)
        self.reason = reason or message.splitlines()[0]


def nearest(word: str, choices: list[str]) -> str | None:
    """The closest of `choices` to a misspelt `word` (for "did you mean ...?"), or None when nothing
    is close."""
    import difflib

    lower = {}
    for choice in choices:  # case is ignored: the first of each spelling
        lower.setdefault(choice.lower(), choice)
    found = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return lower[found[0]] if found else None


QUOTE_LIMIT = 80  # characters of a user's value that a message quotes at most


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text from the user (a column name, a series id, a path) cut to `limit` characters, with an
    ellipsis when cut: a 10 MB cell never becomes a 10 MB message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value, limit: int = QUOTE_LIMIT) -> str:
    """A user's value as a message quotes it: like repr, cut to about `limit` characters with an
    ellipsis, and never built whole first (a nested YAML alias or a 5000-digit number is not
    expanded to be shown)."""
    import reprlib

    if isinstance(value, str):
        cut = value[:limit]
        while cut and len(repr(cut)) > limit + 2:  # unprintable characters take four each: \x00
            cut = cut[: len(cut) * 2 // 3]
        return repr(cut + ("…" if len(cut) < len(value) else ""))
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        bits = value.bit_length()
        return repr(value) if bits <= 200 else f"an integer of about {int(bits * 0.30103) + 1} digits"
    if type(value).__module__ == "numpy":  # np.float64(1e+300) reads as the number a user wrote: 1e+300
        value = value.item()
        if isinstance(value, float):
            return repr(value)
    shown = reprlib.Repr()  # Python 3.11's takes its limits as attributes
    shown.maxlevel, shown.maxlist, shown.maxtuple, shown.maxdict, shown.maxset = 2, 4, 4, 4, 4
    shown.maxstring, shown.maxother, shown.maxlong = limit, limit, limit
    return clip(shown.repr(value), 2 * limit)


def bad_value(key: str, value, wanted: str) -> NoReturn:
    """A config key holds a value it cannot: one line naming the key, the value and what would do."""
    raise RnnCliError(f"config key {key}: got {quote(value)}, expected {wanted}")


def count(n: int, thing: str) -> str:
    """ "1 value", "3 values": a count and its noun."""
    return f"{n} {thing}{'' if n == 1 else 's'}"
