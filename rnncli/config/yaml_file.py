"""A config file's YAML, read safely: PyYAML's safe loader, with a key repeated in one mapping
refused (YAML would keep the last silently), merge keys (`<<: *base`) merged, and a document
whose aliases expand beyond MAX_VALUES values refused before it is used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnncli.errors import RnnCliError, clip

MAX_VALUES = (
    10_000  # values a config may hold once its YAML aliases are expanded: far more than any config needs
)


def read_yaml(path: Path) -> Any:
    """A YAML file's content; refused when it is not YAML, repeats a key, or expands (through
    aliases) beyond MAX_VALUES values."""
    import yaml

    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_unique_key_loader())
    except yaml.YAMLError as exc:
        raise RnnCliError(f"config '{path}' is not valid YAML: {_yaml_problem(exc)}") from exc
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"config '{path}' is not a UTF-8 text file") from exc
    except ValueError as exc:  # an integer of thousands of digits, beyond Python's limit for reading one
        raise RnnCliError(
            f"config '{path}' holds a number too long to read ({str(exc).split(';')[0]}); write a smaller one"
        ) from exc
    if _count(raw, MAX_VALUES) > MAX_VALUES:
        raise RnnCliError(
            f"config '{path}' holds more than {MAX_VALUES:,} values once its YAML aliases (*name) are "
            "expanded; a config needs a few dozen: write the values out instead"
        )
    return raw


def _count(value: Any, limit: int) -> int:
    """Values in a loaded YAML document, aliases counted each time they are used; stops past `limit`."""
    stack, seen = [value], 0
    while stack and seen <= limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return seen


def _unique_key_loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """PyYAML's SafeLoader, refusing a mapping that repeats a key (YAML would keep the last silently);
        merge keys (`<<: *base`) are merged, the mapping's own keys taking precedence."""

        def construct_mapping(self, node, deep=False):
            seen: dict = {}
            own = [pair for pair in node.value if pair[0].tag != "tag:yaml.org,2002:merge"]
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)  # `<<: *base` merged in; the mapping's own keys win over it
            for key_node, _ in own:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    continue  # SafeLoader itself refuses keys it cannot use
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key '{clip(str(key))}' appears twice (lines {seen[key] + 1} and "
                        f"{key_node.start_mark.line + 1}); keep one",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep)

    return Loader


def _yaml_problem(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    if "appears twice" in str(problem):
        return f"{where}{problem}"
    return f"{where}{problem} (check the indentation and the ': ' after each key)"
