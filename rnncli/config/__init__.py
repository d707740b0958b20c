"""The run configuration: its typed sections (schema), YAML and KEY=VALUE overrides (loading),
value coercion and validation. `rnncli.config` is the interface the rest of rnncli uses."""

from rnncli.config.loading import (
    chosen_in,
    flat,
    from_dict,
    from_flat,
    load,
    to_commented_yaml,
    to_yaml,
    with_overrides,
    with_values,
)
from rnncli.config.schema import Config, known_keys

__all__ = [
    "Config",
    "chosen_in",
    "flat",
    "from_dict",
    "from_flat",
    "known_keys",
    "load",
    "to_commented_yaml",
    "to_yaml",
    "with_overrides",
    "with_values",
]
