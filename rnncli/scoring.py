"""Score a model on every window of a split, beside the baselines, in real units.

Shared by `train` (the test scores in summary.json) and `evaluate`. Windows are taken in chunks, so
memory stays bounded however long the series; the linear baseline is fitted on the training
windows and MASE is scaled by each series' in-sample seasonal-naive error on its training rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from rnncli.baselines import LinearAR, in_sample_seasonal_mae, persistence, seasonal_naive
from rnncli.dataset import Prepared
from rnncli.errors import RnnCliError
from rnncli.metrics import Errors
from rnncli.model import Forecaster

BASELINES = ("persistence", "seasonal_naive", "linear_ar")
CHUNK = 8192


def score(model: Forecaster, prepared: Prepared, split: str, season: int) -> dict:
    """Metrics of the model and of each baseline on `split`, with per-horizon and per-target detail."""
    index = prepared.index(split)
    if len(index) == 0:
        raise RnnCliError(f"the {split} split has no complete window (lookback + horizon rows); choose another --split or more data")
    lookback, horizon, nt = prepared.spec.lookback, prepared.spec.horizon, prepared.n_targets
    device = prepared.windows.values.device
    ar = _fit_linear_ar(prepared)
    scales = _mase_scales(prepared, season)
    floors = torch.tensor(prepared.layout.offsets[:-1], device=device)
    errors = {name: Errors(horizon, nt) for name in ("model", *BASELINES)}
    model.eval()
    for starts in _chunks(index, device):
        w = prepared.windows.gather(starts)
        with torch.inference_mode():
            pred = prepared.unscale(model.forecast(w[:, :lookback]), starts)
        history = prepared.unscale(w[:, :lookback, :nt], starts)
        actual = prepared.unscale(w[:, lookback:, :nt], starts)
        series = prepared.layout.series_of(starts)
        lagged = seasonal_naive(prepared.windows.values[:, :nt], starts + lookback, floors[series], horizon, season)
        scale = scales[series.cpu()]
        errors["model"].add(actual, pred, scale)
        errors["persistence"].add(actual, persistence(history, horizon), scale)
        errors["seasonal_naive"].add(actual, prepared.unscale(lagged, starts), scale)
        errors["linear_ar"].add(actual, ar.predict(history), scale)
    return _report(split, len(index), prepared, season, errors)


def _chunks(index, device: torch.device) -> Iterator[torch.Tensor]:
    index = index.to(device)
    for lo in range(0, len(index), CHUNK):
        yield index.starts(torch.arange(lo, min(lo + CHUNK, len(index)), device=device))


def _fit_linear_ar(prepared: Prepared) -> LinearAR:
    lookback, nt = prepared.spec.lookback, prepared.n_targets
    ar = LinearAR(lookback, prepared.spec.horizon, nt)
    for starts in _chunks(prepared.index("train"), prepared.windows.values.device):
        w = prepared.unscale(prepared.windows.gather(starts)[..., :nt], starts)
        ar.add(w[:, :lookback], w[:, lookback:])
    return ar.solve()


def _mase_scales(prepared: Prepared, season: int) -> torch.Tensor:
    """(series, targets): each series' in-sample seasonal-naive MAE over its training rows."""
    nt, scales = prepared.n_targets, []
    for k, (lo, (n_train, _, _)) in enumerate(zip(prepared.layout.offsets, prepared.layout.parts)):
        rows = prepared.windows.values[lo : lo + n_train, :nt].double().cpu()
        real = rows * prepared.scaler.scale[k, :nt].double() + prepared.scaler.loc[k, :nt].double()
        scales.append(in_sample_seasonal_mae(real, season))
    return torch.stack(scales)


def _report(split: str, n_windows: int, prepared: Prepared, season: int, errors: dict[str, Errors]) -> dict:
    report = {
        "split": split,
        "n_windows": n_windows,
        "targets": prepared.targets,
        "horizon": prepared.spec.horizon,
        "season": season,
        "model": errors["model"].result(),
        "baselines": {name: errors[name].result() for name in BASELINES},
        "per_horizon": {name: e.result(dims=(1,)) for name, e in errors.items()},
    }
    if prepared.n_targets > 1:
        by_target = {name: e.result(dims=(0,)) for name, e in errors.items()}
        report["per_target"] = {
            target: {name: {m: v[j] if isinstance(v, list) else v for m, v in res.items()} for name, res in by_target.items()}
            for j, target in enumerate(prepared.targets)
        }
    return report
