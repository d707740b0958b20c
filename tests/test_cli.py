import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from helpers import newest_run, write_csv

from rnncli import config
from rnncli.errors import RnnCliError


def one_clean_line(result, code: int = 2) -> str:
    assert result.code == code, result
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    return lines[0]


def test_help_lists_the_commands(cli):
    for args in (["--help"], []):  # rnncli alone: the same help, on stdout, exit 0
        result = cli(*args)
        assert result.code == 0 and result.err == ""
        for command in ("train", "predict", "evaluate", "--version"):
            assert command in result.out


def test_version(cli):
    from rnncli import __version__

    result = cli("--version")
    assert result.code == 0 and result.out == f"rnncli {__version__}\n"


def test_help_and_print_config_do_not_import_torch_pandas_or_the_trackers(tiny):
    code = (
        "import sys; from rnncli.entry import main\n"
        "try: main(sys.argv[1:])\n"
        "except SystemExit: pass\n"
        "heavy = ('torch', 'pandas', 'numpy', 'mlflow', 'tensorboard', 'matplotlib')\n"
        "print('heavy:', sorted(m for m in heavy if m in sys.modules), "
        "file=sys.stderr)"
    )
    tracked = ["train", str(tiny[0]), "train.tracking=[tensorboard,mlflow]", "--print-config"]
    for args in (["--help"], ["report", "--help"], ["train", str(tiny[0]), "--print-config"], tracked):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        assert "heavy: []" in out.stderr, out.stderr


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "rnncli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "evaluate" in out.stdout


def test_print_config_shows_the_resolved_config(cli, tiny):
    result = cli("train", tiny[0], "--print-config", "train.lr=1e-3", "model.cell=lstm")
    assert result.code == 0
    printed = config.from_dict(yaml.safe_load(result.out))
    assert printed.train.lr == 0.001 and printed.model.cell == "lstm" and printed.window.lookback == 14
    assert not tiny[2].exists()  # nothing trained


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("mode", ["many_to_one", "many_to_many"])
def test_train_predict_evaluate_end_to_end(cli, tiny, tmp_path, cell, mode):
    cfg, _, runs = tiny
    trained = cli(
        "train",
        cfg,
        f"model.cell={cell}",
        f"window.mode={mode}",
        "window.horizon=2",
        "train.epochs=1",
        "--quiet",
    )
    assert trained.code == 0, trained
    run = newest_run(runs)
    assert f"run folder: {run}" in trained.out and "persistence" in trained.out and "linear AR" in trained.out
    assert "epoch 1/1" in trained.err
    out_csv = tmp_path / f"fc-{cell}-{mode}.csv"
    predicted = cli("predict", run, "--horizon", "5", "--output", out_csv)
    assert predicted.code == 0, predicted
    frame = pd.read_csv(out_csv)
    assert (
        list(frame.columns) == ["date", "y", "y_lower", "y_upper"]
        and len(frame) == 5
        and frame["y"].notna().all()
    )
    assert (frame["y_lower"] < frame["y"]).all() and (frame["y"] < frame["y_upper"]).all()
    out_json = tmp_path / f"m-{cell}-{mode}.json"
    evaluated = cli("evaluate", run, "--output", out_json, "--checkpoint", "last")
    assert evaluated.code == 0, evaluated
    report = json.loads(out_json.read_text())
    assert report["split"] == "test" and report["n_windows"] == 23 and report["horizon"] == 2
    assert set(report["baselines"]) == {"persistence", "seasonal_naive", "linear_ar", "theta", "ets", "com"}
    assert "MAE per horizon step" in evaluated.out


@pytest.mark.parametrize(
    "args, words",
    [
        (["train", "missing.yaml"], ["config 'missing.yaml' cannot be read"]),
        (["train", "{cfg}", "model.hiden_size=3"], ["did you mean model.hidden_size"]),
        (["train", "{cfg}", "data.target=nope"], ["column 'nope' is not in"]),
        (["train", "{cfg}", "train.lr=abc"], ["train.lr", "'abc'"]),
        (["train", "{cfg}", "window.lookback=500"], ["too few for window.lookback=500", "need at least"]),
        (["predict", "{tmp}/nowhere"], ["does not exist"]),
        (["predict", "{tmp}"], ["has no checkpoints/best.pt"]),
        (["evaluate", "{tmp}/nowhere"], ["does not exist"]),
        (["train"], ["give a config file", "--resume RUN"]),
        (["predict"], ["Missing argument", "rnncli predict --help"]),
        (["train", "{cfg}", "--bogus"], ["No such option", "--bogus"]),
        (["frobnicate"], ["No such command"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, tiny, tmp_path, args, words):
    args = [a.format(cfg=tiny[0], tmp=tmp_path) for a in args]
    line = one_clean_line(cli(*args))
    for word in words:
        assert word in line


def test_bad_options_of_a_trained_run(cli, tiny, tmp_path):
    cfg, _, runs = tiny
    assert cli("train", cfg, "train.epochs=1", "-q").code == 0
    run = newest_run(runs)
    assert "--split must be one of" in one_clean_line(cli("evaluate", run, "--split", "bogus"))
    assert "--checkpoint must be best or last" in one_clean_line(
        cli("predict", run, "--checkpoint", "middle")
    )
    assert "does not exist" in one_clean_line(
        cli("predict", run, "--output", tmp_path / "no" / "such" / "f.csv")
    )
    assert "--horizon must be at least 1" in one_clean_line(cli("predict", run, "--horizon", "0"))
    (run / "checkpoints" / "best.pt").write_bytes(b"")
    assert "is empty" in one_clean_line(cli("predict", run))


def test_debug_shows_the_traceback(cli, tiny, monkeypatch):
    from rnncli.entry import main

    with pytest.raises(RnnCliError):
        main(["train", str(tiny[0]), "model.hiden_size=3", "--debug"])
    monkeypatch.setenv("RNNCLI_DEBUG", "1")
    with pytest.raises(RnnCliError):
        main(["train", str(tiny[0]), "model.hiden_size=3"])


def test_the_console_script_exits_2_without_traceback(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "rnncli")
    out = subprocess.run([script, "predict", str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.startswith("error: ")


def test_a_foreign_hourly_csv_trains_from_the_cli(cli, tmp_path):
    csv_path = write_csv(
        tmp_path / "f.csv", n=300, freq="h", time_column="stamp", target="reading", drop=(100,)
    )
    cfg = tmp_path / "f.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "name": "foreign",
                "data": {"path": str(csv_path), "time_column": "stamp", "target": "reading"},
                "window": {"lookback": 24, "horizon": 3},
                "train": {"epochs": 1},
                "output": {"dir": str(tmp_path / "runs")},
            }
        )
    )
    result = cli("train", cfg, "-q")
    assert result.code == 0, result
    assert "filled 1 missing value (1 missing timestamp) by interpolate" in result.err
