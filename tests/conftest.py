"""Shared fixtures: small CSVs and configs built in tmp_path, and a runner for the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_config, write_csv

from rnncli import config
from rnncli.pipeline.run import train_run


@pytest.fixture
def tiny(tmp_path: Path):
    """(config path, csv path, runs folder) for a 240-day series."""
    csv = write_csv(tmp_path / "series.csv")
    runs = tmp_path / "runs"
    return write_config(tmp_path / "tiny.yaml", csv, runs), csv, runs


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, err={self.err[-500:]!r})"


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `rnncli ARGS...` through the console entry point; returns exit code and output."""
    from rnncli.entry import main

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("RNNCLI_DEBUG", raising=False)

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def runs_folder(tmp_path_factory):
    """Three finished runs (rnn, gru, lstm) and one interrupted one, in one output folder."""
    tmp = tmp_path_factory.mktemp("tools")
    csv_path = write_csv(tmp / "s.csv", features=("x",))
    cfg_path = write_config(
        tmp / "c.yaml",
        csv_path,
        tmp / "runs",
        data={"features": ["x"], "calendar": ["dayofweek"]},
        model={"num_layers": 2},
    )
    made = {
        cell: train_run(config.load(cfg_path, [f"model.cell={cell}", "train.epochs=2"])).run_dir
        for cell in ("rnn", "gru", "lstm")
    }
    unfinished = train_run(config.load(cfg_path, ["train.epochs=1", "name=partial"])).run_dir
    (unfinished / "summary.json").unlink()
    return tmp, made, unfinished
