"""Use a trained model: forecast beyond the end of the data, or score it on a split.

Both start from a run folder or a checkpoint file. The checkpoint carries the data schema (time
column, targets, features, frequency), the scaler fitted at training time, and the window, so any
CSV with the same columns can be forecast from or scored on, on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from rnncli import checkpoint, data, scoring
from rnncli.dataset import WindowSpec, prepare
from rnncli.errors import RnnCliError
from rnncli.model import Forecaster
from rnncli.windows import Scaler


@dataclass
class Trained:
    """A checkpoint opened for use: its model, and how to read data the way it was trained."""

    path: Path
    payload: dict
    model: Forecaster
    schema: data.Schema
    spec: WindowSpec
    scaler: Scaler

    @property
    def season(self) -> int:
        return int(self.payload["schema"]["season"])


def checkpoint_file(run: str | Path, which: str = "best") -> Path:
    """A run folder's checkpoints/<which>.pt, or the checkpoint file given itself."""
    path = Path(run)
    if path.is_dir():
        found = path / "checkpoints" / f"{which}.pt"
        if not found.is_file():
            raise RnnCliError(f"'{path}' has no checkpoints/{which}.pt; give a run folder made by 'rnncli train' (runs/<name>/<stamp>) "
                              "or a checkpoint file")
        return found
    if path.is_file():
        return path
    raise RnnCliError(f"'{path}' does not exist; give a run folder (runs/<name>/<stamp>) or a checkpoint file (.pt)")


def open_trained(run: str | Path, which: str = "best", data_path: str | Path | None = None) -> Trained:
    path = checkpoint_file(run, which)
    payload = checkpoint.load(path)
    model = checkpoint.build_model(payload)
    s, w = payload["schema"], payload["window"]
    csv = Path(data_path) if data_path is not None else Path(payload["config"]["data"]["path"])
    if data_path is None and not csv.is_file():
        raise RnnCliError(f"the data this model was trained on ('{csv}') is not here; pass --data with a CSV that has the columns "
                          f"{', '.join([s['time_column'], *s['targets'], *s['features']])}")
    schema = data.Schema(str(csv), s["time_column"], tuple(s["targets"]), tuple(s["features"]), s["frequency"], s["missing"])
    spec = WindowSpec(w["lookback"], w["horizon"], w["mode"] == "many_to_many", w["val_fraction"], w["test_fraction"])
    return Trained(path, payload, model, schema, spec, Scaler.from_state(payload["scaler"]))


def predict(run: str | Path, data_path: str | Path | None = None, horizon: int | None = None, which: str = "best") -> pd.DataFrame:
    """Forecast the `horizon` steps after the end of the data: a frame of timestamps and targets.

    Beyond the model's own horizon the forecasts are fed back as inputs (recursive forecasting),
    which needs every input to be a target: a future feature value is not known.
    """
    trained = open_trained(run, which, data_path)
    spec, schema = trained.spec, trained.schema
    horizon = spec.horizon if horizon is None else horizon
    if horizon < 1:
        raise RnnCliError(f"--horizon must be at least 1, got {horizon}")
    if horizon > spec.horizon and schema.features:
        raise RnnCliError(f"--horizon {horizon} is beyond the model's horizon ({spec.horizon}), which needs forecasts fed back as inputs, "
                          f"but the model also reads features ({', '.join(schema.features)}) whose future values are unknown; "
                          f"use --horizon {spec.horizon} or less, or train with window.horizon={horizon}")
    series = data.load(schema)
    if len(series.times) < spec.lookback:
        raise RnnCliError(f"{schema.path} has {len(series.times)} rows after gap filling; the model reads the last {spec.lookback} (window.lookback)")
    window = torch.from_numpy(trained.scaler.transform(series.values[-spec.lookback :], 0))
    steps, made = [], 0
    with torch.inference_mode():
        while True:
            out = trained.model.forecast(window[None])[0]  # (model horizon, targets), scaled
            steps.append(out)
            made += len(out)
            if made >= horizon:
                break
            window = torch.cat([window, out])[-spec.lookback :]  # only targets as inputs (checked above)
    scaled = torch.cat(steps)[:horizon]
    n_t = len(schema.targets)
    real = scaled.double() * trained.scaler.scale[0, :n_t].double() + trained.scaler.loc[0, :n_t].double()
    times = pd.date_range(series.times[-1], periods=horizon + 1, freq=series.frequency)[1:]
    frame = pd.DataFrame(real.numpy(), columns=list(schema.targets))
    frame.insert(0, schema.time_column, times)
    return frame


def evaluate(run: str | Path, data_path: str | Path | None = None, split: str = "test", which: str = "best") -> dict:
    """Metrics of the model and the baselines on every window of `split`, in real units."""
    trained = open_trained(run, which, data_path)
    prepared = prepare(trained.schema, trained.spec, trained.scaler)
    report = scoring.score(trained.model, prepared, split, trained.season)
    return {**report, "checkpoint": str(trained.path), "data": trained.schema.path}
