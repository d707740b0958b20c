"""A checkpoint opened for use: its model, and how to read data the way it was trained.

The checkpoint (`checkpoint.py`, the format) carries the data schema, the scaler fitted at
training time and the window, so any CSV with the same columns can be forecast from or scored
on, on any machine, without the config that made the model. predict, evaluate, export, inspect
and the backtest's scoring open checkpoints here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnncli.artifacts import checkpoint, integrity, run_folder
from rnncli.data.prepared import Prepared, prepare
from rnncli.data.scaling import Scaler
from rnncli.data.series import Schema
from rnncli.data.windows import WindowSpec
from rnncli.errors import RnnCliError
from rnncli.model.forecaster import Forecaster


@dataclass
class Trained:
    """A checkpoint opened for use: its model, and how to read data the way it was trained."""

    path: Path
    payload: dict
    model: Forecaster
    schema: Schema  # its path: the CSV to read now
    spec: WindowSpec
    scaler: Scaler
    season: int

    @property
    def clip_negative(self) -> bool:
        """predict.clip_negative of the run (on for runs older than the setting, whose scalers keep no
        floor)."""
        return bool(self.payload["config"].get("predict", {}).get("clip_negative", True))

    @property
    def online_step(self) -> float:
        """predict.online_step of the run: how far each miss moves its intervals' level (0: off, and for
        older runs)."""
        return float(self.payload["config"].get("predict", {}).get("online_step", 0.0))

    @property
    def refit(self) -> bool:
        """Whether the model was trained again on every row (train.refit): it has seen its test part."""
        return bool(self.payload.get("refit"))

    @property
    def selection(self) -> dict | None:
        """What the run serves, as chosen when training ended (None: a run that serves its network)."""
        return self.payload.get("selection")

    @property
    def served_calibration(self) -> dict | None:
        """The calibration of the forecast the run serves (the network's when it serves the network)."""
        return self.payload.get("served_conformal") or self.calibration

    @property
    def calibration(self) -> dict | None:
        """The interval calibration made when training ended (None: the run has not ended)."""
        return checkpoint.calibration(self.payload)

    @property
    def run_dir(self) -> Path | None:
        """The run folder the checkpoint lies in, if it lies in one."""
        return self.path.parent.parent if self.path.parent.name == "checkpoints" else None

    def prepare(
        self, series: list | None = None, spec: WindowSpec | None = None, whole: bool = False
    ) -> Prepared:
        """The data (`series`, else the schema's CSV) read as this model was trained to read it: its
        scaler, season and window (or `spec`), with the availability column exactly when the model
        reads one, so a short series is padded for a model trained on padding and left out otherwise."""
        from rnncli.data import timeseries

        prepared = prepare(
            timeseries.load(self.schema) if series is None else series,
            self.schema,
            spec or self.spec,
            self.scaler,
            season=self.season,
            whole=whole,
            masked=self.model.args.masked,
        )
        prepared.clip_negative = self.clip_negative
        return prepared

    def inputs(self) -> dict[Path, str]:
        """The files this model was made from or is kept in, which no output may replace."""
        files = run_folder.protected(self.run_dir) if self.run_dir is not None else {}
        files[Path(self.schema.path)] = "the CSV being read"
        files[Path(self.payload["config"]["data"]["path"])] = "the CSV the model was trained on"
        files[self.path] = "the checkpoint being used"
        return files

    def coverage(self, asked: float | None = None) -> float:
        """The interval coverage asked for, else the run's own predict.coverage; 0 means no intervals."""
        coverage = self.payload["config"].get("predict", {}).get("coverage", 0.9) if asked is None else asked
        if not 0 <= coverage < 1:
            raise RnnCliError(
                f"--coverage must be between 0 and 1 (e.g. 0.9), or 0 for no intervals; got {coverage}"
            )
        return coverage


def locate(run: str | Path, which: str = "best") -> Path:
    """A run folder's checkpoints/<which>.pt, or the checkpoint file given itself."""
    given = Path(run)
    if given.is_dir():
        checkpoint_path = checkpoint.path(given, which)
        if not checkpoint_path.is_file():
            if which == "best" and checkpoint.path(given, "last").is_file():
                raise RnnCliError(
                    f"'{given}' has no checkpoints/best.pt (training stopped before its first epoch ended) "
                    "but has last.pt: use --checkpoint last, or finish the run with rnncli train --resume"
                )
            raise RnnCliError(
                f"'{given}' has no checkpoints/{which}.pt; give a run folder made by 'rnncli train' "
                "(runs/<name>/<stamp>) or a checkpoint file"
            )
        return checkpoint_path
    if given.is_file():
        return given
    what = "is not a folder or a file (a device or a pipe)" if given.exists() else "does not exist"
    raise RnnCliError(f"'{given}' {what}; give a run folder (runs/<name>/<stamp>) or a checkpoint file (.pt)")


def open_trained(
    run: str | Path, which: str = "best", data_path: str | Path | None = None, need_data: bool = True
) -> Trained:
    """The checkpoint of `run`, its model, and the schema to read data with (from `data_path`, or
    the run's own CSV, which must then exist unless `need_data` is False)."""
    checkpoint_path = locate(run, which)
    loaded = checkpoint.load(checkpoint_path)
    integrity.check_belongs(checkpoint_path, loaded)
    model = checkpoint.build_model(loaded)
    csv = Path(data_path) if data_path is not None else Path(loaded["config"]["data"]["path"])
    header = checkpoint.Header.from_dict(loaded, str(csv))
    if need_data and data_path is None and not csv.is_file():
        s = header.schema
        columns = [*s.time_columns, *s.id_columns, *s.columns]
        raise RnnCliError(
            f"the data this model was trained on ('{csv}') is not here; pass --data with a CSV that has "
            f"the columns {', '.join(columns)}"
        )
    return Trained(checkpoint_path, loaded, model, header.schema, header.spec, header.scaler, header.season)
