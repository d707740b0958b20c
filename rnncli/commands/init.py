"""`rnncli init DATA.csv`: read a CSV once and write the config that trains on it, every choice explained.

The file's layout is detected (`data.profile`): time column, long or wide, id column, targets and
those left out; the model and training settings are the data-driven defaults every config gets
for the keys it leaves out (`config.choices`), here written down with their reasons. The config
is checked as `rnncli check` would before it is written, so `rnncli train` on it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rnncli import config
from rnncli.artifacts.files import check_outputs, write_text
from rnncli.config import Config, schema
from rnncli.data import categories, profile
from rnncli.errors import RnnCliError
from rnncli.pipeline import inputs


@dataclass
class Written:
    """What `init` wrote, and what it found."""

    output: Path
    cfg: Config
    layout: profile.FileLayout
    chosen: dict[str, tuple[object, str]]
    summary: list[str]  # what it decided, in a few lines


@dataclass(frozen=True)
class Covariates:
    """The covariates named on the command line (None: as the data says)."""

    features: list[str] | None = None
    future_features: list[str] | None = None
    static_features: list[str] | None = None


def init(
    csv: Path,
    horizon: int,
    targets: list[str] | None = None,
    id_column: str | None = None,
    time_column: str | None = None,
    output: Path | None = None,
    time_format: str | None = None,
    covariates: Covariates = Covariates(),
) -> Written:
    """Detect the layout, choose every setting from the data, check it trains, write the config."""
    if horizon < 1:
        raise RnnCliError(f"--horizon must be at least 1, got {horizon}")
    output = Path(output) if output is not None else Path(f"{csv.stem}.yaml")
    if output.exists():
        raise RnnCliError(
            f"'{output}' exists already; give another file with --output (rnncli init never overwrites)"
        )
    check_outputs(output)
    layout = profile.detect(csv, time_column, targets, id_column, time_format)
    covariates_of(csv, layout, covariates)
    base, resolved, prepared = _made(csv, output, layout, horizon, time_format)
    if choose_features(layout, prepared):
        base, resolved, prepared = _made(csv, output, layout, horizon, time_format)
    reasons = _comments(layout, resolved.chosen, prepared, horizon)
    keys = [
        *base,
        *(["data.features"] if "data.features" in layout.reasons else []),
        *resolved.chosen,
        *SHOWN,
    ]
    text = config.to_commented_yaml(
        config.from_flat({**config.flat(resolved.cfg), "data.path": base["data.path"]}),
        keys,
        reasons,
        _header(csv, output, prepared, layout),
    )
    write_text(output, text)
    return Written(
        output, resolved.cfg, layout, resolved.chosen, _summary(layout, prepared, resolved.cfg, output, csv)
    )


def _made(csv: Path, output: Path, layout: profile.FileLayout, horizon: int, time_format: str | None):
    """(the keys the layout gives, the config resolved from the data, its data prepared): refused
    here, in one line, if it could not train."""
    base = {
        **_base(csv, output, layout, horizon),
        **({"data.time_format": time_format} if time_format else {}),
    }
    cfg = config.from_flat(base)
    cfg.data.path = str(csv)  # read from here now; the file names it as seen from the config's folder
    resolved = inputs.resolve(cfg)
    return base, resolved, inputs.prepared_of(resolved.cfg, resolved.series)


# keys that do not follow the data but that a user of the config should see, with their meaning
SHOWN = ("model.cell", "model.ensemble", "train.refit", "predict.coverage")


def _base(csv: Path, output: Path, layout: profile.FileLayout, horizon: int) -> dict:
    """The keys the file's layout and the command line give."""
    base = {
        "name": re.sub(r"[^A-Za-z0-9._-]+", "-", csv.stem).strip("-") or "series",
        "data.path": _path_for(csv, output),
        "data.time_column": layout.time_column,
        "data.target": layout.targets,
        "window.horizon": horizon,
        "window.mode": "many_to_one",
    }
    detected = (
        ("data.features", layout.features, []),
        ("data.future_features", layout.future_features, []),
        ("data.static_features", layout.static_features, []),
        ("data.categorical", layout.categorical, []),
        ("data.id_column", layout.id_column, None),
        ("data.layout", layout.layout, "long"),
        ("data.decimal", layout.decimal, "."),
    )
    base.update({key: value for key, value, default in detected if value != default})
    return base


def covariates_of(csv: Path, layout: profile.FileLayout, given: Covariates) -> None:
    """The covariates into `layout`: those named (all of them, when any is), checked to be columns
    of the file; else, with the targets named (a long file), read from the whole file as a
    forecaster would: columns constant within every series of a panel are static, columns with
    values on rows after the target's last known ahead, the others (numbers, and text of a few
    categories) past features for the validation part to weigh (`choose_features`); counters and
    constant columns are left out, with reasons."""
    numeric = [c for c in layout.numeric if c not in layout.targets]
    others = [*numeric, *layout.text]
    flags = (
        ("--feature", given.features),
        ("--future-feature", given.future_features),
        ("--static-feature", given.static_features),
    )
    for flag, names in flags:
        for name in names or []:
            if name not in others:
                what = (
                    "a target"
                    if name in layout.targets
                    else "not a column of the file besides its times and keys"
                )
                raise RnnCliError(f"{flag} {name}: {what}; the other columns are: {', '.join(others)}")
    named = {c for _, names in flags for c in names or []}
    # naming any covariate names them all: the file's other columns are then left as they are
    auto = layout.reasons.get("data.target") == "as given" and layout.layout == "long" and not named
    counters = [c for c in layout.counters if c not in layout.targets and c not in named]
    candidates = [c for c in others if c not in counters] if auto else []
    facts = profile.covariate_facts(
        csv, layout, [c for c in candidates if c in numeric], [c for c in candidates if c not in numeric]
    )
    if auto:
        layout.left_out.update({c: "a counter (0, 1, 2, ...), not a measurement" for c in counters})
    _place(layout, given, candidates, facts)
    layout.categorical = [
        c for c in [*layout.features, *layout.future_features, *layout.static_features] if c not in numeric
    ]
    if layout.categorical:
        layout.reasons["data.categorical"] = "text: each category a 0/1 input"


def _place(layout: profile.FileLayout, given: Covariates, candidates: list[str], facts) -> None:
    """Each covariate as named or, for `candidates`, as the file says: known ahead, static or past."""
    reasons = layout.reasons
    layout.future_features = list(given.future_features or [])
    layout.static_features = list(given.static_features or [])
    layout.features = list(given.features or [])
    for key, names in (
        ("data.future_features", given.future_features),
        ("data.static_features", given.static_features),
        ("data.features", given.features),
    ):
        if names:
            reasons[key] = "as given"
    rest = [
        c for c in candidates if c not in {*layout.future_features, *layout.static_features, *layout.features}
    ]
    if given.static_features is None:
        layout.static_features += [c for c in rest if c in facts.static]
        if layout.static_features:
            reasons["data.static_features"] = "constant within every series: an attribute of each"
    rest = [c for c in rest if c not in layout.static_features]
    if given.future_features is None:
        layout.future_features += [c for c in rest if c in facts.ahead]
        if layout.future_features:
            reasons["data.future_features"] = (
                f"values on the {facts.after} rows after the target's last: known ahead of the forecast"
            )
    rest = [c for c in rest if c not in layout.future_features]
    for c in rest:
        if facts.levels.get(c, 0) > categories.MAX_LEVELS:
            layout.left_out[c] = f"text of {facts.levels[c]} values: names, not categories"
        elif c in facts.constant:
            layout.left_out[c] = "constant"
        elif given.features is None:
            layout.past_candidates.append(c)
    layout.features += layout.past_candidates
    for c in [*layout.features, *layout.future_features, *layout.static_features]:
        layout.left_out.pop(c, None)


def choose_features(layout: profile.FileLayout, prepared) -> bool:
    """Keep of the past features init proposed those the validation part says help (reasons into
    the config's comments); True when some were left out (the config is then made again)."""
    from rnncli.evaluation import covariate_choice

    if not layout.past_candidates:
        return False
    choice = covariate_choice.choose(prepared, layout.past_candidates)
    dropped = [c for c in layout.past_candidates if c not in choice.kept]
    for c in dropped:
        layout.left_out[c] = f"not kept as a past feature ({choice.reasons[c]})"
    layout.features = [c for c in layout.features if c not in dropped]
    layout.categorical = [c for c in layout.categorical if c not in dropped]
    kept = "; ".join(f"{c}: {choice.reasons[c]}" for c in choice.kept)
    layout.reasons["data.features"] = choice.summary + (f" ({kept})" if kept else "")
    layout.past_candidates = []
    return bool(dropped)


def _path_for(csv: Path, output: Path) -> str:
    """The CSV as the config should name it: beside or below the config's folder, relative to it."""
    try:
        return str(csv.resolve().relative_to(output.resolve().parent))
    except ValueError:
        return str(csv.resolve())


def _comments(layout: profile.FileLayout, chosen: dict, prepared, horizon: int) -> dict[str, str]:
    comments = dict(layout.reasons)
    comments["data.time_column"] = (
        comments.get("data.time_column", "as given")
        + f"; frequency {prepared.frequency}, season {prepared.season}"
    )
    if layout.left_out:
        comments["data.target"] = (
            comments.get("data.target", "")
            + "; left out: "
            + ", ".join(f"{c} ({why})" for c, why in layout.left_out.items())
        ).lstrip("; ")
    comments["window.horizon"] = "steps to forecast (--horizon)"
    comments["window.mode"] = "one forecast of the whole horizon from the end of each window"
    comments.update({key: reason for key, (_, reason) in chosen.items()})
    comments.update({key: schema.doc(key) for key in SHOWN})
    return comments


def _header(csv: Path, output: Path, prepared, layout: profile.FileLayout) -> list[str]:
    lengths = [len(t) for t in prepared.times]
    span = f"{min(lengths)} to {max(lengths)}" if min(lengths) != max(lengths) else f"{lengths[0]}"
    shape = f"{len(lengths)} series" + (
        f" ({layout.layout}" + (f", by {', '.join(layout.keys)}" if layout.keys else "") + ")"
        if len(lengths) > 1
        else ""
    )
    return [
        f"Written by rnncli init from {csv.name}: {shape} of {span} rows, frequency {prepared.frequency}.",
        f"  rnncli check {output}      # what training will see",
        f"  rnncli train {output}",
        "",
    ]


def _summary(layout: profile.FileLayout, prepared, cfg: Config, output: Path, csv: Path) -> list[str]:
    lines = [
        f"time column {layout.time_column}: frequency {prepared.frequency}, season {prepared.season}",
        f"{len(prepared.series)} series"
        + (
            f" ({layout.layout} layout"
            + (f", keyed by {', '.join(layout.keys)}" if layout.keys else "")
            + ")"
            if len(prepared.series) > 1
            else ""
        )
        + f"; targets: {', '.join(layout.targets)}"
        + (f"; features: {', '.join(layout.features)}" if layout.features else "")
        + (f"; known ahead: {', '.join(layout.future_features)}" if layout.future_features else "")
        + (f"; per series: {', '.join(layout.static_features)}" if layout.static_features else "")
        + (f"; left out: {', '.join(layout.left_out)}" if layout.left_out else ""),
        f"window: lookback {cfg.window.lookback}, horizon {cfg.window.horizon}; model: {cfg.model.cell} "
        f"{cfg.model.hidden_size}, normalize {cfg.model.normalize}"
        + (f", segments of {cfg.model.segment}" if cfg.model.segment else "")
        + f"; transform {cfg.data.transform}",
        f"wrote {output}; next: rnncli train {output}",
    ]
    if layout.layout == "wide" and layout.reasons.get("data.layout"):
        lines.insert(
            2,
            "each numeric column is forecast as a series of its own; to forecast one from the others, "
            f"name it: rnncli init {csv} --target {layout.targets[0]} (the others are then weighed as "
            "its covariates)",
        )
    return lines
