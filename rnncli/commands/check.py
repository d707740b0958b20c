"""`rnncli check CONFIG [KEY=VALUE ...]`: the config and its data as training would see them, without
training: the keys chosen from the data, every series' parts and windows, notes and warnings."""

from __future__ import annotations

from dataclasses import dataclass

from rnncli import config
from rnncli.data import preflight


@dataclass
class Checked:
    review: preflight.Preflight  # the prepared data and what is worth knowing about it
    chosen: dict[str, tuple[object, str]]  # the keys filled in from the data: value and reason


def check(config_path: str, overrides: list[str]) -> Checked:
    """Load and resolve the config, prepare its data exactly as training does, and review it."""
    from rnncli.pipeline import inputs

    resolved = inputs.resolve(config.load(config_path, overrides))
    return Checked(preflight.review(inputs.prepared_of(resolved.cfg, resolved.series)), resolved.chosen)
