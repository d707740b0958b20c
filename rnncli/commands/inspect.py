"""`rnncli inspect RUN [--trace]`: a trained model's config, the data it expects, its parameters and
best epoch; with --trace, its recurrence step by step over the last window of the data (the one
`predict` starts from), compared with PyTorch's own output (`evaluation.tracing`)."""

from __future__ import annotations

import json
from pathlib import Path

from rnncli.artifacts.trained import Trained, open_trained


def describe(run: str | Path, which: str = "best") -> tuple[Trained, dict]:
    """The checkpoint and what `inspect` shows of it: schema, parameters, epochs, best metrics."""
    trained = open_trained(run, which, need_data=False)
    payload = trained.payload
    state = payload.get("train_state", {})
    history = state.get("history", [])
    best = next((r for r in history if r["epoch"] == state.get("best_epoch")), None)
    parameters = [(name, tuple(p.shape), p.numel()) for name, p in trained.model.named_parameters()]
    summary = trained.run_dir / "summary.json" if trained.run_dir is not None else None  # how far it went
    epochs = (
        json.loads(summary.read_text())["epochs_run"] if summary and summary.is_file() else state.get("epoch")
    )
    return trained, {
        "checkpoint": str(trained.path),
        "schema": payload["schema"],
        "window": payload["window"],
        "parameters": parameters,
        "epochs": epochs,
        "best": best,
        "versions": payload.get("versions", {}),
        "selection": trained.selection,
    }


def trace(run: str | Path, which: str = "best", data_path: str | Path | None = None):
    """The recurrence over the last window of the data's first series, step by step."""
    from rnncli.evaluation import tracing

    trained = open_trained(run, which, data_path)
    prepared = trained.prepare(whole=True)
    first, lookback = prepared.series[0], trained.spec.lookback
    window = f"the last {lookback} rows of {first.label}, ending {first.times[-1]}"
    return tracing.trace(
        trained.model, prepared.last_window(0)[None], list(trained.schema.columns), window, lookback
    )
