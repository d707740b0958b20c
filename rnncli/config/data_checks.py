"""Checks of the config's data section: the file, the columns it names, how it is read, and the
split (fractions or timestamp borders); each error names the key and the value received."""

from __future__ import annotations

import itertools

from rnncli.config.schema import DataConfig
from rnncli.errors import bad_value


def check(d: DataConfig) -> None:
    """The data section: the file, its columns, how it is read and split."""
    if not d.path:
        bad_value("data.path", d.path, "the CSV file to read, e.g. data/seattle-weather.csv")
    _check_columns(d)
    _check_reading(d)
    for key, value in (("data.val_fraction", d.val_fraction), ("data.test_fraction", d.test_fraction)):
        if not 0 < value < 1:
            bad_value(key, value, "a fraction strictly between 0 and 1")
    if d.val_fraction + d.test_fraction >= 1:
        bad_value(
            "data.test_fraction",
            d.test_fraction,
            f"with data.val_fraction={d.val_fraction}, a sum below 1 so rows are left to train on",
        )
    _check_borders(d.train_end, d.val_end, d.test_end)


def _check_columns(d) -> None:
    """The columns named: a time column (or its parts), targets, features and an id, none twice."""
    times = [d.time_column] if isinstance(d.time_column, str) else d.time_column
    if not times or not all(times) or len(times) > 6 or len(set(times)) != len(times):
        bad_value(
            "data.time_column",
            d.time_column,
            "the name of the CSV column that holds the timestamps, or a list of the columns "
            "that hold year, month, day (hour, minute, second), in that order",
        )
    if len(times) > 1 and d.time_format is not None:
        bad_value(
            "data.time_format",
            d.time_format,
            "null when data.time_column lists the columns of year, month, day, ...",
        )
    if d.time_format is not None and "%" not in d.time_format:
        bad_value("data.time_format", d.time_format, "strftime codes such as %d/%m/%Y or %Y-%m-%d %H:%M")
    if not d.target:
        bad_value("data.target", d.target, "one column name or a list of them")
    for key, names in (
        ("data.target", d.target),
        ("data.features", d.features),
        ("data.future_features", d.future_features),
        ("data.static_features", d.static_features),
        ("data.categorical", d.categorical),
    ):
        if len(set(names)) != len(names):
            bad_value(key, names, "column names without repeats")
        if set(times) & set(names):
            bad_value(key, names, f"value columns; '{sorted(set(times) & set(names))[0]}' is a time column")
    _check_key(d, times)
    if d.layout == "wide" and (
        d.features or d.future_features or d.static_features or d.id_column is not None
    ):
        bad_value(
            "data.layout",
            d.layout,
            "long when data.features, data.future_features, data.static_features or data.id_column are set "
            "(a wide file is one series per column, with no covariates)",
        )
    _check_covariates(d)


def _check_key(d, times: list[str]) -> None:
    """The id column, or the key columns: named once, none of them a time, target or feature column."""
    keys = [d.id_column] if isinstance(d.id_column, str) else list(d.id_column or [])
    if d.id_column is not None and (
        not keys
        or len(set(keys)) != len(keys)
        or set(keys) & {*times, *d.target, *d.features, *d.future_features, *d.static_features}
    ):
        bad_value(
            "data.id_column",
            d.id_column,
            "a column (or a list of columns, none twice) that is neither the time column, a target nor a "
            "feature",
        )


def _check_covariates(d) -> None:
    """Each column in one role: target, past feature, known ahead or static; the categorical ones
    among the features."""
    if set(d.target) & set(d.features):
        bad_value(
            "data.features",
            d.features,
            f"columns other than the targets ({', '.join(sorted(set(d.target) & set(d.features)))} is a "
            "target)",
        )
    roles = [
        ("data.target", d.target, "a target"),
        ("data.features", d.features, "a past feature (data.features): name it once"),
        ("data.future_features", d.future_features, "known ahead (data.future_features): name it once"),
        ("data.static_features", d.static_features, ""),
    ]
    for k, (key, names, _) in enumerate(roles[2:], start=2):  # each column in one role only
        for _, others, what in roles[:k]:
            if set(names) & set(others):
                both = sorted(set(names) & set(others))[0]
                bad_value(key, names, f"columns other than those ('{both}' is {what})")
    stray = sorted(set(d.categorical) - {*d.features, *d.future_features, *d.static_features})
    if stray:
        bad_value(
            "data.categorical",
            d.categorical,
            f"columns listed among data.features, data.future_features or data.static_features ('{stray[0]}' "
            "is not; a target is always numeric)",
        )


def _check_reading(d) -> None:
    """How the data is read: fills, gaps, calendar features, time zone."""
    if not 0 <= d.max_fill < 1:
        bad_value(
            "data.max_fill",
            d.max_fill,
            "the share of a series' values that may be filled, from 0 (none) to below 1 (e.g. 0.1)",
        )
    if len(set(d.calendar)) != len(d.calendar):
        bad_value("data.calendar", d.calendar, "calendar features without repeats")
    if d.max_gap is not None and not 0 <= d.max_gap <= 10**9:
        bad_value(
            "data.max_gap",
            d.max_gap,
            "the longest run of missing steps that may be filled (0 to 1e9), or null for any",
        )
    if d.timezone is not None:
        _check_timezone(d.timezone)


def _check_borders(*borders: str | None) -> None:
    """Timestamp borders: none, or train_end and val_end (test_end optional), in time order."""
    from datetime import datetime

    keys = ("data.train_end", "data.val_end", "data.test_end")
    if all(b is None for b in borders):
        return
    for key, border in zip(keys[:2], borders[:2]):
        if border is None:
            bad_value(
                key,
                border,
                "a timestamp, e.g. 2017-10-23 23:00, when splitting by timestamps "
                "(data.train_end and data.val_end are both needed; data.test_end is optional)",
            )
    parsed = []
    for key, border in zip(keys, borders):
        if border is None:
            continue
        try:
            parsed.append((key, datetime.fromisoformat(border)))
        except ValueError:
            bad_value(key, border, "a timestamp such as 2017-06-25 23:00 (YYYY-MM-DD [HH:MM[:SS]])")
    for (key_a, a), (key_b, b) in itertools.pairwise(parsed):
        if (a.tzinfo is None) != (b.tzinfo is None) or b <= a:
            bad_value(
                key_b,
                borders[keys.index(key_b)],
                f"a timestamp after {key_a}={borders[keys.index(key_a)]}, written the same way",
            )


def _check_timezone(name: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        bad_value(
            "data.timezone", name, "an IANA time zone name such as Europe/Paris, America/New_York or UTC"
        )
