"""Values known ahead of a forecast: each series' future features at the steps after its end.

They come from the rows of the data after a series' last target value (`timeseries` sets them
apart as `Series.ahead`), or from a file of their own (`future_file.py`: `predict --future FILE`,
the time column, the id column and the future features). A forecast uses exactly the
values given: a missing series, step or value, or a timestamp off the series' steps, is refused
with the column, the series, the first timestamp missing and how many steps are there; nothing is
filled in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnncli.data.series import Schema, Series
from rnncli.errors import RnnCliError, clip


def future_times(s: Series, steps: int) -> pd.DatetimeIndex:
    """The `steps` timestamps after a series' last."""
    return pd.date_range(s.times[-1], periods=steps + 1, freq=s.frequency)[1:]


def check(series: list[Series], schema: Schema, steps: int, source: str) -> None:
    """Refuse a forecast of `steps` steps for which a series lacks a future value: the column, the
    series, the first timestamp missing and how many steps are there."""
    for s in series:
        ahead = s.ahead if s.ahead is not None else np.empty((0, len(schema.future_features)))
        present = ~np.isnan(ahead[:steps])
        complete = int(np.argmin(present.all(axis=1))) if not present.all() else len(present)
        if complete >= steps:
            continue
        column = (
            schema.future_features[int(np.argmin(present[complete]))]
            if complete < len(present)
            else (schema.future_features[0])
        )
        at = future_times(s, complete + 1)[-1]
        fit = (
            f"forecast at most {complete} steps (--horizon {complete})"
            if complete
            else "the forecast has no value to start from"
        )
        raise RnnCliError(
            f"{source}: {s.label} has no value of future feature '{clip(column)}' at {at} (step "
            f"{complete + 1} after the data's end; {complete} of the {steps} steps asked for are there): "
            f"{fit}, or "
            + (
                "add the missing steps to it"
                if source.startswith("--future")
                else "give every step's values with --future FILE"
            )
        )


def scaled(s: Series, scaler, row: int, schema: Schema, steps: int) -> np.ndarray:
    """The first `steps` values ahead of series `s`, scaled as its columns were (scaler row `row`),
    a categorical one as its 0/1 columns."""
    from rnncli.data.rows import encode

    full = np.zeros((steps, len(schema.columns)), dtype=np.float32)
    full[:, schema.past_columns : schema.past_columns + len(schema.future_features)] = s.ahead[:steps]
    return encode(scaler.transform_(full, row), schema, "future")
