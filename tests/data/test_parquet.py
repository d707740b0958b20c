"""Parquet input: `data.path`, `predict --data` and `init` read .parquet files as they read CSV, the
same data giving the same run bit for bit; without pyarrow, one line naming the extra."""

from __future__ import annotations

import json
import sys

import pandas as pd
import torch
from helpers import write_config, write_csv

from rnncli import config
from rnncli.pipeline.run import train_run


def as_parquet(csv, path, time_column="date"):
    frame = pd.read_csv(csv)
    frame[time_column] = pd.to_datetime(frame[time_column])  # a real timestamp column, as Parquet keeps it
    frame.to_parquet(path)
    return path


def test_the_same_data_as_csv_and_as_parquet_gives_the_same_run_bit_for_bit(tmp_path):
    csv = write_csv(tmp_path / "s.csv", features=("x",))
    pq = as_parquet(csv, tmp_path / "s.parquet")
    runs = {}
    for name, data in (("csv", csv), ("parquet", pq)):
        cfg = write_config(tmp_path / f"{name}.yaml", data, tmp_path / name, data={"features": ["x"]})
        runs[name] = train_run(config.load(str(cfg), ["train.epochs=2"])).run_dir
    weights = [
        torch.load(r / "checkpoints" / "best.pt", weights_only=True)["model_state"] for r in runs.values()
    ]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    summaries = [json.loads((r / "summary.json").read_text()) for r in runs.values()]
    assert summaries[0]["test"] == summaries[1]["test"] and summaries[0]["val"] == summaries[1]["val"]
    losses = [
        [line.split(",")[:6] for line in (r / "metrics.csv").read_text().splitlines()] for r in runs.values()
    ]
    assert losses[0] == losses[1]


def test_predict_reads_a_parquet_file_and_init_configures_one_as_its_csv(tmp_path, cli):
    csv = write_csv(tmp_path / "s.csv")
    pq = as_parquet(csv, tmp_path / "s.parquet")
    run = train_run(
        config.load(str(write_config(tmp_path / "c.yaml", csv, tmp_path / "runs")), ["train.epochs=1"])
    ).run_dir
    outs = {}
    for name, data in (("csv", csv), ("parquet", pq)):
        outs[name] = tmp_path / f"{name}-forecast.csv"
        assert cli("predict", run, "--data", data, "--output", outs[name]).code == 0
    assert outs["csv"].read_text() == outs["parquet"].read_text()
    for name, data in (("csv", csv), ("parquet", pq)):
        assert cli("init", data, "--horizon", "3", "--output", tmp_path / f"{name}.yaml").code == 0
    written = [(tmp_path / f"{n}.yaml").read_text().splitlines() for n in ("csv", "parquet")]
    differ = [a for a, b in zip(*written) if a != b]
    assert all(line.startswith(("# Written", "#   rnncli", "name:", "  path:")) for line in differ), differ


def test_without_pyarrow_a_parquet_file_is_one_line_naming_the_extra(tmp_path, cli, monkeypatch):
    pq = as_parquet(write_csv(tmp_path / "s.csv"), tmp_path / "s.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if pyarrow were not installed
    result = cli("init", pq)
    assert result.code == 2 and "pip install 'rnncli[parquet]'" in result.err


def test_a_file_named_parquet_that_is_not_one_is_refused_in_one_line(tmp_path, cli):
    fake = tmp_path / "s.parquet"
    fake.write_text("date,y\n2021-01-01,1\n")
    result = cli("init", fake)
    assert result.code == 2 and "cannot read" in result.err and "as Parquet" in result.err
