import csv
import json
import math

import numpy as np
import pytest
import torch
import yaml
from helpers import CLASSICAL, write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.artifacts.run_folder import METRIC_COLUMNS
from rnncli.commands import evaluate, predict
from rnncli.errors import RnnCliError, TrainingFailed
from rnncli.pipeline.run import train_run


def read_metrics(run):
    with open(run / "metrics.csv") as fh:
        return list(csv.DictReader(fh))


def test_fit_writes_a_complete_run_folder(tiny):
    cfg_path, csv_path, runs = tiny
    result = train_run(config.load(cfg_path))
    run = result.run_dir
    assert run.parent == runs / "tiny" and len(run.name) == len("20240101-120000")
    assert sorted(p.name for p in run.iterdir()) == [
        "checkpoints",
        "config.yaml",
        "loss.png",
        "metrics.csv",
        "summary.json",
    ]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["best.pt", "last.pt"]
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["data"]["path"] == str(csv_path.resolve()) and saved["train"]["epochs"] == 3
    rows = read_metrics(run)
    assert list(rows[0]) == list(METRIC_COLUMNS) and [int(r["epoch"]) for r in rows] == [1, 2, 3]
    best = min(rows, key=lambda r: float(r["val_loss"]))
    summary = json.loads((run / "summary.json").read_text())
    assert summary["best_epoch"] == int(best["epoch"]) == result.best_epoch
    assert summary["val"]["loss"] == pytest.approx(float(best["val_loss"]))
    assert summary["data"]["windows"] == {"train": 192 - 15 + 1, "val": 24, "test": 24}
    assert set(summary["test"]["baselines"]) == CLASSICAL
    assert checkpoint.load(run / "checkpoints" / "best.pt")["epoch"] == result.best_epoch
    assert checkpoint.load(run / "checkpoints" / "last.pt")["epoch"] == 3


def test_checkpoints_are_written_after_the_first_epoch_then_every_few_seconds_and_at_the_end(
    tiny, monkeypatch
):
    cfg_path, _csv_path, _runs = tiny
    writes, save = [], checkpoint.save

    def recorded(path, payload):
        writes.append((path.name, payload["epoch"]))
        save(path, payload)

    monkeypatch.setattr(checkpoint, "save", recorded)
    cfg = config.load(cfg_path, ["train.epochs=6", "train.patience=null", "train.checkpoint_every=1e6"])
    result = train_run(cfg)
    during = [w for w in writes if w[0] in ("best.pt", "last.pt")][:4]
    assert during[:2] == [("best.pt", 1), ("last.pt", 1)]  # the first epoch: a run always has one
    assert ("last.pt", 6) in writes and not any(w == ("last.pt", e) for e in (2, 3, 4, 5) for w in writes)
    run = result.run_dir
    assert [int(r["epoch"]) for r in read_metrics(run)] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]  # every epoch, written at the end
    best = checkpoint.load(run / "checkpoints" / "best.pt")
    assert best["epoch"] == result.best_epoch  # the best epoch's weights, though written later
    assert checkpoint.load(run / "checkpoints" / "last.pt")["epoch"] == 6


def test_epoch_seconds_add_up_to_no_more_than_the_whole_fit(tiny):
    import time

    started = time.perf_counter()
    result = train_run(config.load(tiny[0], ["train.epochs=4"]))
    wall = time.perf_counter() - started
    seconds = [float(r["seconds"]) for r in read_metrics(result.run_dir)]
    assert all(s > 0 for s in seconds) and sum(seconds) <= wall
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert (
        summary["train_seconds"] == pytest.approx(sum(seconds), abs=1e-3)
        and summary["train_seconds"] <= summary["wall_seconds"]
    )


def test_a_second_run_gets_its_own_folder(tiny):
    cfg = config.load(tiny[0], ["train.epochs=1"])
    first, second = train_run(cfg).run_dir, train_run(cfg).run_dir
    assert first != second and first.is_dir() and second.is_dir()


def test_same_seed_same_metrics_and_weights(tiny):
    cfg = config.load(tiny[0], ["model.cell=gru"])
    a, b = train_run(cfg).run_dir, train_run(cfg).run_dir
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    assert strip(read_metrics(a)) == strip(read_metrics(b))
    wa = checkpoint.load(a / "checkpoints" / "last.pt")["model_state"]
    wb = checkpoint.load(b / "checkpoints" / "last.pt")["model_state"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    c = train_run(config.load(tiny[0], ["model.cell=gru", "train.seed=1"])).run_dir
    assert strip(read_metrics(c)) != strip(read_metrics(a))


def test_val_mae_is_in_real_units_and_matches_evaluate(tiny):
    run = train_run(config.load(tiny[0], ["data.scaler=minmax"])).run_dir
    best = json.loads((run / "summary.json").read_text())["val"]["mae"]
    report = evaluate.evaluate(run, split="val").metrics
    assert report["model"]["mae"] == pytest.approx(best, rel=1e-5)


def test_early_stopping_stops_after_patience_epochs(tiny):
    # a learning rate too small to move any weight: val_loss never improves after epoch 1
    result = train_run(
        config.load(tiny[0], ["train.optimizer=sgd", "train.lr=1e-12", "train.epochs=20", "train.patience=2"])
    )
    assert result.stopped_early and result.epochs_run == 3 and result.best_epoch == 1


def test_clip_grad_norm_bounds_every_step(tiny):
    cfg = config.load(
        tiny[0],
        [
            "train.optimizer=sgd",
            "train.lr=1.0",
            "train.epochs=1",
            "train.clip_grad_norm=0.01",
            "train.batch_size=64",
        ],
    )
    torch.manual_seed(cfg.train.seed)
    result = train_run(cfg)
    first = _initial_state(cfg)
    last = checkpoint.load(result.run_dir / "checkpoints" / "last.pt")["model_state"]
    moved = math.sqrt(sum(((last[k] - first[k]) ** 2).sum().item() for k in first))
    steps = math.ceil(178 / 64)
    assert moved <= 0.01 * steps + 1e-6  # each SGD step moves the weights by lr * (clipped norm <= 0.01)
    assert (
        float(read_metrics(result.run_dir)[0]["grad_norm"]) > 0.01
    )  # the log shows the norm before clipping


def test_clip_grad_value_bounds_every_element(tiny):
    cfg = config.load(
        tiny[0],
        [
            "train.optimizer=sgd",
            "train.lr=1.0",
            "train.epochs=1",
            "train.clip_grad_norm=null",
            "train.clip_grad_value=0.001",
            "train.batch_size=64",
        ],
    )
    first = _initial_state(cfg)
    last = checkpoint.load(train_run(cfg).run_dir / "checkpoints" / "last.pt")["model_state"]
    steps = math.ceil(178 / 64)
    assert max((last[k] - first[k]).abs().max().item() for k in first) <= 0.001 * steps + 1e-7


def _initial_state(cfg):
    """The weights `fit` starts from: the same seed, the same construction."""
    from rnncli.model.forecaster import Forecaster, ModelArgs
    from rnncli.training.fit import seed_everything

    seed_everything(cfg.train.seed)
    return Forecaster(
        ModelArgs(
            input_size=1, n_targets=1, horizon=1, cell=cfg.model.cell, hidden_size=cfg.model.hidden_size
        )
    ).state_dict()


def test_cosine_schedule_is_logged_per_epoch(tiny):
    run = train_run(
        config.load(
            tiny[0], ["train.scheduler=cosine", "train.epochs=4", "train.lr=0.01", "train.patience=null"]
        )
    ).run_dir
    lrs = [float(r["lr"]) for r in read_metrics(run)]
    assert lrs == pytest.approx([0.01 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)])


def test_plateau_schedule_lowers_the_rate_when_val_loss_stalls(tiny):
    # sgd at 1e-7 barely moves: gains stay under the scheduler's 0.01% threshold, so every epoch after
    # the first counts as bad; with patience null the plateau waits 10 // 3 = 3 bad epochs, then halves
    run = train_run(
        config.load(
            tiny[0],
            [
                "train.scheduler=plateau",
                "train.optimizer=sgd",
                "train.lr=1e-7",
                "train.epochs=6",
                "train.patience=null",
            ],
        )
    ).run_dir
    lrs = [float(r["lr"]) for r in read_metrics(run)]
    assert lrs == pytest.approx([1e-7] * 5 + [5e-8])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown when no GPU is present")
def test_cuda_requested_without_a_gpu_is_a_clear_error(tiny):
    with pytest.raises(RnnCliError, match="train.device=cuda but torch sees no CUDA GPU"):
        train_run(config.load(tiny[0], ["train.device=cuda"]))
    assert not tiny[2].exists()  # nothing written


def test_diverging_training_fails_with_advice(tmp_path):
    csv_path = write_csv(tmp_path / "s.csv")
    cfg = config.load(
        write_config(tmp_path / "c.yaml", csv_path, tmp_path / "runs"),
        ["train.optimizer=sgd", "train.lr=1000", "train.clip_grad_norm=null", "model.nonlinearity=relu"],
    )
    with pytest.raises(
        TrainingFailed,
        match=r"NaN or infinite in epoch 1, batch \d+; lower train.lr \(now 1000.0\) or set "
        r"train.clip_grad_norm",
    ):
        train_run(cfg)


def test_too_short_data_is_refused_before_a_run_folder_exists(tmp_path):
    csv_path = write_csv(tmp_path / "s.csv", n=18)
    cfg = config.load(write_config(tmp_path / "c.yaml", csv_path, tmp_path / "runs"))
    with pytest.raises(RnnCliError, match="too few for window.lookback=14"):
        train_run(cfg)
    assert not (tmp_path / "runs").exists()


def test_running_out_of_memory_is_a_failed_job_with_advice(tiny, monkeypatch):
    import rnncli.training.fit as train_module

    def no_memory(*args, **kwargs):
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory: you tried 17 GB"
        )

    monkeypatch.setattr(train_module, "build", no_memory)
    with pytest.raises(
        TrainingFailed,
        match=r"out of memory on cpu: lower train.batch_size \(now 16\) or model.hidden_size \(now 8\)",
    ):
        train_run(config.load(tiny[0]))
    monkeypatch.setattr(
        train_module, "build", lambda *a: (_ for _ in ()).throw(RuntimeError("some other bug"))
    )
    with pytest.raises(RuntimeError, match="some other bug"):  # anything else keeps its traceback
        train_run(config.load(tiny[0]))


def test_the_loss_named_is_the_loss_trained_and_validated(tiny):
    import pandas as pd

    from rnncli.training import losses

    out, y = torch.tensor([[0.0, 2.0, -4.0]]), torch.zeros(1, 3)
    assert losses.get("mse")(out, y).item() == pytest.approx((0 + 4 + 16) / 3)
    assert losses.get("mae")(out, y).item() == pytest.approx((0 + 2 + 4) / 3)
    assert losses.get("huber")(out, y).item() == pytest.approx(
        (0 + 1.5 + 3.5) / 3
    )  # 0.5 d^2 within 1, |d| - 0.5 beyond
    runs = {
        name: train_run(config.load(tiny[0], [f"train.loss={name}", "train.epochs=1"])).run_dir
        for name in ("mse", "mae")
    }
    val = {name: pd.read_csv(run / "metrics.csv")["val_loss"].iloc[0] for name, run in runs.items()}
    assert val["mae"] != val["mse"] and losses.get("mae")(out, y, reduction="sum").item() == pytest.approx(
        6.0
    )
    assert losses.get("pinball", (0.5,))(out[..., None], y).item() == pytest.approx(
        0.5 * (0 + 2 + 4) / 3
    )  # half the MAE at the median


def test_an_ensemble_is_one_run_one_checkpoint_and_every_command_uses_it(tiny, cli, tmp_path):
    from helpers import newest_run

    from rnncli.artifacts.trained import open_trained

    trained = cli("train", tiny[0], "model.ensemble=3", "train.epochs=2", "window.horizon=2", "-q")
    assert trained.code == 0 and "an ensemble of 3 rnns (training costs 3 times one)" in trained.err
    run = newest_run(tiny[2])
    payload = checkpoint.load(run / "checkpoints" / "best.pt")
    assert payload["model_args"]["ensemble"] == 3 and any(
        k.startswith("members.2.") for k in payload["model_state"]
    )
    model = checkpoint.build_model(payload)
    frame = predict.predict(run, horizon=2).frame
    prepared_last = open_trained(run).prepare(whole=True).last_window(0)[None]
    with torch.no_grad():
        each = torch.stack([m.forecast(prepared_last) for m in model.members])[:, 0, :, 0].double()
    scale, loc = payload["scaler"]["scale"][0, 0].double(), payload["scaler"]["loc"][0, 0].double()
    np.testing.assert_allclose(
        frame["y"].to_numpy(), (each.median(0).values * scale + loc).numpy(), rtol=1e-5
    )
    for args in (
        ["evaluate", run],
        ["inspect", run, "--trace"],
        ["export", run, "--format", "torchscript"],
        ["export", run],
    ):
        done = cli(*args)
        assert done.code == 0, (args, done)


def test_refit_trains_the_final_checkpoint_on_every_row_for_the_epochs_validation_chose(tiny, cli):
    import json

    from helpers import newest_run

    done = cli("train", tiny[0], "train.refit=true", "train.epochs=4", "train.patience=null", "-q")
    assert done.code == 0, done
    run = newest_run(tiny[2])
    assert (run / "refit" / "checkpoints" / "last.pt").is_file()  # the refit's own folder, inside the run's
    summary = json.loads((run / "summary.json").read_text())
    refit = summary["refit"]
    assert refit["epochs"] == summary["best_epoch"]
    best, validated = (
        checkpoint.load(run / "checkpoints" / "best.pt"),
        checkpoint.load(run / "checkpoints" / "validated.pt"),
    )
    assert (
        best["refit"]["windows"] == 240 - 14 - 1 + 1
    )  # every window of every row: train, validation and test
    assert best["train_state"]["epoch"] == summary["best_epoch"] and best["conformal"] is not None
    assert not torch.equal(best["model_state"]["head.weight"], validated["model_state"]["head.weight"])
    assert (
        best["run_id"] == summary["run_id"] and cli("predict", run).code == 0
    )  # predict uses the refit: the run's own
