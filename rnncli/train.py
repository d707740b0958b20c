"""Fit a forecaster to the config's data and write its run folder.

`fit(cfg)` is the one place that unpacks the config: it prepares the data (split, scaler fitted on
the training rows, window views), builds the model and optimizer, runs the epochs (train, validate,
schedule, checkpoint on improvement, stop early), then scores the best checkpoint on the test split
beside the baselines and writes `summary.json`.
"""

from __future__ import annotations

import dataclasses
import math
import platform
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rnncli import __version__, checkpoint, data, device as devices, loop, runs, scoring
from rnncli.config import Config, TrainConfig, to_yaml
from rnncli.dataset import Prepared, WindowSpec, prepare
from rnncli.errors import TrainingFailed
from rnncli.files import write_text
from rnncli.model import Forecaster, ModelArgs, count_parameters
from rnncli.progress import Progress, Silent


@dataclass
class FitResult:
    run_dir: Path
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    best_val_loss: float
    test: dict
    seconds: float
    device: str


def schema_of(cfg: Config) -> data.Schema:
    d = cfg.data
    return data.Schema(d.path, d.time_column, tuple(d.target), tuple(d.features), d.frequency, d.missing)


def spec_of(cfg: Config) -> WindowSpec:
    w, d = cfg.window, cfg.data
    return WindowSpec(w.lookback, w.horizon, w.mode == "many_to_many", d.val_fraction, d.test_fraction)


def fit(cfg: Config, progress: Progress | None = None) -> FitResult:
    """Train per `cfg`; return where the run was written and how it scored."""
    started = time.perf_counter()
    progress = progress or Silent()
    seed_everything(cfg.train.seed)
    device = devices.resolve(cfg.train.device)
    prepared = prepare(schema_of(cfg), spec_of(cfg), cfg.data.scaler)
    season = cfg.data.season or data.season_of(prepared.frequency)
    for note in prepared.notes:
        progress.note(note)
    model = Forecaster(_model_args(cfg, prepared)).to(device)
    optimizer = make_optimizer(model, cfg.train)
    scheduler = make_scheduler(optimizer, cfg.train)
    run = runs.create(cfg.output.dir, cfg.name)
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=str(Path(cfg.data.path).resolve())))  # readable from anywhere
    write_text(run / "config.yaml", to_yaml(cfg))
    progress.note(f"run folder {run}; {len(prepared.index('train'))} training and {len(prepared.index('val'))} validation windows; "
                  f"{cfg.model.cell} with {count_parameters(model):,} parameters on {device}")

    prepared.windows = prepared.windows.to(device)
    train_index, val_index = prepared.index("train").to(device), prepared.index("val").to(device)
    generator = torch.Generator(device=device).manual_seed(cfg.train.seed)
    log = runs.MetricsLog(run / "metrics.csv")
    best_loss, best_epoch, bad_epochs, stopped_early = math.inf, 0, 0, False
    batches = math.ceil(len(train_index) / cfg.train.batch_size)
    progress.start(cfg.train.epochs, batches)
    try:
        for epoch in range(1, cfg.train.epochs + 1):
            tick = time.perf_counter()
            train_loss, grad_norm = loop.train_epoch(model, prepared.windows, train_index, optimizer, cfg.train.batch_size, generator,
                                                     cfg.train.clip_grad_norm, cfg.train.clip_grad_value, progress.batch)
            if not math.isfinite(train_loss):
                raise TrainingFailed(f"training diverged in epoch {epoch} (loss {train_loss}); lower train.lr or set train.clip_grad_norm "
                                     f"(the best checkpoint so far is in {run / 'checkpoints'})")
            val_loss, val_mae = loop.validate(model, prepared.windows, val_index, prepared.unscale)
            lr = optimizer.param_groups[0]["lr"]
            _step(scheduler, val_loss)
            improved = val_loss < best_loss
            if improved:
                best_loss, best_epoch, bad_epochs = val_loss, epoch, 0
            else:
                bad_epochs += 1
            row = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_mae": val_mae, "lr": lr,
                   "grad_norm": grad_norm, "seconds": round(time.perf_counter() - tick, 4)}
            log.append(row)
            payload = _payload(cfg, model, optimizer, scheduler, prepared, season, epoch, best_epoch, best_loss)
            if improved:
                checkpoint.save(runs.checkpoint_path(run, "best"), payload)
            checkpoint.save(runs.checkpoint_path(run, "last"), payload)
            progress.epoch({**row, "best": improved})
            if cfg.train.patience is not None and bad_epochs >= cfg.train.patience:
                stopped_early = True
                progress.note(f"stopped early: no better val_loss for {bad_epochs} epochs; best epoch {best_epoch}")
                break
    finally:
        progress.stop()

    best = checkpoint.load(runs.checkpoint_path(run, "best"), map_location=device)
    model.load_state_dict(best["model_state"])
    test = scoring.score(model, prepared, "test", season)
    seconds = time.perf_counter() - started
    runs.write_summary(run, {
        "name": cfg.name, "run_dir": str(run), "best_epoch": best_epoch, "epochs_run": len(log.rows), "stopped_early": stopped_early,
        "val": {"loss": best_loss, "mae": log.rows[best_epoch - 1]["val_mae"]}, "test": test,
        "wall_seconds": round(seconds, 3), "device": str(device), "parameters": count_parameters(model),
        "data": {"rows": sum(len(t) for t in prepared.times), "filled": prepared.filled, "frequency": prepared.frequency,
                 "windows": {s: len(prepared.index(s)) for s in ("train", "val", "test")}},
        "versions": versions(),
    })
    return FitResult(run, best_epoch, len(log.rows), stopped_early, best_loss, test, seconds, str(device))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_optimizer(model: torch.nn.Module, t: TrainConfig) -> torch.optim.Optimizer:
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
    return kinds[t.optimizer](model.parameters(), lr=t.lr, weight_decay=t.weight_decay)


def make_scheduler(optimizer: torch.optim.Optimizer, t: TrainConfig):
    if t.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, (t.patience or 10) // 3))
    if t.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t.epochs)
    return None


def _step(scheduler, val_loss: float) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(val_loss)
    elif scheduler is not None:
        scheduler.step()


def _model_args(cfg: Config, prepared: Prepared) -> ModelArgs:
    m = cfg.model
    return ModelArgs(input_size=len(prepared.columns), n_targets=prepared.n_targets, horizon=cfg.window.horizon, cell=m.cell,
                     hidden_size=m.hidden_size, num_layers=m.num_layers, nonlinearity=m.nonlinearity, dropout=m.dropout,
                     many_to_many=cfg.window.mode == "many_to_many")


def _payload(cfg: Config, model, optimizer, scheduler, prepared: Prepared, season: int, epoch: int, best_epoch: int, best_loss: float) -> dict:
    times = prepared.times[0]
    return {
        "model_args": model.args.to_dict(),
        "model_state": model.state_dict(),
        "optimizer_state": optimizer.state_dict(),
        "scheduler_state": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch, "best_epoch": best_epoch, "best_val_loss": best_loss,
        "scaler": prepared.scaler.state(),
        "schema": {"time_column": cfg.data.time_column, "targets": list(cfg.data.target), "features": list(cfg.data.features),
                   "frequency": prepared.frequency, "missing": cfg.data.missing, "season": season,
                   "first_timestamp": times[0].isoformat(), "last_timestamp": times[-1].isoformat(), "rows": len(times)},
        "window": {"lookback": cfg.window.lookback, "horizon": cfg.window.horizon, "mode": cfg.window.mode,
                   "val_fraction": cfg.data.val_fraction, "test_fraction": cfg.data.test_fraction},
        "config": cfg.to_dict(),
        "versions": versions(),
    }


def versions() -> dict:
    return {"rnncli": __version__, "torch": str(torch.__version__), "python": platform.python_version()}
