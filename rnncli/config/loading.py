"""The run configuration from user input: YAML loading, dotted KEY=VALUE overrides, validation.

`load(path, overrides)` is the only way a config is made from user input. Every value is coerced to
its field's type (PyYAML reads `1e-3` as a string, `yes` as a boolean), every key is checked against
the known ones, and every range is validated, so the rest of the program can trust what it gets.
This module imports neither torch nor pandas: `rnncli train --print-config` must answer at once.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from rnncli.config.coerce import coerce
from rnncli.config.schema import SECTIONS, Config, known_keys
from rnncli.config.validation import validate
from rnncli.config.yaml_file import read_yaml
from rnncli.errors import RnnCliError, nearest


def load(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read a YAML config, apply `KEY=VALUE` overrides, and return the validated config."""
    path = Path(path)
    if not path.is_file():
        hint = (
            "it is a folder"
            if path.is_dir()
            else "it is not a regular file: a pipe or a device"
            if path.exists()
            else "no such file"
        )
        raise RnnCliError(
            f"config '{path}' cannot be read ({hint}); give the path of a YAML file, e.g. "
            "configs/seattle_temp_max.yaml"
        )
    raw = read_yaml(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RnnCliError(
            f"config '{path}' must be a mapping of sections (data:, window:, model:, ...), got a "
            f"{type(raw).__name__}"
        )
    keys = flatten(raw, source=str(path))
    keys.update(parse_overrides(overrides))
    keys.setdefault("name", path.stem.replace("_", "-"))
    cfg = from_flat(keys)
    cfg.data.path = _resolve_data_path(cfg.data.path, path.parent)
    cfg.output.dir = str(
        Path(cfg.output.dir).expanduser()
    )  # "~/runs" means the home folder's, not a folder named ~
    return cfg


def from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    """Rebuild a config from its dictionary form (a run folder's config.yaml, a checkpoint)."""
    return from_flat(flatten(raw, source=source))


def with_overrides(cfg: Config, overrides: list[str] | tuple[str, ...]) -> tuple[Config, dict[str, Any]]:
    """A copy of `cfg` with `KEY=VALUE` overrides applied, and the overrides that changed a value.
    The keys given stay those of `cfg`, and the overrides."""
    before = flat(cfg)
    requested = parse_overrides(overrides)
    new = from_flat({**before, **requested})
    new.given = cfg.given | frozenset(requested)
    new.chosen = {k: why for k, why in cfg.chosen.items() if k not in requested}
    changed = {k: v for k, v in requested.items() if flat(new)[k] != before[k]}
    return new, changed


CHOSEN_NOTE = "# chosen from the data: "


def to_yaml(cfg: Config) -> str:
    """Block-style sections with one key per line; lists inline ([a, b]); a key chosen from the data
    carries its reason as a comment (`chosen_in` reads them back)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(
        list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
    )
    text = yaml.dump(cfg.to_dict(), Dumper=Dumper, sort_keys=False, default_flow_style=False, width=10**6)
    if not cfg.chosen:
        return text
    lines, section = [], ""
    for line in text.splitlines():
        key = line.strip().split(":", 1)[0]
        section = key if not line.startswith(" ") else section
        dotted = key if not line.startswith(" ") else f"{section}.{key}"
        reason = " ".join(str(cfg.chosen.get(dotted, "")).split())
        lines.append(f"{line}  {CHOSEN_NOTE}{reason}" if reason else line)
    return "\n".join(lines) + "\n"


def chosen_in(text: str) -> dict[str, str]:
    """The keys a run's config.yaml (`to_yaml`) marks as chosen from the data, with their reasons."""
    chosen, section = {}, ""
    for line in text.splitlines():
        key = line.strip().split(":", 1)[0]
        section = key if line[:1] not in (" ", "#", "") else section
        if CHOSEN_NOTE in line:
            chosen[f"{section}.{key}" if line.startswith(" ") else key] = line.split(CHOSEN_NOTE, 1)[
                1
            ].strip()
    return chosen


def to_commented_yaml(cfg: Config, keys: list[str], comments: dict[str, str], header: list[str]) -> str:
    """The config's `keys` (dotted), section by section in the schema's order, each with its
    comment; `header` lines first, as comments. What `rnncli init` writes."""
    import yaml

    def text(value: Any) -> str:
        return (
            yaml.safe_dump(value, default_flow_style=True, width=10**6)
            .strip()
            .removesuffix("\n...")
            .removesuffix("...")
            .strip()
        )

    values = flat(cfg)
    lines = [f"# {line}".rstrip() for line in header]
    order = [k for k in known_keys() if k in keys]
    for section in ["", *SECTIONS]:
        mine = [k for k in order if (k.split(".")[0] == section if section else "." not in k)]
        if not mine:
            continue
        if section:
            lines.append(f"{section}:")
        for key in mine:
            body = f"{'  ' if section else ''}{key.split('.')[-1]}: {text(values[key])}"
            note = comments.get(key)
            lines.append(f"{body:<34} # {note}" if note else body)
    return "\n".join(lines) + "\n"


EXTENSION = "x-"  # top-level keys for the user's own YAML anchors


def flatten(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Nested sections -> {"section.key": value}, refusing unknown sections and keys. A top-level key
    starting with "x-" is the config's own: a place for YAML anchors (`x-model: &m {...}` then
    `model: {<<: *m, ...}`), read by nothing."""
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key.startswith(EXTENSION):
            continue
        if key in SECTIONS:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise RnnCliError(
                    f"{source}: '{key}' must be a section of keys (e.g. {key}: {{...}}), got {value!r}"
                )
            for sub, subvalue in value.items():
                flat[_check_key(f"{key}.{sub}", source)] = subvalue
        else:
            flat[_check_key(key, source)] = value
    return flat


def parse_overrides(overrides: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """`train.lr=1e-3 data.target=[a,b]` -> {"train.lr": "1e-3", "data.target": ["a", "b"]}."""
    import yaml

    parsed: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise RnnCliError(f"override '{item}' must look like KEY=VALUE, e.g. train.lr=0.01")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except (
            yaml.YAMLError,
            ValueError,
        ):  # not YAML, or a number too long for Python to read: the text as given
            value = text
        parsed[_check_key(key, f"override '{item}'")] = value
    return parsed


def from_flat(flat: dict[str, Any]) -> Config:
    cfg = Config()
    for key, value in flat.items():
        target, attr = _owner(cfg, key)
        hint = dict(_field_types(type(target)))[attr]
        setattr(target, attr, coerce(key, value, hint))
    cfg.given = frozenset(flat)
    validate(cfg)
    return cfg


def flat(cfg: Config) -> dict[str, Any]:
    """Every key of the config, dotted: {"name": ..., "data.path": ..., ...}."""
    return flatten(cfg.to_dict(), source="config")


def with_values(cfg: Config, values: dict[str, Any]) -> Config:
    """A copy with these values (already of their fields' types) set, validated; every key given."""
    new = from_flat({**flat(cfg), **values})
    new.given = frozenset(known_keys())
    return new


def _check_key(key: str, source: str) -> str:
    keys = known_keys()
    if key in keys:
        return key
    if key in SECTIONS:
        example = f"{key}.{dataclasses.fields(SECTIONS[key])[0].name}"
        raise RnnCliError(f"{source}: '{key}' is a section; set one of its keys, e.g. {example}=...")
    if "." not in key and nearest(key, list(SECTIONS)):
        section = nearest(key, list(SECTIONS))
        raise RnnCliError(f"{source}: unknown config key '{key}'; did you mean the section '{section}'?")
    leaves = {k.rsplit(".", 1)[-1]: k for k in keys}
    guess = (
        nearest(key, keys)
        or leaves.get(key.rsplit(".", 1)[-1])
        or leaves.get(nearest(key.rsplit(".", 1)[-1], list(leaves)) or "")
    )
    hint = f"; did you mean {guess}?" if guess else f"; known keys: {', '.join(keys)}"
    raise RnnCliError(f"{source}: unknown config key '{key}'{hint}")


def _owner(cfg: Config, key: str) -> tuple[Any, str]:
    if "." in key:
        section, attr = key.split(".", 1)
        return getattr(cfg, section), attr
    return cfg, key


def _field_types(cls: type) -> list[tuple[str, Any]]:
    import typing

    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def _resolve_data_path(data_path: str, config_dir: Path) -> str:
    """A relative data path is read from the current folder, else from the config's folder."""
    if not data_path:
        return data_path
    p = Path(data_path).expanduser()
    if p.is_absolute() or p.exists():
        return str(p)
    beside = config_dir / p
    return str(beside) if beside.exists() else str(p)
