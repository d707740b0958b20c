"""`rnncli export RUN`: the model for serving (ONNX or TorchScript), with a JSON file on its inputs,
column order and the scaler to apply outside it (`artifacts.serving` writes both)."""

from __future__ import annotations

from pathlib import Path

from rnncli.errors import RnnCliError


def export(
    run: str | Path, fmt: str, output: str | Path | None = None, which: str = "best", force: bool = False
) -> tuple[Path, Path]:
    """Write the model in `fmt` and its JSON description; return both paths. By default they go to
    the run folder's export/ (or beside a checkpoint file given alone, replacing an earlier export);
    an `output` given is refused where it exists (unless `force`) or lies in a run folder; never
    over an input."""
    from rnncli.artifacts import serving
    from rnncli.artifacts.files import check_outputs, make_folder, refuse_overwriting
    from rnncli.artifacts.trained import open_trained

    if fmt not in serving.FORMATS:
        raise RnnCliError(f"--format must be one of {', '.join(serving.FORMATS)}; got {fmt!r}")
    trained = open_trained(run, which, need_data=False)
    given = output
    if output is None:
        folder = trained.run_dir / "export" if trained.run_dir is not None else trained.path.parent
        make_folder(folder)
        output = folder / serving.FORMATS[fmt]
    else:
        output = Path(output)
        check_outputs(output, serving.sidecar_of(output))
    refuse_overwriting([output, serving.sidecar_of(output)], trained.inputs(), force or given is None)
    return output, serving.write(trained, fmt, output)
