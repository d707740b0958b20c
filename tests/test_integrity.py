"""Nothing invented, nothing lost: dates and numbers read as the user meant them, fills that say so,
outputs that never replace an input, checkpoints that stay with their run, and failures while
writing that are one line and keep what was saved."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import FIXED, newest_run, write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.commands import predict
from rnncli.data import timeseries
from rnncli.pipeline.inputs import schema_of
from rnncli.pipeline.run import train_run

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "v1"


def config_for(tmp_path: Path, text: str, **data) -> Path:
    (tmp_path / "d.csv").write_text(text)
    cfg = {
        "name": "case",
        "data": {"path": str(tmp_path / "d.csv"), "time_column": "t", "target": "y", **FIXED["data"], **data},
        "window": {"lookback": 5},
        "model": {"hidden_size": 4, "cell": "rnn", **FIXED["model"]},
        "train": {"epochs": 1, "device": "cpu", "batch_size": 64, "lr": 0.001, **FIXED["train"]},
        "output": {"dir": str(tmp_path / "runs")},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def loaded(cfg_path: Path) -> list[timeseries.Series]:
    return timeseries.load(schema_of(config.load(cfg_path)))


def rows_of(times: pd.DatetimeIndex, fmt: str, sep: str = ",") -> str:
    return f"t{sep}y\n" + "".join(f"{t.strftime(fmt)}{sep}{i}\n" for i, t in enumerate(times))


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d-%m-%y"])
def test_numeric_dates_are_read_day_first_or_month_first_as_written(tmp_path, fmt):
    times = pd.date_range("2023-01-01", periods=100, freq="D")
    (s,) = loaded(config_for(tmp_path, rows_of(times, fmt)))
    assert list(s.times.index()) == list(
        times
    )  # before: days 1-12 read month-first, the rest day-first, then "sorted"
    assert s.values[:, 0].tolist() == list(range(100)) and s.filled == 0 and not s.notes


@pytest.mark.parametrize(
    "first, other",
    [("%Y-%m-%d", "%d/%m/%Y"), ("%Y-%m-%d", "%m/%d/%Y"), ("%d/%m/%Y", "%Y-%m-%d"), ("%d.%m.%Y", "%Y/%m/%d")],
)
@pytest.mark.parametrize("chunk", [10_000, 25])
def test_a_column_that_mixes_date_formats_is_refused_naming_both(tmp_path, monkeypatch, first, other, chunk):
    from rnncli.data import reading
    from rnncli.errors import RnnCliError

    monkeypatch.setattr(reading, "CHUNK_ROWS", chunk)  # the answer must not depend on where a chunk ends
    times = pd.date_range("2023-01-01", periods=120, freq="D")
    text = "t,y\n" + "".join(
        f"{t.strftime(other if i % 17 == 16 else first)},{i}\n" for i, t in enumerate(times)
    )
    with pytest.raises(RnnCliError, match="mixes date formats: line 2 holds") as caught:
        loaded(config_for(tmp_path, text))
    assert f"line 18 holds '{times[16].strftime(other)}'" in str(caught.value)


@pytest.mark.parametrize("chunk", [10_000, 50, 10])
def test_time_zone_offsets_that_change_are_read_the_same_whatever_the_chunks(tmp_path, monkeypatch, chunk):
    from rnncli.data import reading

    monkeypatch.setattr(reading, "CHUNK_ROWS", chunk)
    times = pd.date_range("2023-01-01", periods=100, freq="h", tz="UTC")
    text = "t,y\n" + "".join(
        f"{t.tz_convert('Europe/Paris').isoformat() if i < 60 else t.strftime('%Y-%m-%dT%H:%M:%SZ')},{i}\n"
        for i, t in enumerate(times)
    )  # +01:00, then Z: the same instants
    (s,) = loaded(config_for(tmp_path, text))
    assert list(s.times.index()) == list(times) and s.frequency == "h" and s.filled == 0
    assert s.values[:, 0].tolist() == list(range(100))


def test_iso_dates_and_times_together_are_one_way_of_writing(tmp_path, monkeypatch):
    hours = pd.date_range("2023-01-01", periods=72, freq="h")
    text = "t,y\n" + "".join(
        f"{t.strftime('%Y-%m-%d') if t.hour == 0 else t.strftime('%Y-%m-%d %H:%M')},{i}\n"
        for i, t in enumerate(hours)
    )
    (s,) = loaded(config_for(tmp_path, text))
    assert list(s.times.index()) == list(hours)


def test_dates_that_read_both_ways_are_read_the_way_that_is_regular(tmp_path):
    months = pd.date_range(
        "2015-01-01", periods=48, freq="MS"
    )  # 01/02/2015 is 1 February: day-first gives months, month-first no grid
    (s,) = loaded(config_for(tmp_path, rows_of(months, "%d/%m/%Y")))
    assert s.frequency == "MS" and list(s.times.index()) == list(months)


def test_the_given_time_format_is_the_one_used(tmp_path):
    times = pd.date_range("2023-03-01", periods=40, freq="D")
    (s,) = loaded(config_for(tmp_path, rows_of(times, "%y%m%d"), time_format="%y%m%d"))
    assert list(s.times.index()) == list(times)


def test_decimal_commas_are_read_when_said(tmp_path):
    text = "t;y\n" + "".join(f"2023-01-{d:02d};{d},25\n" for d in range(1, 31))
    (s,) = loaded(config_for(tmp_path, text, decimal=","))
    np.testing.assert_allclose(s.values[:, 0], [d + 0.25 for d in range(1, 31)])


@pytest.mark.parametrize(
    "cells, decimal, read",
    [
        (["1,100.5", "2,345,678.9", "12", "-1,000"], ".", [1100.5, 2345678.9, 12.0, -1000.0]),
        (["1.100,5", "2.345.678,9", "12", "1.052"], ",", [1100.5, 2345678.9, 12.0, 1052.0]),
        (["1,5", "2,25"], ",", [1.5, 2.25]),
        (["1,10.5", "1.5", "1,0000"], ",", [None, None, 1.0]),  # a dot outside groups of three: not a number
        (["1,10.5", "12,34"], ".", [None, None]),
    ],
)
def test_thousands_separators_are_read_as_meant_or_not_at_all(cells, decimal, read):
    from rnncli.data.numbers import as_numbers

    got = as_numbers(pd.Series(cells), decimal)
    assert [None if pd.isna(v) else v for v in got] == read


def test_a_file_with_thousands_separators_is_read_as_written(tmp_path, cli):
    quoted = "t,y\n" + "".join(f'2023-01-{d:02d},"{1000 + 37 * d:,}.5"\n' for d in range(1, 31))
    (s,) = loaded(config_for(tmp_path, quoted))
    np.testing.assert_allclose(s.values[:, 0], [1000 + 37 * d + 0.5 for d in range(1, 31)])
    european = "t;y\n" + "".join(f"2023-01-{d:02d};{1 + d // 10}.{d:03d},{d % 10}\n" for d in range(1, 31))
    (s,) = loaded(config_for(tmp_path, european, decimal=","))
    np.testing.assert_allclose(
        s.values[:, 0], [(1 + d // 10) * 1000 + d + (d % 10) / 10 for d in range(1, 31)]
    )
    (tmp_path / "q.csv").write_text(quoted)
    assert cli("init", tmp_path / "q.csv", "--horizon", "3", "-o", tmp_path / "q.yaml").code == 0
    assert "time_column: t " in (tmp_path / "q.yaml").read_text()  # not the value column


def test_a_decimal_point_in_a_file_read_with_decimal_commas_is_refused(tmp_path):
    from rnncli.errors import RnnCliError

    text = "t;y\n" + "".join(f"2023-01-{d:02d};{d}.5\n" for d in range(1, 31))
    with pytest.raises(RnnCliError, match=r"with data.decimal ',' a '.' can only separate thousands"):
        loaded(config_for(tmp_path, text, decimal=","))


def test_header_names_match_without_their_spaces(tmp_path):
    text = "t , y ,x\n" + "".join(f"2023-01-{d:02d},{d}.5,{-d}\n" for d in range(1, 31))
    (s,) = loaded(config_for(tmp_path, text, features=["x"]))
    np.testing.assert_allclose(s.values, [[d + 0.5, -d] for d in range(1, 31)])


def test_a_quoted_header_name_may_hold_the_delimiter(tmp_path):
    text = 't,"temp, max",x\n' + "".join(f"2023-01-{d:02d},{d}.5,{-d}\n" for d in range(1, 31))
    (s,) = loaded(config_for(tmp_path, text, target="temp, max", features=["x"]))
    np.testing.assert_allclose(s.values, [[d + 0.5, -d] for d in range(1, 31)])


def test_line_numbers_in_errors_are_the_files_after_blank_lines(tmp_path):
    from rnncli.errors import RnnCliError

    rows = [f"2023-01-{d:02d},{d}\n" for d in range(1, 31)]
    rows[19] = "2023-01-20,oops\n"  # the 20th row: line 23 of the file, after the header and 2 blanks
    text = "t,y\n" + "".join(rows[:5]) + "\n\n" + "".join(rows[5:])
    with pytest.raises(RnnCliError, match=r"line 23 holds 'oops' \(1 such row\)"):
        loaded(config_for(tmp_path, text))


def test_a_file_of_one_column_is_named_as_such(tmp_path, cli):
    (tmp_path / "one.csv").write_text(
        "2023-01-01 5\n" + "".join(f"2023-01-{d:02d} {d}\n" for d in range(2, 30))
    )
    result = cli("init", tmp_path / "one.csv")
    assert result.code == 2 and "is not a CSV of several columns: its first line holds none" in result.err
    assert "2023-01-01 5" not in result.err  # the first line is data, not quoted as a header


def test_timestamps_split_over_columns_are_assembled_and_written_as_one(tmp_path, cli):
    hours = pd.date_range("2021-01-30 20:00", periods=400, freq="h")
    text = "year,month,day,hour,y\n" + "".join(
        f"{t.year},{t.month},{t.day},{t.hour},{(i % 24) / 2}\n" for i, t in enumerate(hours)
    )
    cfg = config_for(tmp_path, text, time_column=["year", "month", "day", "hour"])
    (s,) = loaded(cfg)
    assert list(s.times.index()) == list(hours) and s.frequency == "h"
    assert cli("train", cfg, "window.lookback=24", "-q").code == 0
    out = tmp_path / "f.csv"
    assert cli("predict", newest_run(tmp_path / "runs"), "--horizon", "3", "-o", out).code == 0
    frame = pd.read_csv(out)
    assert frame.columns[0] == "year_month_day_hour"
    assert list(pd.to_datetime(frame.iloc[:, 0])) == list(pd.date_range(hours[-1], periods=4, freq="h")[1:])


def test_a_small_fill_is_a_warning_with_its_count(tmp_path, cli):
    times = pd.date_range("2023-01-01", periods=100, freq="D").delete([10, 11, 50])
    result = cli("check", config_for(tmp_path, rows_of(times, "%Y-%m-%d")))
    assert result.code == 0
    assert (
        "warning: filled 3 missing values (3 missing timestamps) by interpolate (3.0% of the series)"
        in result.out
    )


def test_the_longest_filled_run_is_named_with_where_it_is(tmp_path, cli):
    times = pd.date_range("2023-01-01", periods=300, freq="D").delete([*range(100, 118), 200, 250])
    result = cli("check", config_for(tmp_path, rows_of(times, "%Y-%m-%d")))
    assert result.code == 0
    assert (
        "filled 20 missing values (20 missing timestamps) by interpolate (6.7% of the series); the longest "
        "run 18 steps, 2023-04-11 00:00:00 to 2023-04-28 00:00:00 in 'y'" in result.out
    ), result.out


def test_a_large_fill_is_refused_before_a_grid_is_made(tmp_path):
    import time

    from rnncli.errors import RnnCliError

    text = rows_of(pd.date_range("2023-01-01", periods=60, freq="D"), "%Y-%m-%d")
    started = time.perf_counter()
    with pytest.raises(
        RnnCliError,
        match="leave 5,097,599,999,999,941 of the 5,097,600,000,000,001 steps of its '1ns' grid empty",
    ):
        loaded(config_for(tmp_path, text, frequency="1ns"))  # a grid of 5e15 rows would be 20 PB
    assert time.perf_counter() - started < 10


# Outputs never replace an input: each refused, and the file untouched byte for byte.


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("integrity")
    cfg = write_config(tmp / "c.yaml", write_csv(tmp / "s.csv"), tmp / "runs")
    return train_run(config.load(cfg, ["train.epochs=2"])).run_dir, tmp / "s.csv", cfg


@pytest.mark.parametrize(
    "args, victim",
    [
        (["predict", "{run}", "-o", "{csv}"], "{csv}"),
        (["predict", "{run}", "--plot", "{run}/config.yaml"], "{run}/config.yaml"),
        (["evaluate", "{run}", "-o", "{run}/checkpoints/best.pt"], "{run}/checkpoints/best.pt"),
        (["evaluate", "{run}", "--plot", "{run}/loss.png"], "{run}/loss.png"),
        (["export", "{run}", "--format", "torchscript", "-o", "{run}/summary.json"], "{run}/summary.json"),
        (["backtest", "{cfg}", "--folds", "2", "-o", "{cfg}"], "{cfg}"),
    ],
)
def test_an_output_that_is_an_input_is_refused_and_the_input_untouched(trained, cli, args, victim):
    run, csv, cfg = trained
    fill = lambda text: text.format(run=run, csv=csv, cfg=cfg)  # noqa: E731
    before = Path(fill(victim)).read_bytes()
    result = cli(*map(fill, args), "--force")  # not even when the user says to replace the output
    said = ("writing the output there would replace it", "is inside the run folder")
    assert result.code == 2 and any(words in result.err for words in said), result
    assert Path(fill(victim)).read_bytes() == before


@pytest.mark.parametrize("command", ["predict", "evaluate", "export"])
def test_an_existing_output_is_replaced_only_with_force_and_a_symlink_is_never_followed(
    trained, tmp_path, cli, command
):
    run = trained[0]
    out = tmp_path / "out.file"
    out.write_text("mine")
    extra = ["--format", "torchscript"] if command == "export" else []
    result = cli(command, run, "-o", out, *extra)
    assert result.code == 2 and f"'{out}' exists; add --force to replace it" in result.err
    assert out.read_text() == "mine"
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    out.unlink()
    out.symlink_to(precious)  # planted where the output goes
    assert cli(command, run, "-o", out, *extra).code == 2
    result = cli(command, run, "-o", out, "--force", *extra)
    assert result.code == 0, result
    assert precious.read_text() == "keep" and not out.is_symlink() and out.stat().st_size > 0


def test_an_output_inside_another_run_folder_is_refused(trained, tmp_path, cli):
    run = trained[0]
    other = train_run(config.load(trained[2], ["train.epochs=1", f"output.dir={tmp_path}"])).run_dir
    for target in (other / "forecast.csv", other / "checkpoints" / "new.csv"):
        result = cli("predict", run, "-o", target, "--force")
        assert result.code == 2 and f"is inside the run folder '{other.resolve()}'" in result.err, result
        assert not target.exists()


def test_atomic_writes_go_to_a_name_nobody_can_plant_a_link_at(tmp_path):
    from rnncli.artifacts import files

    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    target = tmp_path / "out.json"
    for guess in (f".out.json.{os.getpid()}.tmp", ".out.json.tmp"):  # the names a fixed scheme would use
        (tmp_path / guess).symlink_to(precious)
    made = files.temporary_beside(target)
    assert made.parent == tmp_path and not made.is_symlink() and made.stat().st_size == 0
    assert files.TEMPORARY.match(made.name)["pid"] == str(os.getpid())
    made.unlink()
    files.write_json(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1} and precious.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.is_symlink()) == ["out.json", "precious.txt"]


def test_evaluates_verdict_rests_on_enough_windows_or_says_it_cannot_tell(trained, cli):
    result = cli("evaluate", trained[0])
    said = [line for line in result.out.splitlines() if line.startswith("verdict:")]
    assert result.code == 0 and said, result
    first = said[0]
    assert "too few windows of the test split to tell" in first  # a short test part: no "beats"
    assert "mean MAE difference" in first and " beats " not in result.out


def test_a_checkpoint_copied_from_another_run_is_refused(trained, tmp_path, cli):
    run, _, cfg = trained
    other = train_run(config.load(cfg, ["train.epochs=1", f"output.dir={tmp_path}"])).run_dir
    mine = tmp_path / "mine"
    shutil.copytree(run, mine)
    shutil.copy(other / "checkpoints" / "best.pt", mine / "checkpoints" / "best.pt")
    before = {p.name: p.read_bytes() for p in mine.rglob("*") if p.is_file()}
    ids = (
        json.loads((run / "summary.json").read_text())["run_id"],
        json.loads((other / "summary.json").read_text())["run_id"],
    )
    assert ids[0] != ids[1] and checkpoint.load(other / "checkpoints" / "best.pt")["run_id"] == ids[1]
    result = cli("predict", mine)
    assert (
        result.code == 2 and f"belongs to run {ids[1]}" in result.err and f"is run {ids[0]}" in result.err
    ), result
    shutil.copy(other / "checkpoints" / "last.pt", mine / "checkpoints" / "last.pt")
    (mine / "checkpoints" / "best.pt").write_bytes(before["best.pt"])
    resumed = cli("train", "--resume", mine, "train.epochs=3")
    assert resumed.code == 2 and "copied in from another run" in resumed.err
    assert (mine / "config.yaml").read_bytes() == before["config.yaml"] and (
        mine / "metrics.csv"
    ).read_bytes() == before["metrics.csv"]


def test_a_temporary_file_left_by_a_killed_write_is_removed_on_resume(tiny, cli):
    run = train_run(config.load(tiny[0], ["train.epochs=1", "train.patience=null"])).run_dir
    dead = 2**22 + 12345  # above any pid this machine hands out
    stale = run / "checkpoints" / f".last.pt.{dead}.tmp"
    stale.write_bytes(b"half a checkpoint")
    # the process that started the tests is still there
    alive = run / "checkpoints" / f".last.pt.{os.getppid()}.tmp"
    alive.write_bytes(b"someone is writing this")
    result = cli("train", "--resume", run, "train.epochs=2", "-q")
    assert result.code == 0, result
    assert not stale.exists() and alive.exists() and f"removed {stale.name}" in result.err


@pytest.mark.parametrize(
    "code, words, exit_code",
    [(errno.ENOSPC, "the disk is full", 1), (errno.EFBIG, "larger than this file system", 1)],
)
def test_a_full_disk_during_training_is_one_line_and_keeps_the_last_good_checkpoint(
    tiny, cli, monkeypatch, code, words, exit_code
):
    import stat

    import rnncli.artifacts.files as files

    real, calls = files.os.fsync, []

    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls.append(fd)
            if (
                len(calls) > 4
            ):  # config.yaml, metrics.csv, best.pt, last.pt of epoch 1 go through; epoch 2's do not
                raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    result = cli("train", tiny[0], "train.epochs=3", "-q")
    lines = [line for line in result.err.splitlines() if line.startswith("error")]
    assert (
        result.code == exit_code and len(lines) == 1 and words in lines[0] and "Traceback" not in result.err
    ), result
    run = newest_run(tiny[2])
    assert checkpoint.load(run / "checkpoints" / "last.pt")["epoch"] == 1
    assert not list((run / "checkpoints").glob(".*.tmp"))


def test_a_checkpoints_folder_removed_mid_run_is_one_line(tiny, capsys):
    from rnncli.entry import main
    from rnncli.report.progress import PlainProgress

    class Remover(PlainProgress):
        def epoch(self, row):
            shutil.rmtree(newest_run(tiny[2]) / "checkpoints")

    with pytest.raises(Exception) as raised:
        train_run(config.load(tiny[0], ["train.epochs=3", "train.patience=null"]), Remover())
    assert "its folder" in str(raised.value) and "no longer exists" in str(raised.value)
    assert getattr(raised.value, "exit_code", None) == 2
    del main, capsys


def test_a_read_only_export_folder_is_one_line(trained, cli, monkeypatch):
    import torch

    def refuse(*args, **kw):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    result = cli("export", trained[0])
    assert result.code == 2 and "is not writable" in result.err and "Traceback" not in result.err, result


def test_resuming_a_read_only_run_folder_says_how_to_make_it_writable(trained, cli, monkeypatch):
    real = Path.write_bytes

    def read_only(self, data):
        if self.name.startswith(".write-test-"):  # the probe (root ignores a folder's permissions)
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", read_only)
    result = cli("train", "--resume", trained[0], "train.epochs=3")
    assert result.code == 2 and "cannot write in" in result.err, result
    assert "make it writable (chmod -R u+w" in result.err and "output.dir" not in result.err


def test_a_long_path_in_an_error_keeps_its_start_and_its_file_name(tmp_path, cli):
    folder = tmp_path / ("d" * 200)
    folder.mkdir()
    result = cli("init", folder / "no-such-file.csv")
    line = result.err.strip()
    shown = line.split("'")[1]  # the path as the error quotes it: before, all 300-odd characters
    assert result.code == 2 and len(shown) <= 120, line
    assert shown.startswith(str(tmp_path)[:20]) and "…" in shown and shown.endswith("/no-such-file.csv")


def test_runs_lists_the_others_and_marks_a_damaged_folder(trained, tmp_path, cli):
    run = trained[0]
    for name, damage in (
        ("bad-yaml", ("config.yaml", "data: [unclosed")),  # config.yaml is not what runs reads
        ("edited-yaml", ("config.yaml", "model: {cell: transformer, hidden_size: 9999}\n")),
        ("bad-checkpoint", ("checkpoints/best.pt", "not a checkpoint")),
        ("bad-metrics", ("metrics.csv", "epoch,val_loss\none,two\n")),
        ("bad-summary", ("summary.json", '{"test": {"model"')),
    ):
        copy = tmp_path / "runs" / name / "20260101-000000"
        shutil.copytree(run, copy)
        (copy / damage[0]).write_text(damage[1])
    shutil.copytree(run, tmp_path / "runs" / "good" / "20260101-000000")
    result = cli("runs", tmp_path / "runs", "--json")
    assert result.code == 0, result
    rows = {r["path"].split("/")[-2]: r for r in json.loads(result.out)}
    assert rows["good"]["status"] == "done" and rows["good"]["test_mae"] is not None
    assert rows["bad-yaml"]["status"] == "done"
    trained_with = (rows["good"]["cell"], rows["good"]["hidden"], rows["good"]["lookback"])
    assert (
        rows["edited-yaml"]["cell"],
        rows["edited-yaml"]["hidden"],
        rows["edited-yaml"]["lookback"],
    ) == trained_with
    assert rows["bad-checkpoint"]["status"] == "damaged: best.pt cannot be read"
    assert rows["bad-metrics"]["status"] == "damaged: metrics.csv cannot be read (ValueError)"
    assert rows["bad-summary"]["status"] == "damaged: summary.json cannot be read (JSONDecodeError)"


def test_ctrl_c_in_predict_says_so(trained):
    run = trained[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnncli", "predict", str(run), "--horizon", "90000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C reaches a command started from a terminal; one started in the background inherits it
        # ignored (and rnncli leaves it so): the test gives the command a terminal's handling
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    import time

    time.sleep(1.5)  # in the middle of imports or of the forecast: both must say it
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "error: interrupted", err


def test_output_dir_with_a_tilde_is_the_home_folder(tiny, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = config.load(tiny[0], ["output.dir=~/my-runs"])
    assert cfg.output.dir == str(tmp_path / "home" / "my-runs")


def test_a_forecast_shorter_than_the_model_horizon_is_the_start_of_the_full_one():
    # long.pt: horizon 3 and day-of-week calendar features, which the head reads for all 3 steps
    short = predict.predict(FIXTURES / "long.pt", FIXTURES / "long.csv", 2).frame
    full = predict.predict(FIXTURES / "long.pt", FIXTURES / "long.csv", 3).frame
    np.testing.assert_array_equal(short["y"].to_numpy(), full.groupby("store").head(2)["y"].to_numpy())


@pytest.fixture
def small_disk(tmp_path):
    """A real file system of 2 MB (a tmpfs), where the machine lets the tests mount one."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()[:80]})")
    yield where
    subprocess.run(["umount", str(where)], capture_output=True)


def test_a_real_full_disk_is_one_line_keeps_the_last_checkpoint_and_resumes_when_freed(tiny, cli, small_disk):
    probe = cli("train", tiny[0], "train.epochs=1", "-q", f"output.dir={tiny[2] / 'probe'}")
    size = (
        (newest_run(tiny[2] / "probe") / "checkpoints" / "last.pt").stat().st_size
    )  # a finished run holds about twice an epoch's
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - size - size // 4))  # room for epoch 1's best.pt and last.pt, not more
    runs = small_disk / "runs"
    result = cli("train", tiny[0], "train.epochs=6", "train.checkpoint_every=0", "-q", f"output.dir={runs}")
    errors = [line for line in result.err.splitlines() if line.startswith("error")]
    assert probe.code == 0 and result.code == 1 and len(errors) == 1, result
    assert "the disk is full" in errors[0] and "Traceback" not in result.err
    run = newest_run(runs)
    kept = checkpoint.load(run / "checkpoints" / "last.pt")  # whole: its checksum verified
    assert 1 <= kept["epoch"] < 6 and not list((run / "checkpoints").glob(".*.tmp"))
    filler.unlink()  # space freed
    resumed = cli("train", "--resume", run, "-q")
    assert resumed.code == 0, resumed
    assert checkpoint.load(run / "checkpoints" / "last.pt")["epoch"] == 6 and (run / "summary.json").is_file()


@pytest.mark.parametrize(
    "values, words",
    [
        ([1e8 + (i % 7) * 0.5 for i in range(60)], "varies from 100000000 to 100000003: changes that small"),
        ([(i % 7 + 1) * 1e-49 for i in range(60)], "holds 1e-49 at line 2: too close to zero to be held"),
    ],
)
def test_values_float32_cannot_tell_apart_are_refused_with_the_fix(tmp_path, values, words):
    from rnncli.errors import RnnCliError

    text = "t,y\n" + "".join(
        f"{d.date()},{v!r}\n" for d, v in zip(pd.date_range("2023-01-01", periods=60), values)
    )
    with pytest.raises(RnnCliError, match=words):
        loaded(config_for(tmp_path, text))
    shifted = "t,y\n" + "".join(
        f"{d.date()},{v - 1e8 if v > 1 else v * 1e45!r}\n"
        for d, v in zip(pd.date_range("2023-01-01", periods=60), values)
    )  # the fix each message gives
    (s,) = loaded(config_for(tmp_path, shifted))
    assert len(np.unique(s.values[:, 0])) == 7
