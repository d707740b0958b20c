"""`rnncli export RUN`: the model for serving (ONNX or TorchScript), with a JSON file on its inputs,
column order and the scaler to apply outside it (`artifacts.serving` writes both)."""

from __future__ import annotations

from pathlib import Path

from rnncli.errors import RnnCliError


def export(
    run: str | Path, fmt: str, output: str | Path | None = None, which: str = "best"
) -> tuple[Path, Path]:
    """Write the model in `fmt` and its JSON description; return both paths. By default they go to
    the run folder's export/ (or beside a checkpoint file given alone); never over an input."""
    from rnncli.artifacts import serving
    from rnncli.artifacts.files import make_folder, refuse_overwriting
    from rnncli.artifacts.trained import open_trained

    if fmt not in serving.FORMATS:
        raise RnnCliError(f"--format must be one of {', '.join(serving.FORMATS)}; got {fmt!r}")
    trained = open_trained(run, which, need_data=False)
    if output is None:
        folder = trained.run_dir / "export" if trained.run_dir is not None else trained.path.parent
        make_folder(folder)
        output = folder / serving.FORMATS[fmt]
    output = Path(output)
    refuse_overwriting([output, serving.sidecar_of(output)], trained.inputs())
    return output, serving.write(trained, fmt, output)
