"""Categorical columns: features whose cells are categories written as text (a wind direction, a
holiday's name, a store's type), listed in `data.categorical`.

Reading gives each category met an index (`Vocabulary`, in the order met): a series holds that index
in the column's place, and the categories as read in `Series.levels`. Training keeps the categories
seen in the training rows, sorted (`fit`): the model reads one 0/1 column per category (one-hot; its
first layer's weights on them are a learned embedding of each category). The categories travel in the
checkpoint (`Schema.levels`), and every later read is put on them (`recode`): a category the
training rows never held reads as none of them (all zeros), the same way everywhere, noted once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnncli.data.series import Schema, Series
from rnncli.errors import RnnCliError, clip

MAX_LEVELS = 200  # categories one column may have: beyond it a column names things (an id), not kinds


class Vocabulary:
    """The categories of each categorical column met while reading, each given its index in the order
    met; shared by every chunk of a read so that an index means one category throughout."""

    def __init__(self) -> None:
        self.levels: dict[str, list[str]] = {}
        self._index: dict[str, dict[str, int]] = {}

    def code(self, raw: pd.Series, column: str) -> np.ndarray:
        """The cells as their categories' indices (float32, NaN where a cell is empty)."""
        text = raw.astype("string").str.strip()
        text = text.where(text != "", None)
        found = pd.Categorical(text)
        index, levels = self._index.setdefault(column, {}), self.levels.setdefault(column, [])
        for name in found.categories:
            if str(name) not in index:
                index[str(name)] = len(levels)
                levels.append(str(name))
        mapping = np.array([index[str(n)] for n in found.categories] + [0], dtype=np.float32)
        codes = np.asarray(found.codes)
        return np.where(codes >= 0, mapping[codes], np.nan).astype(np.float32)


def positions(schema: Schema) -> list[int]:
    """Where each categorical column sits among `schema.columns` (in the order of `schema.categorical`)."""
    return [schema.columns.index(c) for c in schema.categorical]


def fit(series: list[Series], train_rows: list[int], schema: Schema) -> tuple[tuple[str, ...], ...]:
    """Each categorical column's categories met in the series' training rows (their first
    `train_rows`), sorted."""
    fitted = []
    for column, j in zip(schema.categorical, positions(schema)):
        seen: set[str] = set()
        for s, rows in zip(series, train_rows):
            codes = s.values[:rows, j]
            names = s.levels.get(column, [])
            seen.update(names[int(c)] for c in np.unique(codes[np.isfinite(codes)]) if 0 <= c < len(names))
        if len(seen) > MAX_LEVELS:
            raise RnnCliError(
                f"categorical column '{clip(column)}' holds {len(seen):,} categories in its training rows; "
                f"at most {MAX_LEVELS} are read as categories (a column of more names things rather than "
                "kinds): leave it out, or group its values into fewer categories"
            )
        fitted.append(tuple(sorted(seen)))
    return tuple(fitted)


def recode(series: list[Series], schema: Schema) -> list[str]:
    """Put every series' category indices (values and values ahead) on the model's categories
    (`schema.levels`); one not among them becomes -1, read as none. Returns a note per column
    that met such categories."""
    notes = []
    future = list(schema.future_features)
    for column, j, levels in zip(schema.categorical, positions(schema), schema.levels):
        where = {name: k for k, name in enumerate(levels)}
        unseen: set[str] = set()
        for vocabulary in {id(s.levels.get(column, [])): s.levels.get(column, []) for s in series}.values():
            mapping = np.array([where.get(name, -1) for name in vocabulary] + [-1], dtype=np.float32)
            users = [s for s in series if s.levels.get(column, []) is vocabulary]
            met = set()
            for s in users:
                _apply(s.values, j, mapping, met)
                if column in future and s.ahead is not None:
                    _apply(s.ahead, future.index(column), mapping, met)
                s.levels = {**s.levels, column: list(levels)}
            unseen.update(vocabulary[k] for k in met if mapping[k] < 0)
        if unseen:
            shown = sorted(unseen)
            listed = ", ".join(repr(clip(n, 30)) for n in shown[:3]) + (", ..." if len(shown) > 3 else "")
            kind = "category" if len(shown) == 1 else "categories"
            notes.append(
                f"column '{clip(column)}': {len(shown)} {kind} not in the training rows ({listed}) read as "
                "none of the categories the model knows (all its columns 0)"
            )
    return notes


def _apply(values: np.ndarray, j: int, mapping: np.ndarray, met: set) -> None:
    """Index column j through `mapping` in place, noting which indices it held."""
    codes = values[:, j]
    known = np.isfinite(codes) & (codes >= 0)
    indices = codes[known].astype(np.int64)
    met.update(np.unique(indices).tolist())
    codes[known] = mapping[indices]


def onehot(codes: np.ndarray, levels: int) -> np.ndarray:
    """(rows, levels) 0/1 columns of category indices: all zeros for -1 (none) or NaN."""
    out = np.zeros((len(codes), levels), dtype=np.float32)
    known = np.isfinite(codes) & (codes >= 0) & (codes < levels)
    out[np.flatnonzero(known), codes[known].astype(np.int64)] = 1.0
    return out
