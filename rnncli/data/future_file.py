"""`predict --future FILE`: the future features' values at the steps to forecast, read from a file
of their own (CSV or Parquet: the time column, the id column, the future features) and placed on
each series' next steps (`Series.ahead`, checked by `ahead.check`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from rnncli.data import reading
from rnncli.data.ahead import future_times
from rnncli.data.categories import Vocabulary
from rnncli.data.series import Schema, Series
from rnncli.errors import RnnCliError


def from_file(path: Path, schema: Schema, series: list[Series], steps: int) -> None:
    """Set each series' values ahead from `path`, on its next `steps` timestamps (NaN where the
    file has no row for one); a series the file does not name, or a row off a series' steps, is
    refused."""
    wanted = dataclasses.replace(
        schema,
        path=str(path),
        targets=schema.future_features,
        features=(),
        future_features=(),
        static_features=(),
        wide=(),
    )
    vocabulary = Vocabulary()
    chunks = list(reading.read(wanted, vocabulary=vocabulary))
    times = chunks[0].times.append([c.times for c in chunks[1:]]) if len(chunks) > 1 else chunks[0].times
    values = np.concatenate([c.values for c in chunks])
    if series:
        _as_read(values, schema, vocabulary, series[0].levels)
    ids = None
    if schema.id_column:
        ids = np.concatenate([np.asarray(c.ids.astype(str)) for c in chunks])
    for s in series:
        rows = np.arange(len(times)) if ids is None else np.flatnonzero(ids == str(s.id))
        if not len(rows):
            raise RnnCliError(
                f"--future {path} has no rows for {s.label}; give the values of "
                f"{', '.join(schema.future_features)} at its {steps} steps after {s.times[-1]}"
            )
        s.ahead = _aligned(path, s, times[rows], values[rows], steps)


def _as_read(values: np.ndarray, schema: Schema, vocabulary: Vocabulary, levels: dict) -> None:
    """The file's categories as indices into the data's own (`Series.levels`, which grows by a
    category the data did not hold, so that preparing the forecast names it as not known)."""
    for j, column in enumerate(schema.future_features):
        if column in schema.categorical:
            into = levels.setdefault(column, [])
            for name in vocabulary.levels.get(column, []):
                if name not in into:
                    into.append(name)
            mapping = np.array([into.index(n) for n in vocabulary.levels.get(column, [])] + [0], np.float32)
            codes = values[:, j]
            known = np.isfinite(codes)
            codes[known] = mapping[codes[known].astype(np.int64)]


def _aligned(path: Path, s: Series, times: pd.DatetimeIndex, values: np.ndarray, steps: int) -> np.ndarray:
    """The file's rows of one series placed on its next `steps` timestamps (NaN where absent)."""
    expected = future_times(s, steps)
    if times.tz is None and expected.tz is not None:
        times = times.tz_localize(expected.tz)
    elif times.tz is not None and expected.tz is not None:
        times = times.tz_convert(expected.tz)
    within = (times > s.times[-1]) & (times <= expected[-1])
    off = within & ~times.isin(expected)
    if off.any():
        at = times[off][0]
        raise RnnCliError(
            f"--future {path}: {s.label} has a row at {at}, which is not one of its steps after the data's "
            f"end ({expected[0]}, {expected[1] if steps > 1 else ''}... every {s.frequency}); write the "
            "timestamps of the steps to forecast"
        )
    placed = np.full((steps, values.shape[1]), np.nan, dtype=np.float32)
    where = expected.get_indexer(times[within])
    placed[where] = values[within]
    return placed
