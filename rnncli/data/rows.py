"""The rows a model reads: every series scaled, one after another, its columns in the order the
model takes them: targets and features, the availability column (when padded), the future
features, the calendar. The last `known_columns` are known ahead of a forecast."""

from __future__ import annotations

import numpy as np

from rnncli.data import calendar, short_series
from rnncli.data.scaling import Scaler
from rnncli.data.series import Schema, Series
from rnncli.data.windows import WindowSpec

AVAILABLE = "_available"  # the availability column's name: 1 for a row of data, 0 for padding


def column_names(schema: Schema, spec: WindowSpec, masked: bool) -> list[str]:
    return [
        *schema.columns[: schema.past_columns],
        *([AVAILABLE] if masked else []),
        *schema.future_features,
        *calendar.columns(spec.calendar),
    ]


def known_columns(schema: Schema, spec: WindowSpec) -> int:
    """The columns known ahead of a forecast, last in every row: the future features, then the
    calendar (a sine and a cosine each)."""
    return len(schema.future_features) + 2 * len(spec.calendar)


def scaled_rows(
    series: list[Series],
    scaler: Scaler,
    names: tuple[str, ...],
    masked: bool = False,
    past: int | None = None,
    rows: int = 1 << 20,
) -> np.ndarray:
    """All series, scaled in place, one after another, each row: its targets and features (the
    first `past` of its columns), its availability (when masked), its future features (the rest),
    its calendar columns.

    One series without calendar features is used as it is: a long series is never copied.
    """
    if len(series) == 1 and not names and not masked:
        out = scaler.transform_(series[0].values, 0)
        series[0].values = None
        return out
    columns, extra = series[0].values.shape[1], int(masked)
    past = columns if past is None else past
    out = np.empty((sum(len(s.times) for s in series), columns + extra + 2 * len(names)), dtype=np.float32)
    if masked:
        out[:, past] = short_series.available([len(s.times) for s in series], [s.padded for s in series])
    start = 0
    for k, s in enumerate(series):
        block = out[start : start + len(s.times)]
        scaled = scaler.transform_(s.values, k)
        block[:, :past], block[:, past + extra : columns + extra] = scaled[:, :past], scaled[:, past:]
        s.values = None  # the copy in `out` is the one kept
        for lo in range(0, len(s.times), rows):
            block[lo : lo + rows, columns + extra :] = calendar.encode(s.times[lo : lo + rows], names)
        start += len(s.times)
    return out
