"""Export a trained model for serving: ONNX or TorchScript, with a JSON file that says how to use it.

The exported graph is the network alone, on scaled values:

    inputs  x       (batch, lookback, inputs)  the last `lookback` rows: targets, features, then
                                               calendar columns, each target and feature scaled
                                               as (value - loc) / scale
            future  (batch, horizon * k)       only with calendar features: their values at the
                                               `horizon` times being forecast
    output  y       (batch, horizon, targets)  scaled: value = y * scale + loc

The scaling stays outside the graph so one exported model serves every series of a long-format
file; `<output>.json` holds the scaler (per series id), the column order, the window and the
calendar features. Window normalisation and segments, when the model has them, are inside the
graph (the JSON says so): the caller feeds and reads the same scaled values either way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from rnncli.artifacts.files import atomic_write, temporary_beside, write_error, write_json
from rnncli.artifacts.trained import Trained
from rnncli.data.rows import column_names
from rnncli.errors import RnnCliError

FORMATS = {"onnx": "model.onnx", "torchscript": "model.torchscript.pt"}


class Serving(torch.nn.Module):
    """The forecast from the end of each window, as one traceable forward."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        return self.model.forecast(x, future)


def write(trained: Trained, fmt: str, output: Path) -> Path:
    """Write the model in `fmt` (onnx or torchscript) to `output` and its JSON description beside it
    (`<output>.json`, returned)."""
    serving, inputs, names = _example(trained)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # tracing and exporter deprecation notices are not the user's business
        if fmt == "onnx":
            _onnx(serving, inputs, names, output)
        else:
            traced = torch.jit.trace(serving, inputs)
            atomic_write(output, lambda fh: torch.jit.save(traced, fh))
    sidecar = sidecar_of(output)
    write_json(sidecar, describe(trained, fmt, names))
    return sidecar


def sidecar_of(output: Path) -> Path:
    """Where the JSON description of an exported model goes: beside it, `<name>.json`."""
    return output.with_name(output.name + ".json")


def _example(trained: Trained) -> tuple[Serving, tuple[torch.Tensor, ...], list[str]]:
    args = trained.model.args
    x = torch.zeros(2, trained.spec.lookback, args.input_size)
    if args.future_size:
        return Serving(trained.model).eval(), (x, torch.zeros(2, args.future_size)), ["x", "future"]
    return Serving(trained.model).eval(), (x,), ["x"]


def _onnx(serving: Serving, inputs: tuple[torch.Tensor, ...], names: list[str], output: Path) -> None:
    try:
        import onnx  # noqa: F401  (the exporter needs it; a clear message beats its ImportError)
    except ImportError as exc:
        raise RnnCliError(
            "ONNX export needs the export extra: pip install 'rnncli[export]' (onnx, onnxruntime)"
        ) from exc
    try:
        tmp = temporary_beside(output)  # the exporter writes to a path: one made for it alone
    except OSError as exc:
        raise write_error(output, exc) from exc
    dynamic = {name: {0: "batch"} for name in [*names, "y"]}
    try:
        try:
            torch.onnx.export(
                serving,
                inputs,
                tmp,
                input_names=names,
                output_names=["y"],
                dynamic_axes=dynamic,
                dynamo=False,
            )
        except OSError:
            raise
        except Exception:
            batch = torch.export.Dim("batch")
            torch.onnx.export(
                serving,
                inputs,
                tmp,
                input_names=names,
                output_names=["y"],
                dynamo=True,
                dynamic_shapes=tuple({0: batch} for _ in names),
            )
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_error(output, exc) from exc


def describe(trained: Trained, fmt: str, names: list[str]) -> dict:
    """How to call the exported model: inputs, outputs, column order, scaling, window."""
    args, spec, schema = trained.model.args, trained.spec, trained.schema
    return {
        "format": fmt,
        "inputs": {
            "x": ["batch", spec.lookback, args.input_size],
            **({"future": ["batch", args.future_size]} if "future" in names else {}),
        },
        "output": {"y": ["batch", spec.horizon, args.n_targets]},
        "columns": column_names(schema, spec, args.masked),
        "targets": list(schema.targets),
        "known_ahead": list(schema.future_features),
        "static": list(schema.static_features),
        "categories": {
            "levels": dict(zip(schema.categorical, (list(x) for x in schema.levels))),
            "use": "a categorical column NAME is read as one column NAME=CATEGORY per category, 1 where the "
            "cell holds it and 0 elsewhere (all 0 for a category not listed); those columns are not scaled",
        },
        "lookback": spec.lookback,
        "horizon": spec.horizon,
        "frequency": schema.frequency,
        "calendar": list(spec.calendar),
        "scaler": _scaler(trained),
        "calendar_encoding": "for each feature f: sin and cos of 2*pi*phase, phase = hour/24, dayofweek/7 "
        "(Monday 0), (dayofyear-1)/days in the year, (month-1)/12",
        "window_normalization": _normalization(args, schema, spec) if args.normalize != "none" else None,
        "segment": (
            {"steps": args.segment, "segments": spec.lookback // args.segment, "inside_graph": True}
            if args.segment
            else None
        ),
        "checkpoint": str(trained.path),
        "versions": trained.payload.get("versions", {}),
    }


def _scaler(trained: Trained) -> dict:
    scaler, schema = trained.scaler, trained.schema
    return {
        "kind": scaler.kind,
        "ids": scaler.ids,
        "loc": scaler.loc.tolist(),
        "scale": scaler.scale.tolist(),
        "columns": schema.columns,
        "use": "scaled = (value - loc) / scale for each target and feature column (row of the series id; "
        "ids [null] means one row for all); the output is scaled: value = y * scale + loc (target columns)",
    }


def _normalization(args, schema, spec) -> dict:
    shift = "last value" if args.normalize == "last" else "running mean" if args.many_to_many else "mean"
    return {
        "inside_graph": True,
        "columns": column_names(schema, spec, False)[: args.normalized_columns],
        "shift": shift,
        "use": "nothing to do outside the model: within the graph each input window's target and feature "
        "columns are shifted (by the shift above) and divided by their standard deviation (+1e-5 "
        "variance), and the output is mapped back with them; feed and read scaled values as above",
    }
