"""Messages about many series, said once: one line for each kind of message, however many series.

A file of 400 series whose every series lacks test windows gets one line, not 400:
"400 series: only 1 to 3 test windows: ...; e.g. 'H1', 'H10', 'H100'". Messages of one kind are
the same text but for their figures (counts, shares, dates); a line for several shows each figure
that differs as the range it spans.
"""

from __future__ import annotations

import re

from rnncli.errors import clip

EXAMPLES = 3  # series named in a line about several
PLURAL = re.compile(r"(# (?:\w+ )?\w+?)s\b")  # "1 missing value" and "3 missing values" are of one kind
FIGURE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d+(?:,\d{3})*(?:\.\d+)?(?:e[+-]?\d+)?%?"
)


def grouped(found: list[tuple[str | None, str]]) -> list[str]:
    """(series id, message about it) pairs as lines, in the order each kind first appears: a
    message about one series starts with its name (none for a file's only series, id None)."""
    kinds: dict[str, list[tuple[str | None, str]]] = {}
    for key, message in found:
        kinds.setdefault(PLURAL.sub(r"\1", FIGURE.sub("#", message)), []).append((key, message))
    return [_one(*items[0]) if len(items) == 1 else _several(items) for items in kinds.values()]


def _one(key: str | None, message: str) -> str:
    return message if key is None else f"series '{clip(key)}': {message}"


def _several(items: list[tuple[str | None, str]]) -> str:
    figures = [FIGURE.findall(message) for _, message in items]
    spans = iter([_span([f[k] for f in figures]) for k in range(len(figures[0]))])
    plural = max(
        range(len(items)), key=lambda i: sum(f != "1" for f in figures[i])
    )  # its nouns read right beside a range
    text = FIGURE.sub(lambda _: next(spans), items[plural][1])
    names = ", ".join(f"'{clip(key, 40)}'" for key, _ in items[:EXAMPLES])
    if len(items) <= EXAMPLES:
        return f"{len(items)} series ({names}): {text}"
    return f"{len(items):,} series: {text}; e.g. {names} and {len(items) - EXAMPLES:,} more"


def _span(values: list[str]) -> str:
    """One figure across the messages: itself when the same in all, else "lowest to highest"."""
    try:
        ordered = sorted(set(values), key=lambda v: float(v.rstrip("%").replace(",", "")))
    except ValueError:  # dates: in ISO order
        ordered = sorted(set(values))
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]} to {ordered[-1]}"
