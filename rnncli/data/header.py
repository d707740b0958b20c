"""A CSV's header line: the file checked to be one, its delimiter (comma, semicolon, tab or |) and
its column names (quoted names may hold a delimiter; surrounding spaces are not part of a name),
and the columns a config or a command asks for checked against them, with the nearest name to one
misspelt."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from rnncli.errors import RnnCliError, clip, nearest

DELIMITERS = (",", ";", "\t", "|")


def check_file(path: Path) -> None:
    """A regular file, or one clear line on what it is instead."""
    try:
        kind = path.stat().st_mode
    except FileNotFoundError:
        raise RnnCliError(
            f"data file '{path}' not found (data.path is read from the current folder, then from the "
            "config's folder); check the path or pass --data"
        ) from None
    except OSError as exc:
        raise RnnCliError(f"data file '{path}' cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(kind):
        raise RnnCliError(f"data file '{path}' is a folder; give the CSV file inside it")
    if not stat.S_ISREG(kind):
        raise RnnCliError(
            f"data file '{path}' is not a regular file (a pipe or a device); save the data to a CSV file "
            "and give that"
        )
    if not os.access(path, os.R_OK):
        raise RnnCliError(f"data file '{path}' cannot be read (permission denied)")


def sniff(path: Path) -> tuple[list[str], str]:
    """The header's column names and the delimiter that splits it best."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline(1 << 20).rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from exc
    if not first.strip():
        raise RnnCliError(f"{path} is empty: it needs a header line and rows of data")
    fields = {d: _fields(first, d) for d in DELIMITERS}  # quoted names may hold a delimiter: "temp, max"
    delimiter = max(DELIMITERS, key=lambda d: len(fields[d]))
    return [name.strip() for name in fields[delimiter]], delimiter


def _fields(line: str, delimiter: str) -> list[str]:
    import csv

    if delimiter not in line:
        return [line]
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:  # a name longer than the csv module's field limit: split as written
        return [name.strip('"') for name in line.split(delimiter)]


def check_columns(path: Path, header: list[str], wanted: list[str]) -> None:
    """Every wanted column in the header once: else one line, with the nearest name to a misspelt one.
    A first line that no delimiter splits is not quoted (it may not be a header at all)."""
    missing = [c for c in wanted if c not in header]
    if missing and len(header) == 1:
        raise one_column(path)
    if missing:
        guess = nearest(missing[0], header[:10000])
        shown = ", ".join(clip(name, 40) for name in header[:12]) + (", ..." if len(header) > 12 else "")
        raise RnnCliError(
            f"column '{clip(missing[0])}' is not in {path}"
            + (f" (did you mean '{clip(guess)}'?)" if guess else "")
            + f"; its columns are: {shown}"
        )
    repeated = next((c for c in wanted if header.count(c) > 1), None)
    if repeated is not None:
        where = [i + 1 for i, name in enumerate(header) if name == repeated]
        raise RnnCliError(
            f"column '{clip(repeated)}' appears {len(where)} times in the header of {path} (columns "
            f"{', '.join(map(str, where))}); rename all but one, so it is clear which to read"
        )


def one_column(path: Path) -> RnnCliError:
    return RnnCliError(
        f"{path} is not a CSV of several columns: its first line holds none of the delimiters "
        f"{', '.join(repr(d) for d in DELIMITERS)}; give a CSV file with a header line of column names"
    )


def unique_names(header: list[str]) -> list[str]:
    """The header's names for pandas, each once: a repeated name the config does not use gets a private
    suffix."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}\0{seen[name]}")
    return out
