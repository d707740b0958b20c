"""The classical methods a forecaster tries first, fitted on each series' training part and
forecasting from any later origin: Theta (`theta.py`) and the exponential smoothings
(`smoothing.py`: ETS, the AICc choice of SES, Holt and damped trend; Com, their mean). Their
state (a smoothed level, a level and a trend) is carried through the data up to each origin, a
block of rows at a time, so a forecast uses the rows before its origin only."""

from __future__ import annotations

import numpy as np
import torch

from rnncli.data.prepared import Prepared
from rnncli.data.windows import Index
from rnncli.evaluation import arx, smoothing, theta


def persistence(history: torch.Tensor, horizon: int) -> torch.Tensor:
    """(windows, lookback, targets) -> (windows, horizon, targets): the last value, repeated."""
    return history[:, -1:].expand(-1, horizon, -1)


def seasonal_naive(
    rows: torch.Tensor, origins: torch.Tensor, floors: torch.Tensor, horizon: int, season: int
) -> torch.Tensor:
    """Value at origin+h-1 - season*ceil(h/season) for h = 1..horizon.

    rows: (all rows, targets) in real units; origins: row of each window's first forecast step;
    floors: first row of each window's series (a lag never reaches before it).
    """
    steps = torch.arange(1, horizon + 1, device=rows.device)
    lag = season * torch.ceil(steps / season).long()
    idx = origins[:, None] + steps[None, :] - 1 - lag[None, :]
    idx = torch.maximum(idx, floors[:, None])
    return rows[idx]


class OriginStates:
    """What Theta and the exponential smoothings know just before given forecast origins of each
    series, computed once (their state carries through every row before an origin): forecasts from
    any of those origins then cost a few multiplications."""

    def __init__(self, prepared: Prepared, baselines, origins: dict[int, np.ndarray]):
        """`origins`: per series k, the sorted rows (positions in the series) forecasts start at."""
        self.first, self.levels, self.states = {}, {}, {}
        for k, rows in origins.items():
            self.first[k] = int(rows[0])
            reads = [real_rows(prepared, k, j) for j in range(prepared.n_targets)]
            self.levels[k] = np.stack(
                [fit.levels_before(reads[j], rows) for j, fit in enumerate(baselines.thetas[k])], axis=1
            )
            self.states[k] = {
                kind: np.stack(
                    [
                        fits[kind].states_before(reads[j], rows)
                        for j, fits in enumerate(baselines.smoothings[k])
                    ],
                    1,
                )
                for kind in smoothing.KINDS
            }

    @classmethod
    def of_index(cls, prepared: Prepared, baselines, index: Index) -> OriginStates:
        """At the origin of every window of a split (`index`)."""
        origins = {}
        for begin, count in index.ranges():
            k = int(prepared.layout.series_of(torch.tensor([begin]))[0])
            origins[k] = np.arange(
                begin - prepared.layout.offsets[k], begin - prepared.layout.offsets[k] + count
            )
            origins[k] += prepared.spec.lookback  # each window's first forecast row
        return cls(prepared, baselines, origins)

    def forecast(self, baselines, k: int, origins: np.ndarray, steps: int) -> dict[str, torch.Tensor]:
        """{"theta", "ets", "com"}: (origins, steps, targets) of series k, from rows `origins` on."""
        at = origins - self.first[k]
        level = self.levels[k][at]
        thetas = [fit.forecast(level[:, j], origins, steps) for j, fit in enumerate(baselines.thetas[k])]
        kinds = {
            kind: np.stack(
                [
                    fits[kind].forecast(self.states[k][kind][at, j], origins, steps)
                    for j, fits in enumerate(baselines.smoothings[k])
                ],
                axis=2,
            )
            for kind in smoothing.KINDS
        }
        ets = [kinds[smoothing.best(fits)][..., j] for j, fits in enumerate(baselines.smoothings[k])]
        return {
            "theta": torch.from_numpy(np.stack(thetas, axis=2)),
            "ets": torch.from_numpy(np.stack(ets, axis=2)),
            "com": torch.from_numpy(np.mean([kinds[kind] for kind in smoothing.KINDS], axis=0)),
        }


def forecasts(
    prepared: Prepared,
    baselines,
    states: OriginStates,
    series: torch.Tensor,
    origins: torch.Tensor,
    history: torch.Tensor,
    steps: int,
    rows: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Every classical forecast, {name: (windows, steps, targets)} in real units (float64, on the
    CPU), of the windows whose series are `series`, first forecast rows `origins` (positions in
    the concatenated rows) and last `lookback` rows `history` (real units); with covariates, the
    linear AR with them reads the windows' scaled `rows` (their lookback and the rows forecast)."""
    nt, offsets = prepared.n_targets, prepared.layout.offsets
    series, origins, history = series.cpu(), origins.cpu(), history.double().cpu()
    firsts = torch.tensor([lo + pad for lo, pad in zip(offsets, prepared.pads)])[
        series
    ]  # a lag never reaches before
    values = prepared.windows.values[:, :nt].cpu()
    lagged = prepared.unscale(
        seasonal_naive(values, origins, firsts, steps, prepared.season), origins - 1
    ).double()
    out = {"persistence": persistence(history, steps).clone(), "seasonal_naive": lagged}
    made = {
        name: torch.empty(len(series), steps, nt, dtype=torch.float64) for name in ("linear_ar", *STATEFUL)
    }
    for k in series.unique().tolist():
        mine = series == k
        made["linear_ar"][mine] = baselines.ars[k].roll(history[mine], steps)
        at = (origins[mine] - offsets[k]).numpy()
        for name, forecast in states.forecast(baselines, k, at, steps).items():
            made[name][mine] = forecast
    if baselines.arx is not None:
        inside = origins - 1  # a row of each window's series: its scale
        made[arx.NAME] = prepared.unscale(baselines.arx.roll(rows, steps), inside).double()
    return {**out, **made}


STATEFUL = ("theta", "ets", "com")  # the forecasts `OriginStates` makes


def real_rows(prepared: Prepared, k: int, j: int):
    """Rows lo .. hi - 1 of target j of series k, in real units, for Theta to read a chunk at a time."""
    base, loc, scale = (
        prepared.layout.offsets[k],
        float(prepared.scaler.loc[k, j]),
        float(prepared.scaler.scale[k, j]),
    )
    logged = j < prepared.scaler.log_columns

    def rows(lo: int, hi: int) -> np.ndarray:
        out = prepared.windows.values[base + lo : base + hi, j].double().cpu().numpy() * scale + loc
        return np.expm1(out) if logged else out

    return rows


def fit_theta(prepared: Prepared) -> list[list[theta.ThetaFit]]:
    """One Theta per target of each series, fitted on its training rows (all series at once)."""
    return _fit_each(prepared, theta.MAX_FIT_ROWS, theta.fit, lambda fit: [fit])


def fit_smoothing(prepared: Prepared) -> list[list[dict[str, smoothing.SmoothingFit]]]:
    """The exponential smoothings of each target of each series, fitted on its training rows (all series at
    once)."""
    return _fit_each(prepared, smoothing.MAX_FIT_ROWS, smoothing.fit, lambda kinds: list(kinds.values()))


def _fit_each(prepared: Prepared, most: int, fit, parts) -> list[list]:
    """`fit(trains, season)` on the last `most` training rows (in real units) of every target of
    every series, all at once; each fit (or each of its `parts`) has its start counted from its
    series' first row. One list of fits per series, a fit per target."""
    nt = prepared.n_targets
    firsts = [
        max(pad, n_train - most) for (n_train, _, _), pad in zip(prepared.layout.parts, prepared.pads)
    ]  # real rows
    trains = [
        real_rows(prepared, k, j)(first, n_train)
        for k, ((n_train, _, _), first) in enumerate(zip(prepared.layout.parts, firsts))
        for j in range(nt)
    ]
    fits = fit(trains, prepared.season)
    for made, first in zip(fits, [first for first in firsts for _ in range(nt)]):
        for one in parts(made):
            one.start += first
    return [fits[k * nt : (k + 1) * nt] for k in range(len(prepared.series))]
