"""The command-line options several commands share, declared once (typer's Annotated form)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
Which = Annotated[str, typer.Option("--checkpoint", help="Which checkpoint of the run folder: best or last.")]
DataCsv = Annotated[Path | None, typer.Option("--data", help="CSV to use instead of the one named in the run's config.", show_default=False)]
Run = Annotated[Path, typer.Argument(help="Run folder (runs/<name>/<stamp>) or checkpoint file.", show_default=False)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Plain output: one line per epoch, no progress bar.")]
Overrides = Annotated[list[str] | None, typer.Argument(help="KEY=VALUE overrides, e.g. train.lr=0.01 model.cell=gru.", show_default=False)]

Coverage = Annotated[float | None, typer.Option("--coverage", help="Prediction interval coverage, e.g. 0.9 (default: the run's "
                                                 "predict.coverage); 0 for none.", show_default=False)]
Plot = Annotated[Path | None, typer.Option("--plot", help="Also draw it into this PNG file.", show_default=False)]
