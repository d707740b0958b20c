"""Training in several processes: torchrun on loopback, gloo on the CPU, equal to one process."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import torch
from helpers import write_config, write_csv

from rnncli import config as configs
from rnncli.pipeline.run import train_run
from rnncli.training import distributed, loop


def _weights(run) -> dict[str, torch.Tensor]:
    return torch.load(run / "checkpoints" / "last.pt", map_location="cpu", weights_only=False)["model_state"]


def test_two_processes_match_one_process_that_sees_the_same_global_batches(tmp_path):
    # 306 training windows: 19 global batches of 16 and a last one of 2, one window per process
    csv = write_csv(tmp_path / "series.csv", n=400)
    train = {
        "epochs": 1,
        "batch_size": 8,
        "lr": 0.01,
        "clip_grad_norm": 1.0,
        "optimizer": "adam",
        "device": "cpu",
    }
    cfg = write_config(
        tmp_path / "ddp.yaml",
        csv,
        tmp_path / "ddp",
        model={"cell": "gru", "hidden_size": 8, "num_layers": 2},
        train=train,
    )
    proc = subprocess.run(
        [sys.executable, "-m", "rnncli", "train", str(cfg), "--nproc", "2", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "in each of 2 processes (global batch 16)" in proc.stderr
    assert proc.stderr.count("epoch 1/1") == 1  # only rank 0 prints
    runs = list((tmp_path / "ddp").glob("*/*/config.yaml"))
    assert len(runs) == 1  # only rank 0 makes a run folder
    ddp_run = runs[0].parent

    single = train_run(configs.load(cfg, ["train.batch_size=16", f"output.dir={tmp_path / 'one'}"]))
    a, b = _weights(ddp_run), _weights(single.run_dir)
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], atol=1e-5, rtol=0, msg=name)
    # the match is not loose: one process with the per-process batch of 8 ends elsewhere
    other = _weights(train_run(configs.load(cfg, [f"output.dir={tmp_path / 'eight'}"])).run_dir)
    assert max((a[name] - other[name]).abs().max().item() for name in a) > 1e-3

    ddp_metrics, one_metrics = (
        pd.read_csv(ddp_run / "metrics.csv"),
        pd.read_csv(single.run_dir / "metrics.csv"),
    )
    for column in ("train_loss", "val_loss", "val_mae", "grad_norm"):  # losses all-reduced over the processes
        assert ddp_metrics[column].iloc[0] == pytest.approx(one_metrics[column].iloc[0], rel=1e-5)
    summary = pd.read_json(ddp_run / "summary.json", typ="series")
    assert summary["processes"] == 2

    # resuming in two processes carries on in the same folder
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnncli",
            "train",
            "--resume",
            str(ddp_run),
            "train.epochs=2",
            "--nproc",
            "2",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(pd.read_csv(ddp_run / "metrics.csv")["epoch"]) == [1, 2]
    assert len(list((tmp_path / "ddp").glob("*/*/config.yaml"))) == 1


@pytest.mark.parametrize("size", [1, 2, 3, 5, 16])
@pytest.mark.parametrize("world", [2, 3, 4])
def test_shares_of_a_global_batch_cover_it_once_and_average_to_its_mean(size, world):
    starts = torch.arange(100, 100 + size)
    per_window = torch.randn(200, dtype=torch.float64)  # stands for each window's gradient
    seen, averaged = [], 0.0
    for rank in range(world):
        part, weight, count = loop._share(starts, 0, size, rank, world)
        if count:
            seen += part.tolist()
            # what DDP's average of the weighted losses gives
            averaged += weight * per_window[part].mean().item() / world
        else:
            assert weight == 0.0 and len(part) == 1  # a process left without windows still takes the step
    assert sorted(seen) == starts.tolist()
    assert averaged == pytest.approx(per_window[starts].mean().item())


def test_one_process_group_touches_nothing_distributed(monkeypatch):
    for name in distributed.LAUNCH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    group = distributed.setup("cpu")
    assert group == distributed.SINGLE and group.main and not group.several
    t = torch.tensor([1.0, 2.0])
    assert group.sum(t) is t and t.tolist() == [1.0, 2.0]
    assert group.from_main("x") == "x"
    model = torch.nn.Linear(2, 1)
    assert group.wrap(model, torch.device("cpu")) is model
    assert group.any(True, torch.device("cpu")) and not group.any(False, torch.device("cpu"))
    assert not torch.distributed.is_initialized()


def test_launch_arguments_run_this_cli_under_torchrun_on_this_machine(monkeypatch):
    args = distributed.launch_arguments(3, ["c.yaml", "train.lr=0.1"])
    assert "--nproc-per-node=3" in args and "--nnodes=1" in args and "--max-restarts=0" in args
    assert args[-5:] == ["-m", "rnncli", "train", "c.yaml", "train.lr=0.1"]
    from torch.distributed.run import config_from_args, parse_args

    config, command, command_args = config_from_args(parse_args(args))  # torchrun accepts them as they are
    assert config.nproc_per_node == 3 and config.max_nodes == 1 and command == sys.executable
    assert command_args[-5:] == ["-m", "rnncli", "train", "c.yaml", "train.lr=0.1"]
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert int(distributed.launch_environment(2)["OMP_NUM_THREADS"]) >= 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert distributed.launch_environment(2)["OMP_NUM_THREADS"] == "3"  # a user's setting is kept


def test_nproc_below_one_is_refused(cli, tiny):
    cfg, _, _ = tiny
    result = cli("train", cfg, "--nproc", "0")
    assert result.code == 2 and "--nproc must be at least 1" in result.err


def test_bad_data_fails_once_before_any_process_starts(cli, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("date,y\n2021-01-01,1\n2021-01-02,2\n")
    cfg = write_config(tmp_path / "c.yaml", csv, tmp_path / "runs")
    result = cli("train", cfg, "--nproc", "2")
    assert result.code == 2 and result.err.count("error:") == 1 and "Traceback" not in result.err
    assert not (tmp_path / "runs").exists()


def test_resume_of_a_missing_run_fails_before_any_process_starts(cli, tmp_path):
    result = cli("train", "--resume", tmp_path / "nothing", "--nproc", "2")
    assert result.code == 2 and "has no checkpoints/last.pt" in result.err


def test_a_group_resolves_the_cpu_and_refuses_a_missing_gpu():
    group = distributed.Group(rank=0, world=2, local_rank=0)
    assert group.device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(Exception, match="sees no CUDA GPU"):
            group.device("cuda")


def test_train_and_resume_in_two_processes_exit_0_every_time_under_load(tmp_path):
    # The processes used to leave their group without meeting first: rank 1 destroyed its
    # connections while rank 0 was still calibrating and scoring, and was aborted (exit 1 at random,
    # more often on a busy machine). A busy loop beside the runs makes that timing likely.
    csv = write_csv(tmp_path / "series.csv", n=200)
    cfg = write_config(
        tmp_path / "c.yaml",
        csv,
        tmp_path / "runs",
        model={"cell": "gru", "hidden_size": 8},
        train={"epochs": 1, "batch_size": 8, "device": "cpu"},
    )
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        for attempt in range(3):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rnncli",
                    "train",
                    str(cfg),
                    f"name=round{attempt}",
                    "--nproc",
                    "2",
                    "-q",
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0, f"train, round {attempt}: {proc.stderr[-2000:]}"
            run = next((tmp_path / "runs" / f"round{attempt}").glob("*/summary.json")).parent
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rnncli",
                    "train",
                    "--resume",
                    str(run),
                    "train.epochs=2",
                    "--nproc",
                    "2",
                    "-q",
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0, f"resume, round {attempt}: {proc.stderr[-2000:]}"
            assert list(pd.read_csv(run / "metrics.csv")["epoch"]) == [1, 2]
            assert "Traceback" not in proc.stderr
    finally:
        busy.kill()
        busy.wait()


def test_a_process_killed_by_a_signal_is_named_in_one_line(capsys, monkeypatch):
    from torch.distributed.elastic.multiprocessing.errors import (
        ChildFailedError,
        ProcessFailure,
    )

    failure = ProcessFailure(local_rank=1, pid=123, exitcode=-6, error_file="")

    def fail(config, entrypoint):
        def run(*args):
            raise ChildFailedError("rnncli", {1: failure})

        return run

    monkeypatch.setattr("torch.distributed.launcher.api.elastic_launch", fail)
    assert distributed.launch(2, ["c.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "error: training process 1 of 2 was killed by SIGABRT; rerun with --debug for its traceback "
        "if it printed none above"
    )
    failure.exitcode = (
        2  # a process that exits with an error has printed it: its code is passed on, nothing added
    )
    assert distributed.launch(2, ["c.yaml"]) == 2
    assert capsys.readouterr().err == ""
