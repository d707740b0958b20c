"""The config reference, key by key, written from the schema (`docs/config.md`; `make docs` writes it
and a test checks it is current): each key's default and meaning from `schema.py`, and for a key
the data chooses, its rule from `choices.RULES`."""

from __future__ import annotations

import dataclasses
from typing import Any

from rnncli.config.choices import RULES
from rnncli.config.schema import REQUIRED, fields, hints

INTRO = """# The config, key by key

A config is one YAML file of sections; `rnncli init DATA.csv` writes one with every choice
explained, and `rnncli train CONFIG --print-config` prints any config resolved, every key
explicit. A config needs only `data.path`, `data.time_column` and `data.target`. A key marked
*from the data* gets, when the config leaves it out, the value `rnncli init` would choose for the
data (the rule is given; the measurements behind the rules are in the repository's
bench/README.md), and the run's `config.yaml` records the value chosen, so a run can be repeated
from its folder.

Any key can be overridden on the command line as `section.key=value`; values are read as YAML
(`train.lr=1e-3`, `data.target=[a,b]`, `train.patience=null`). An unknown key is refused with the
nearest valid one, and a wrong type or range names the key and the value received. YAML anchors
and merge keys work as YAML defines them; a top-level key starting with `x-` is read by nothing,
a place for shared values (`x-small: &small {hidden_size: 16, cell: gru}`, then
`model: {<<: *small, dropout: 0.1}`: a mapping's own keys win over the merged ones).

This page is written from the code (`rnncli/config/schema.py` and `choices.py`); a test keeps it
so.
"""


def markdown() -> str:
    """The whole reference page."""
    out = [INTRO]
    by_section: dict[str, list[str]] = {"": ["name"]}
    for dotted in fields():
        if "." in dotted:
            by_section.setdefault(dotted.split(".")[0], []).append(dotted)
    for section, keys in by_section.items():
        title = "Top level" if not section else f"`{section}`"
        out += [f"## {title}", "", "| key | default | meaning |", "| --- | --- | --- |"]
        out += [_row(dotted) for dotted in keys]
        out.append("")
    return "\n".join(out)


def _row(dotted: str) -> str:
    field = fields()[dotted]
    meaning = field.metadata.get("doc", "")
    choices = _choices(hints()[dotted])
    if choices:
        meaning += f" (one of {', '.join(f'`{c}`' for c in choices)})"
    return f"| `{dotted}` | {_default(dotted, field)} | {meaning} |"


def _default(dotted: str, field: dataclasses.Field) -> str:
    if dotted in REQUIRED:
        return "required"
    if dotted in RULES:
        return f"from the data: {RULES[dotted]}"
    if dotted == "name":
        return "the config file's name"
    value = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
    return f"`{_yaml(value)}`"


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return str(value)


def _choices(hint: Any) -> list[str]:
    """The values a Literal field (or a list of one) takes."""
    import typing

    if typing.get_origin(hint) is typing.Literal:
        return [str(a) for a in typing.get_args(hint)]
    return [c for arg in typing.get_args(hint) for c in _choices(arg)]
