"""A trained model opened for use: its checkpoint, its model, and how to read data as it was trained.

The checkpoint carries the data schema (time column, targets, features, frequency), the scaler
fitted at training time and the window, so any CSV with the same columns can be forecast from or
scored on, on any machine, without the config that made the model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rnncli.artifacts import checkpoint
from rnncli.data import timeseries
from rnncli.data.prepared import WindowSpec
from rnncli.data.scaling import Scaler
from rnncli.data.splits import Borders
from rnncli.errors import RnnCliError
from rnncli.model.forecaster import Forecaster


@dataclass
class Trained:
    """A checkpoint opened for use: its model, and how to read data the way it was trained."""

    path: Path
    payload: dict
    model: Forecaster
    schema: timeseries.Schema
    spec: WindowSpec
    scaler: Scaler

    @property
    def season(self) -> int:
        return int(self.payload["schema"]["season"])

    def coverage(self, asked: float | None = None) -> float:
        """The interval coverage asked for, else the run's own predict.coverage; 0 means no intervals."""
        coverage = self.payload["config"].get("predict", {}).get("coverage", 0.9) if asked is None else asked
        if not 0 <= coverage < 1:
            raise RnnCliError(f"--coverage must be between 0 and 1 (e.g. 0.9), or 0 for no intervals; got {coverage}")
        return coverage


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


def open_trained(run: str | Path, which: str = "best", data_path: str | Path | None = None, need_data: bool = True) -> Trained:
    """The checkpoint of `run`, its model, and the schema to read data with (from `data_path`, or
    the run's own CSV, which must then exist unless `need_data` is False)."""
    path = checkpoint_file(run, which)
    payload = checkpoint.load(path)
    model = checkpoint.build_model(payload)
    s, w = payload["schema"], payload["window"]
    csv = Path(data_path) if data_path is not None else Path(payload["config"]["data"]["path"])
    if need_data and data_path is None and not csv.is_file():
        columns = [s["time_column"], *([s["id_column"]] if s.get("id_column") else []), *s["targets"], *s["features"]]
        raise RnnCliError(f"the data this model was trained on ('{csv}') is not here; pass --data with a CSV that has the columns "
                          f"{', '.join(columns)}")
    fields = {f.name for f in dataclasses.fields(timeseries.Schema)} - {"path"}
    schema = timeseries.Schema(path=str(csv), **{k: tuple(v) if isinstance(v, list) else v for k, v in s.items() if k in fields})
    spec = WindowSpec(w["lookback"], w["horizon"], w["mode"] == "many_to_many", w["val_fraction"], w["test_fraction"],
                      tuple(w.get("calendar", ())), Borders(*w.get("borders", (None, None, None))))
    return Trained(path, payload, model, schema, spec, Scaler.from_state(payload["scaler"]))
