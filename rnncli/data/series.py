"""What the data layer passes around in memory: a regular `Series`, and the `Schema` that says how
a file's columns are read into series. Plain values, no file touched here: reading is
`reading.py` and `timeseries.py`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from rnncli.data.timegrid import TimeAxis
from rnncli.errors import clip


@dataclass(frozen=True)
class Schema:
    """What to read from a CSV and how: plain values, from the config or from a checkpoint."""

    path: str
    time_column: str  # the timestamps' column; with `time_parts`, the name of the one assembled from them
    targets: tuple[str, ...]
    features: tuple[str, ...] = ()
    frequency: str | None = None
    missing: str = "interpolate"
    id_column: str | None = None
    timezone: str | None = None
    max_gap: int | None = None
    duplicates: str = "error"
    time_format: str | None = None
    decimal: str = "."
    max_fill: float = 0.1
    # the columns of year, month, day, ... in that order, when the time is split over several
    time_parts: tuple[str, ...] = ()
    # a wide file: these columns are each a series (id: the column's name) of the one target
    wide: tuple[str, ...] = ()
    # covariates known ahead: their values at the steps forecast are inputs too
    future_features: tuple[str, ...] = ()
    # the columns whose values together name a series, when several (region, state, purpose); a series'
    # id is then their values joined by KEY_JOIN, and `id_column` the names joined the same way
    id_parts: tuple[str, ...] = ()
    # per-series attributes, constant within a series: read at every step, known ahead
    static_features: tuple[str, ...] = ()
    # the features (past, future or static) whose cells are categories (text), not numbers
    categorical: tuple[str, ...] = ()
    # each categorical column's categories, in the order of `categorical`, as training found them in
    # its training rows (empty until then): the one-hot columns the model reads
    levels: tuple[tuple[str, ...], ...] = ()

    @property
    def columns(self) -> list[str]:
        """The value columns of each series: targets, features, the features known ahead, the static ones."""
        return [*self.targets, *self.features, *self.future_features, *self.static_features]

    @property
    def past_columns(self) -> int:
        """How many of `columns` are known only up to the forecast origin: targets and features."""
        return len(self.targets) + len(self.features)

    @property
    def read_columns(self) -> list[str]:
        """The value columns of the file: the series' own, or (wide) one per series."""
        return list(self.wide) or self.columns

    @property
    def id_columns(self) -> list[str]:
        """The CSV columns a series' id is read from (none for one series)."""
        return list(self.id_parts) or ([self.id_column] if self.id_column else [])

    @property
    def time_columns(self) -> list[str]:
        """The CSV columns the timestamps are read from."""
        return list(self.time_parts) or [self.time_column]

    def to_dict(self) -> dict:
        """Plain values for a checkpoint, without the path: a model may be given another CSV later."""
        return {
            f.name: [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, tuple) else v
            for f in dataclasses.fields(self)
            if f.name != "path"
            for v in [getattr(self, f.name)]
        }

    @classmethod
    def from_dict(cls, raw: dict, path: str) -> Schema:
        """The schema a checkpoint recorded, reading `path`; keys it does not know are ignored."""
        names = {f.name for f in dataclasses.fields(cls)} - {"path"}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in names}
        values["levels"] = tuple(tuple(str(c) for c in level) for level in values.get("levels", ()))
        return cls(path=path, **values)


KEY_JOIN = " / "  # between the values of a key of several columns, in a series' id


def split_key(key: str, parts: int) -> list[str]:
    """A series' id back into its key columns' values (`parts` of them)."""
    return key.split(KEY_JOIN, parts - 1) if parts > 1 else [key]


@dataclass
class Series:
    """One regular series: `values[i]` holds every column (targets first) at `times[i]`."""

    times: TimeAxis
    values: np.ndarray  # (rows, columns) float32
    columns: list[str]
    id: str | None = None
    filled: int = 0
    added_rows: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the user should weigh: values filled in
    # rows before the first of the data, added for a series too short for a window (short_series.py)
    padded: int = 0
    # (k, 2): the row and target column of each target value filled in, not measured (None: none)
    filled_at: np.ndarray | None = None
    # (rows, future features): their values on the rows after the last target value, unscaled (NaN where
    # a cell is empty); None without future features
    ahead: np.ndarray | None = None
    # the categories of each categorical column as read: a cell of such a column in `values` or `ahead`
    # holds the index of its category in this list (shared by the series read together)
    levels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def frequency(self) -> str:
        return self.times.freq

    def copy(self) -> Series:
        """The same series with its own values (preparing scales them in place)."""
        return dataclasses.replace(
            self,
            values=self.values.copy(),
            notes=list(self.notes),
            warnings=list(self.warnings),
            ahead=None if self.ahead is None else self.ahead.copy(),
        )

    @property
    def label(self) -> str:
        return label_of(self.id)


def label_of(key: str | None) -> str:
    """How messages name a series: "the series" for a file's only one, else by its id."""
    return "the series" if key is None else f"series '{clip(key)}'"
