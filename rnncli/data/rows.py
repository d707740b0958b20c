"""The rows a model reads: every series scaled, one after another, its columns in the order the
model takes them: the targets and numeric past features (what window normalisation applies to), the
availability column (when padded), the categorical past features (a 0/1 column per category), the
future features, the static features, the calendar. The last `known_columns` are known ahead of a
forecast."""

from __future__ import annotations

import numpy as np

from rnncli.data import calendar, categories, short_series
from rnncli.data.scaling import Scaler
from rnncli.data.series import Schema, Series
from rnncli.data.windows import WindowSpec

AVAILABLE = "_available"  # the availability column's name: 1 for a row of data, 0 for padding


PARTS = ("past", "categorical", "future", "static")


def blocks(schema: Schema, part: str) -> list[tuple[int, int]]:
    """The columns of one part of a row, in order: (the column's place among `schema.columns`, its
    categories' count, 0 for a numeric column). The parts: "past" (targets and numeric past
    features), "categorical" (the categorical past features), "future", "static"."""
    past = schema.past_columns
    nf = len(schema.future_features)
    where = {
        "past": range(0, past),
        "categorical": range(0, past),
        "future": range(past, past + nf),
        "static": range(past + nf, len(schema.columns)),
    }[part]
    levels = {j: len(schema.levels[k]) for k, j in enumerate(categories.positions(schema))}
    out = [(j, levels.get(j, 0)) for j in where]
    if part == "past":
        return [(j, n) for j, n in out if j not in levels]
    if part == "categorical":
        return [(j, n) for j, n in out if j in levels]
    return out


def width(schema: Schema, part: str) -> int:
    """How many columns of a row a part takes."""
    return sum(n or 1 for _, n in blocks(schema, part))


def column_names(schema: Schema, spec: WindowSpec, masked: bool) -> list[str]:
    """Each column of a row, named: a category's 0/1 column as COLUMN=CATEGORY."""
    return [name if level is None else f"{name}={level}" for name, level in _columns(schema, spec, masked)]


def sources(schema: Schema, spec: WindowSpec, masked: bool) -> list[str]:
    """Each column of a row, as the file's column it comes from (the availability and calendar
    columns as themselves)."""
    return [name for name, _ in _columns(schema, spec, masked)]


def _columns(schema: Schema, spec: WindowSpec, masked: bool) -> list[tuple[str, str | None]]:
    """Each column of a row: (the file's column it comes from, its category or None)."""
    levels = dict(zip(schema.categorical, schema.levels))
    out = []
    for part in PARTS:
        for j, n in blocks(schema, part):
            name = schema.columns[j]
            out += [(name, level) for level in levels[name]] if n else [(name, None)]
        if part == "past" and masked:
            out.append((AVAILABLE, None))
    return out + [(name, None) for name in calendar.columns(spec.calendar)]


def known_columns(schema: Schema, spec: WindowSpec) -> int:
    """The columns known ahead of a forecast, last in every row: the future features, the static
    ones, then the calendar (a sine and a cosine each)."""
    return width(schema, "future") + width(schema, "static") + 2 * len(spec.calendar)


def encode(scaled: np.ndarray, schema: Schema, part: str) -> np.ndarray:
    """One part of scaled rows as the model reads it: numeric columns as they are, a categorical
    one as a 0/1 column per category."""
    out = [categories.onehot(scaled[:, j], n) if n else scaled[:, j : j + 1] for j, n in blocks(schema, part)]
    return np.concatenate(out, axis=1) if out else np.empty((len(scaled), 0), dtype=np.float32)


def scaled_rows(
    series: list[Series],
    scaler: Scaler,
    schema: Schema,
    names: tuple[str, ...],
    masked: bool = False,
    rows: int = 1 << 20,
) -> np.ndarray:
    """All series, scaled in place, one after another, each row: its targets and numeric past
    features, its availability (when masked), its categorical past features, its future features,
    its static features, its calendar columns.

    One series without categorical, calendar or static columns is used as it is: a long series is
    never copied.
    """
    if len(series) == 1 and not names and not masked and not schema.categorical:
        out = scaler.transform_(series[0].values, 0)
        series[0].values = None
        return out
    past, extra = width(schema, "past"), int(masked)
    known = sum(width(schema, part) for part in PARTS[1:])  # the parts after the availability column
    out = np.empty(
        (sum(len(s.times) for s in series), past + extra + known + 2 * len(names)), dtype=np.float32
    )
    if masked:
        out[:, past] = short_series.available([len(s.times) for s in series], [s.padded for s in series])
    start = 0
    for k, s in enumerate(series):
        block = out[start : start + len(s.times)]
        scaled = scaler.transform_(s.values, k)
        if schema.categorical:
            block[:, :past] = encode(scaled, schema, "past")
            block[:, past + extra : past + extra + known] = np.concatenate(
                [encode(scaled, schema, part) for part in PARTS[1:]], axis=1
            )
        else:
            block[:, :past], block[:, past + extra : past + extra + known] = (
                scaled[:, :past],
                scaled[:, past:],
            )
        s.values = None  # the copy in `out` is the one kept
        for lo in range(0, len(s.times), rows):
            block[lo : lo + rows, past + extra + known :] = calendar.encode(s.times[lo : lo + rows], names)
        start += len(s.times)
    return out
