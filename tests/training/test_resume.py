"""Resume exactness, interrupts and crash safety, tested with real processes that are killed."""

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint, checksums
from rnncli.errors import RnnCliError
from rnncli.pipeline.run import resume_run, train_run

# batch size 2: epochs of ~90 steps, long enough for a signal to land inside one
SLOW = ["train.batch_size=2", "train.patience=null", "model.cell=gru"]


@pytest.fixture
def slow_cfg(tmp_path):
    csv_path = write_csv(tmp_path / "series.csv")
    return write_config(tmp_path / "c.yaml", csv_path, tmp_path / "runs")


def start(cfg: Path, *overrides: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rnncli", "train", str(cfg), "-q", *overrides],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_rows(runs: Path, rows: int, proc: subprocess.Popen, timeout: float = 120) -> Path:
    """Wait until the run's metrics.csv holds `rows` epochs; the process must still be running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in runs.glob("*/*/metrics.csv"):
            if len(path.read_text().splitlines()) - 1 >= rows:
                return path.parent
        assert proc.poll() is None, f"training ended before epoch {rows}: {proc.communicate()}"
        time.sleep(0.005)
    raise AssertionError("timed out waiting for training")


def metrics(run: Path) -> list[dict]:
    with open(run / "metrics.csv") as fh:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(fh)]


def weights(run: Path, which: str = "last") -> dict:
    return checkpoint.load(run / "checkpoints" / f"{which}.pt")["model_state"]


def assert_same_run(a: Path, b: Path) -> None:
    assert metrics(a) == metrics(b)
    for which in ("last", "best"):
        wa, wb = weights(a, which), weights(b, which)
        assert all(torch.equal(wa[k], wb[k]) for k in wa), f"{which}.pt differs"


def test_sigkill_then_resume_equals_the_uninterrupted_run(slow_cfg, tmp_path):
    overrides = [
        *SLOW,
        "train.epochs=4",
        "model.num_layers=2",
        "model.dropout=0.3",
    ]  # dropout: the RNG must continue too
    reference = train_run(config.load(slow_cfg, overrides)).run_dir
    proc = start(slow_cfg, *overrides, f"output.dir={tmp_path / 'killed'}")
    run = wait_for_rows(tmp_path / "killed", 2, proc)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert len(metrics(run)) < 4
    resume_run(run)
    assert_same_run(reference, run)


def test_sigint_mid_epoch_saves_and_resumes_exactly(slow_cfg, tmp_path):
    overrides = [*SLOW, "train.epochs=4"]
    reference = train_run(config.load(slow_cfg, overrides)).run_dir
    proc = start(slow_cfg, *overrides, f"output.dir={tmp_path / 'stopped'}")
    run = wait_for_rows(tmp_path / "stopped", 1, proc)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"rnncli train --resume {run}" in err and "Traceback" not in err
    state = checkpoint.load(run / "checkpoints" / "last.pt")["train_state"]
    assert state["epoch"] < 4
    resume_run(run)
    assert_same_run(reference, run)


def test_sigterm_stops_like_sigint(slow_cfg, tmp_path):
    proc = start(slow_cfg, *SLOW, "train.epochs=50", f"output.dir={tmp_path / 'term'}")
    run = wait_for_rows(tmp_path / "term", 1, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "stopped by SIGTERM" in err and f"--resume {run}" in err


def test_second_ctrl_c_stops_at_once(slow_cfg, tmp_path):
    proc = start(slow_cfg, *SLOW, "train.epochs=50", f"output.dir={tmp_path / 'twice'}")
    run = wait_for_rows(tmp_path / "twice", 1, proc)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    checkpoint.load(run / "checkpoints" / "last.pt")  # whatever was on disk is whole


def test_resuming_a_finished_run_with_more_epochs_equals_a_longer_run(tiny):
    cfg_path = tiny[0]
    longer = train_run(config.load(cfg_path, ["train.epochs=5", "train.patience=null"])).run_dir
    run = train_run(config.load(cfg_path, ["train.epochs=3", "train.patience=null"])).run_dir
    with pytest.raises(RnnCliError, match=r"is finished \(3 of 3 epochs\); raise train.epochs"):
        resume_run(run)
    resume_run(run, ["train.epochs=5"])
    assert_same_run(longer, run)
    assert config.load(run / "config.yaml").train.epochs == 5


@pytest.mark.parametrize(
    "override",
    [
        "model.hidden_size=16",
        "window.lookback=7",
        "data.target=x",
        "train.lr=0.5",
        "train.optimizer=sgd",
        "name=other",
    ],
)
def test_resume_refuses_changes_to_the_model_data_or_optimisation(tiny, override):
    run = train_run(config.load(tiny[0], ["train.epochs=1"])).run_dir
    key = override.split("=")[0]
    with pytest.raises(RnnCliError, match=rf"{key} cannot change when resuming"):
        resume_run(run, [override, "train.epochs=2"])


def test_resume_refuses_changed_data(tiny):
    cfg_path, csv_path, _ = tiny
    run = train_run(config.load(cfg_path, ["train.epochs=1"])).run_dir
    lines = csv_path.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",99.0"
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RnnCliError, match="its data .* changed since the run started"):
        resume_run(run, ["train.epochs=2"])


def test_rows_written_after_the_last_checkpoint_are_dropped(tiny):
    run = train_run(config.load(tiny[0], ["train.epochs=2", "train.patience=null"])).run_dir
    # a kill between writing metrics.csv and last.pt leaves one row too many
    with open(run / "metrics.csv", "a") as fh:
        fh.write("3,0.1,0.1,0.1,0.01,0.1,0.1\n")
    resume_run(run, ["train.epochs=3"])
    assert [r["epoch"] for r in metrics(run)] == ["1", "2", "3"]


def test_nan_mid_training_keeps_best_and_exits_1(tiny, cli, monkeypatch):

    from rnncli.training import losses

    real = losses.LOSSES["mse"]
    calls = {"n": 0}

    def poisoned(pred, target, *args, **kwargs):  # fault injection: the 15th training step goes NaN
        loss = real(pred, target, *args, **kwargs)
        if kwargs.get("reduction") != "sum":
            calls["n"] += 1
            if calls["n"] == 15:
                return loss * float("nan")
        return loss

    monkeypatch.setitem(losses.LOSSES, "mse", poisoned)
    result = cli("train", tiny[0], "train.epochs=3", "-q")  # 12 steps per epoch: step 15 is epoch 2, batch 3
    assert result.code == 1 and "Traceback" not in result.err
    assert "NaN or infinite in epoch 2, batch 3" in result.err and "lower train.lr (now 0.01)" in result.err
    assert "best.pt (epoch 1) is kept" in result.err
    run = next(tiny[2].glob("*/*"))
    assert checkpoint.load(run / "checkpoints" / "best.pt")["epoch"] == 1
    last = checkpoint.load(run / "checkpoints" / "last.pt")["model_state"]
    assert all(torch.isfinite(v).all() for v in last.values())


def test_unwritable_output_is_reported_before_training(tiny, tmp_path, cli):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli("train", tiny[0], f"output.dir={blocker / 'runs'}")
    assert result.code == 2 and "cannot create a run folder" in result.err and "set output.dir" in result.err
    assert "epoch" not in result.err


WRITER = """
import sys, itertools
from rnncli.artifacts.files import write_text
path, ready = sys.argv[1], sys.argv[2]
for i in itertools.count():
    write_text(path, f"{i}\\n" * 200_000)
    if i == 0:
        open(ready, "w").close()
"""

CHECKPOINT_WRITER = """
import sys, itertools, torch
from rnncli.artifacts import checkpoint
path, ready = sys.argv[1], sys.argv[2]
blocks = [torch.full((1_000_000,), float(k)) for k in range(2)]
for i in itertools.count():
    checkpoint.save(path, {"i": i, "w": blocks[i % 2]})
    if i == 0:
        open(ready, "w").close()
"""


def kill_while_writing(script: str, target: Path, delays: list[float]) -> None:
    for n, delay in enumerate(delays):
        ready = target.with_name(f"ready-{n}")
        proc = subprocess.Popen([sys.executable, "-c", script, str(target), str(ready)])
        while not ready.exists():
            assert proc.poll() is None
            time.sleep(0.002)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        yield


def test_a_kill_never_leaves_a_torn_file(tmp_path):
    target = tmp_path / "metrics.csv"
    for _ in kill_while_writing(WRITER, target, [0.0, 0.003, 0.01, 0.02, 0.05, 0.08, 0.13, 0.2]):
        lines = target.read_text().splitlines()
        assert len(lines) == 200_000 and len(set(lines)) == 1


def test_a_kill_never_leaves_a_torn_checkpoint(tmp_path):
    target = tmp_path / "last.pt"
    for _ in kill_while_writing(CHECKPOINT_WRITER, target, [0.0, 0.02, 0.07]):
        payload = checkpoint.load(target, mmap=True)  # not a model's checkpoint: only its bytes are checked
        assert checksums.checksum(payload) == payload["checksum"]
        assert torch.equal(payload["w"], torch.full((1_000_000,), float(payload["i"] % 2)))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert all(
        name.startswith(".last.pt.") for name in leftovers
    )  # at most a hidden temporary, never the target


def test_an_epoch_of_a_few_steps_draws_that_many_windows_and_resumes_exactly(tiny, monkeypatch):
    import rnncli.training.loop as loop

    drawn, real = [], loop.train_epoch

    def recording(model, windows, index, optimizer, batch_size, order, *args, **kwargs):
        drawn.append((len(index), order.clone()))
        return real(model, windows, index, optimizer, batch_size, order, *args, **kwargs)

    monkeypatch.setattr(loop, "train_epoch", recording)
    overrides = ["train.steps_per_epoch=3", "train.patience=null"]
    reference = train_run(config.load(tiny[0], [*overrides, "train.epochs=3"])).run_dir
    assert [len(order) for _, order in drawn] == [
        48,
        48,
        48,
    ]  # 3 steps of 16 windows, of the 178 training windows
    assert all(
        n == 178 and len(set(order.tolist())) == 48 for n, order in drawn
    )  # each window at most once an epoch
    assert not torch.equal(drawn[0][1], drawn[1][1])
    assert len(metrics(reference)) == 3
    run = train_run(config.load(tiny[0], [*overrides, "train.epochs=1"])).run_dir
    resume_run(run, ["train.epochs=3"])
    assert_same_run(reference, run)


PAUSED_FINISH = """
import sys, time
from pathlib import Path
import rnncli.pipeline.finish as finishing
real, ready = finishing.finish, Path(sys.argv[1])

def paused(fitted, *args, **kwargs):  # finishing takes a while: a signal lands in it
    ready.write_text(str(fitted.run_dir))
    time.sleep(60)
    return real(fitted, *args, **kwargs)

finishing.finish = paused
from rnncli.entry import main
main(sys.argv[2:])
"""


def signalled_while_paused(script: str, ready: Path, args: list[str], sig: int) -> tuple[Path, int, str]:
    """Run `rnncli ARGS` with `script` pausing it at a point (it writes the run folder to `ready`
    there), send it `sig` then, and return (the run folder, the exit code, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(ready), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    run = Path(ready.read_text())
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return run, proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])  # SIGINT: the same handler as SIGTERM
def test_a_signal_while_finishing_says_how_to_finish_and_resume_finishes_it(slow_cfg, tmp_path, sig):
    overrides = ["train.epochs=2", "train.patience=null", f"output.dir={tmp_path / 'runs2'}"]
    reference = train_run(config.load(slow_cfg, [*overrides[:2], f"output.dir={tmp_path / 'ref'}"])).run_dir
    args = ["train", str(slow_cfg), "-q", *overrides]
    run, code, err = signalled_while_paused(PAUSED_FINISH, tmp_path / "ready", args, sig)
    if sig != signal.SIGKILL:
        name = signal.Signals(sig).name
        assert code == 130 and "Traceback" not in err, err
        assert f"stopped by {name} while the run was finishing" in err and f"--resume {run}" in err
    assert not (run / "summary.json").exists()
    result = resume_run(run)  # only what was left: calibration and test scores
    assert result.epochs_run == 2 and (run / "summary.json").is_file()
    assert checkpoint.calibration(checkpoint.load(run / "checkpoints" / "best.pt")) is not None
    assert_same_run(reference, run)
    with pytest.raises(RnnCliError, match="is finished"):  # now ended: nothing left to do
        resume_run(run)


PAUSED_REFIT = """
import sys, time
from pathlib import Path
import rnncli.training.fit as fitting
real, ready = fitting.fit_again, Path(sys.argv[1])

def paused(cfg, prepared, schema, epochs, run_dir, progress, group):  # a signal lands in the refit
    result = real(cfg, prepared, schema, 1, run_dir, progress, group)  # its folder and a checkpoint exist
    ready.write_text(str(run_dir.parent))
    time.sleep(60)
    return result

fitting.fit_again = paused
from rnncli.entry import main
main(sys.argv[2:])
"""


def test_a_kill_during_the_refit_is_finished_by_resuming_the_run(slow_cfg, tmp_path, cli):
    overrides = ["train.epochs=2", "train.patience=null", "train.refit=true"]
    reference = train_run(config.load(slow_cfg, [*overrides, f"output.dir={tmp_path / 'ref'}"])).run_dir
    args = ["train", str(slow_cfg), "-q", *overrides, f"output.dir={tmp_path / 'runs2'}"]
    run, _, _ = signalled_while_paused(PAUSED_REFIT, tmp_path / "ready", args, signal.SIGKILL)
    result = cli("train", "--resume", run / "refit")  # the refit folder is not one to resume
    assert result.code == 2 and f"resume the run itself (rnncli train --resume {run.resolve()})" in result.err
    assert "refit" not in json.loads((run / "summary.json").read_text())
    resume_run(run)  # the refit, trained again from its start
    assert json.loads((run / "summary.json").read_text())["refit"]["epochs"] == 2
    assert (run / "checkpoints" / "validated.pt").is_file()
    a, b = weights(reference, "best"), weights(run, "best")
    assert all(torch.equal(a[k], b[k]) for k in a)  # the same refit as a run never stopped
