"""The catalogue of bad input: each case either works (where a user would expect it to) or ends in
exit code 2 with one line that names the problem, and never a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml
from helpers import FIXED, write_config, write_csv

from rnncli import config
from rnncli.artifacts import checkpoint
from rnncli.pipeline.run import train_run


def good_rows(n: int = 60, sep: str = ",") -> str:
    """n consecutive days from 2021-01-01: date, y, x."""
    import datetime

    day = datetime.date(2021, 1, 1)
    return "".join(
        f"{day + datetime.timedelta(days=i)}{sep}{10 + (i * 7) % 5}.5{sep}{i % 3}\n" for i in range(n)
    )


@dataclass
class Env:
    tmp: Path
    run: Path  # a private copy of a trained run
    cfg: Path  # a valid config over a good CSV

    def config_for(self, csv_bytes: bytes | str, **data) -> Path:
        path = self.tmp / "data.csv"
        path.write_bytes(csv_bytes.encode() if isinstance(csv_bytes, str) else csv_bytes)
        cfg = {
            "name": "case",
            "data": {"path": str(path), "time_column": "t", "target": "y", **FIXED["data"], **data},
            "window": {"lookback": 5},
            "model": {"hidden_size": 4, "cell": "rnn", **FIXED["model"]},
            "train": {"epochs": 1, "device": "cpu", "batch_size": 64, "lr": 0.001, **FIXED["train"]},
            "output": {"dir": str(self.tmp / "runs")},
        }
        out = self.tmp / "case.yaml"
        out.write_text(yaml.safe_dump(cfg))
        return out

    def csv(self, text: str) -> Path:
        path = self.tmp / "other.csv"
        path.write_text(text)
        return path

    def yaml(self, text: str) -> Path:
        path = self.tmp / "y.yaml"
        path.write_text(text)
        return path

    def trained_csv(self) -> Path:
        return Path(yaml.safe_load((self.run / "config.yaml").read_text())["data"]["path"])

    def checkpoint_bytes(self, content: bytes) -> Path:
        (self.run / "checkpoints" / "best.pt").write_bytes(content)
        return self.run


@dataclass
class Case:
    id: str
    args: Callable[[Env], list]
    words: tuple[str, ...] = ()
    works: bool = False


def _evil(env: Env) -> list:
    class Touch:
        def __reduce__(self):
            return (Path.touch, (env.tmp / "payload-ran",))

    torch.save(
        {"format": checkpoint.FORMAT, "format_version": 1, "x": Touch()}, env.run / "checkpoints" / "best.pt"
    )
    return ["predict", env.run]


def _truncated(env: Env) -> list:
    best = env.run / "checkpoints" / "best.pt"
    best.write_bytes(best.read_bytes()[:2000])
    return ["evaluate", env.run]


def _future_format(env: Env) -> list:
    payload = checkpoint.load(env.run / "checkpoints" / "best.pt")
    payload["format_version"] = 99
    torch.save(payload, env.run / "checkpoints" / "best.pt")
    return ["predict", env.run]


HEADER = "t,y,x\n"
GOOD = HEADER + good_rows()


def days(n: int, fmt: str, start: str = "2023-01-01") -> list[str]:
    import pandas as pd

    return [t.strftime(fmt) for t in pd.date_range(start, periods=n, freq="D")]


def dated(stamps: list[str], sep: str = ",") -> str:
    return f"t{sep}y{sep}x\n" + "".join(f"{t}{sep}{10 + i % 7}.5{sep}{i % 3}\n" for i, t in enumerate(stamps))


def _bomb(env: Env) -> list:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    lines.append("data: {path: a.csv, time_column: t, target: *i}")
    return ["train", env.yaml("\n".join(lines) + "\n")]


def _nul_padded(env: Env) -> list:
    return [
        "train",
        env.config_for(GOOD.encode() + b"\0" * 5_000_000),
    ]  # a file preallocated and never filled: NUL bytes at its end


def _pickled(env: Env) -> list:
    import pickle

    class Touch:
        def __reduce__(self):
            return (Path.touch, (env.tmp / "payload-ran",))

    (env.run / "checkpoints" / "best.pt").write_bytes(
        pickle.dumps({"format": checkpoint.FORMAT, "x": Touch()})
    )
    return ["predict", env.run]


def _fifo(env: Env) -> list:
    import os

    os.mkfifo(env.tmp / "pipe.csv")
    return ["train", env.yaml(f"data: {{path: {env.tmp / 'pipe.csv'}, time_column: t, target: y}}\n")]


def _damaged_plan(env: Env) -> list:
    folder = env.tmp / "runs" / "case" / "backtest-20260101-000000"
    folder.mkdir(parents=True)
    (folder / "backtest-plan.json").write_text('{"config": {"name": "case", "data": ')
    return ["backtest", "--resume", folder]


def _resume_with_flags(env: Env) -> list:
    folder = env.tmp / "runs" / "case" / "backtest-20260101-000000"
    folder.mkdir(parents=True)
    (folder / "backtest-plan.json").write_text("{}")
    return ["backtest", "--resume", folder, "--folds", "7", "--no-refit", "--step", "3"]


CASES = [
    # command-line arguments
    Case("no-config", lambda e: ["train"], ("give a config file",)),
    Case("config-missing", lambda e: ["train", e.tmp / "nope.yaml"], ("cannot be read", "no such file")),
    Case("config-is-folder", lambda e: ["train", e.tmp], ("it is a folder",)),
    Case("unknown-option", lambda e: ["train", e.cfg, "--bogus"], ("No such option",)),
    Case("unknown-command", lambda e: ["frobnicate"], ("No such command",)),
    Case("override-without-equals", lambda e: ["train", e.cfg, "epochs"], ("must look like KEY=VALUE",)),
    Case("predict-no-run", lambda e: ["predict"], ("Missing argument",)),
    Case("predict-missing-run", lambda e: ["predict", e.tmp / "nowhere"], ("does not exist",)),
    Case(
        "inspect-a-device",
        lambda e: ["inspect", "/dev/null"],
        ("is not a folder or a file (a device or a pipe)",),
    ),
    Case("predict-not-a-run", lambda e: ["predict", e.tmp], ("has no checkpoints/best.pt",)),
    Case("horizon-zero", lambda e: ["predict", e.run, "--horizon", "0"], ("--horizon must be at least 1",)),
    Case(
        "horizon-text",
        lambda e: ["predict", e.run, "--horizon", "abc"],
        ("--horizon", "abc", "not a valid int"),
    ),
    Case("bad-split", lambda e: ["evaluate", e.run, "--split", "holdout"], ("--split must be one of",)),
    Case("bad-checkpoint-choice", lambda e: ["predict", e.run, "--checkpoint", "middle"], ("best or last",)),
    Case(
        "output-folder-missing",
        lambda e: ["predict", e.run, "-o", e.tmp / "no" / "f.csv"],
        ("does not exist",),
    ),
    Case("output-is-folder", lambda e: ["evaluate", e.run, "-o", e.tmp], ("is a folder",)),
    Case(
        "init-time-column-in-another-case",
        lambda e: [
            "init",
            e.csv("Date,Value,x\n" + good_rows()),
            "--time-column",
            "date",
            "-o",
            e.tmp / "i.yaml",
        ],
        ("column 'date' is not in", "did you mean 'Date'?"),
    ),
    Case(
        "init-target-in-another-case",
        lambda e: [
            "init",
            e.csv("Date,Value,x\n" + good_rows()),
            "--target",
            "value",
            "-o",
            e.tmp / "i.yaml",
        ],
        ("--target value: no such column (did you mean 'Value'?)",),
    ),
    Case(
        "init-id-column-misspelt",
        lambda e: [
            "init",
            e.csv("Date,Value,x\n" + good_rows()),
            "--id-column",
            "dte",
            "-o",
            e.tmp / "i.yaml",
        ],
        ("column 'dte' is not in", "did you mean 'Date'?"),
    ),
    Case("resume-not-a-run", lambda e: ["train", "--resume", e.tmp], ("has no checkpoints/last.pt",)),
    Case("resume-with-config-file", lambda e: ["train", "--resume", e.run, e.cfg], ("give only KEY=VALUE",)),
    Case(
        "resume-changes-model",
        lambda e: ["train", "--resume", e.run, "model.cell=lstm"],
        ("model.cell cannot change",),
    ),
    Case(
        "predict-csv-lacks-column",
        lambda e: ["predict", e.run, "--data", e.csv("date,z\n" + good_rows().replace(",", ";", 0))],
        ("column 'y' is not in", "columns are: date, z"),
    ),
    # YAML
    Case(
        "yaml-syntax",
        lambda e: ["train", e.yaml("data:\n  path: a.csv\n   target: y\n")],
        ("not valid YAML", "line 3"),
    ),
    Case("yaml-not-mapping", lambda e: ["train", e.yaml("- a\n- b\n")], ("must be a mapping",)),
    Case("yaml-empty", lambda e: ["train", e.yaml("")], ("data.path",)),
    Case(
        "yaml-unknown-key",
        lambda e: ["train", e.yaml("data: {path: a.csv, time_column: t, target: y, taget: z}\n")],
        ("unknown config key 'data.taget'", "did you mean data.target"),
    ),
    Case(
        "yaml-unknown-section",
        lambda e: ["train", e.yaml("data: {path: a.csv, time_column: t, target: y}\nmodle: {cell: gru}\n")],
        ("did you mean the section 'model'",),
    ),
    Case(
        "yaml-section-not-mapping",
        lambda e: ["train", e.yaml("data: a.csv\n")],
        ("'data' must be a section",),
    ),
    Case(
        "yaml-wrong-type-number",
        lambda e: [
            "train",
            e.yaml("data: {path: a.csv, time_column: t, target: y}\nwindow: {lookback: thirty}\n"),
        ],
        ("window.lookback", "'thirty'", "a number"),
    ),
    Case(
        "yaml-wrong-type-text",
        lambda e: ["train", e.yaml("data: {path: a.csv, time_column: t, target: {a: 1}}\n")],
        ("data.target", "a text value"),
    ),
    Case(
        "yaml-fraction-range",
        lambda e: ["train", e.cfg, "data.val_fraction=0"],
        ("data.val_fraction", "between 0 and 1"),
    ),
    Case(
        "yaml-batch-range",
        lambda e: ["train", e.cfg, "train.batch_size=0"],
        ("train.batch_size", "from 1 to 1e9"),
    ),
    Case(
        "yaml-bad-choice",
        lambda e: ["train", e.cfg, "model.cell=transformer"],
        ("model.cell", "one of rnn, gru, lstm"),
    ),
    Case("yaml-not-utf8", lambda e: ["train", e.tmp / "latin.yaml"], ("not a UTF-8 text file",)),
    Case("override-bad-number", lambda e: ["train", e.cfg, "train.lr=fast"], ("train.lr", "'fast'")),
    Case("override-nan", lambda e: ["train", e.cfg, "train.lr=.nan"], ("train.lr", "not NaN")),
    Case("override-infinite-lr", lambda e: ["train", e.cfg, "train.lr=.inf"], ("train.lr", "positive")),
    # CSV
    Case("csv-empty", lambda e: ["train", e.config_for("")], ("is empty",)),
    Case("csv-header-only", lambda e: ["train", e.config_for(HEADER)], ("header but no data rows",)),
    Case(
        "csv-missing-target",
        lambda e: ["train", e.config_for(GOOD, target="yy")],
        ("column 'yy' is not in", "did you mean 'y'"),
    ),
    Case(
        "csv-missing-time",
        lambda e: ["train", e.config_for(GOOD, time_column="time")],
        ("column 'time' is not in",),
    ),
    Case(
        "csv-text-in-numbers",
        lambda e: ["train", e.config_for(GOOD.replace("\n2021-01-05,", "\n2021-01-05,abc", 1))],
        ("column 'y' must be numeric", "line 6"),
    ),
    Case(
        "csv-bad-timestamp",
        lambda e: ["train", e.config_for(GOOD.replace("2021-01-07", "2021-13-07", 1))],
        ("not a date/time", "line 8"),
    ),
    Case(
        "csv-numeric-timestamps",
        lambda e: ["train", e.config_for(HEADER + "".join(f"{i},{i}.5,1\n" for i in range(60)))],
        ("not a date/time", "line 2"),
    ),
    Case(
        "csv-duplicate-timestamp",
        lambda e: ["train", e.config_for(GOOD + "2021-01-03,4.5,1\n")],
        ("appears more than once",),
    ),
    Case(
        "csv-all-nan-target",
        lambda e: ["train", e.config_for(HEADER + "".join(f"2021-01-{d:02d},,1\n" for d in range(1, 29)))],
        ("has no values",),
    ),
    Case(
        "csv-too-few-rows",
        lambda e: ["train", e.config_for(HEADER + good_rows(7))],
        ("too few for window.lookback=5", "need at least 8 rows"),
    ),
    Case(
        "csv-not-utf8",
        lambda e: ["train", e.config_for(("t,y\n2021-01-01,1\n" + "2021-01-02,\u00e9\n").encode("latin-1"))],
        ("not UTF-8",),
    ),
    Case(
        "csv-off-grid",
        lambda e: ["train", e.config_for(GOOD + "2021-03-05 06:00,1.5,1\n", frequency="D")],
        ("not on the regular 'D' grid",),
    ),
    Case(
        "csv-mixed-time-zones",
        lambda e: ["train", e.config_for(GOOD + "2021-03-05 06:00+01:00,1.5,1\n")],
        ("with and without a time zone",),
    ),
    Case(
        "csv-bad-frequency",
        lambda e: ["train", e.config_for(GOOD, frequency="fortnightly")],
        ("not a pandas frequency",),
    ),
    Case(
        "csv-missing-is-error",
        lambda e: ["train", e.config_for(GOOD.replace("\n2021-01-10,13.5,0", ""), missing="error")],
        ("1 value is missing (1 missing timestamp), the first at 2021-01-10", "data.missing"),
    ),
    Case(
        "csv-one-10mb-line",
        lambda e: ["train", e.config_for(",".join(f"c{i}" for i in range(1_300_000)))],
        ("column 't' is not in", "..."),
    ),
    Case(
        "csv-missing-file",
        lambda e: ["train", e.yaml(f"data: {{path: {e.tmp / 'none.csv'}, time_column: t, target: y}}\n")],
        ("not found",),
    ),
    # checkpoints
    Case("checkpoint-empty", lambda e: ["predict", e.checkpoint_bytes(b"")], ("is empty",)),
    Case(
        "checkpoint-foreign",
        lambda e: ["predict", e.checkpoint_bytes(b"name,value\n1,2\n")],
        ("cannot be read",),
    ),
    Case("checkpoint-truncated", _truncated, ("truncated or not a checkpoint",)),
    Case(
        "checkpoint-not-ours",
        lambda e: [torch.save({"w": torch.zeros(1)}, e.run / "checkpoints" / "best.pt"), "predict", e.run][
            1:
        ],
        ("not an rnncli checkpoint",),
    ),
    Case("checkpoint-future-format", _future_format, ("format version 99", "upgrade rnncli")),
    Case("checkpoint-with-code", _evil, ("was refused", "Python objects")),
    # dates and numbers read as meant, or refused
    Case(
        "dates-day-and-month-first-mixed",
        lambda e: [
            "train",
            e.config_for(
                dated(["13/01/2023", "14/01/2023", "01/15/2023"] + days(57, "%d/%m/%Y", "2023-01-16"))
            ),
        ],
        ("mixes day-first and month-first dates", "line 2", "line 4", "data.time_format"),
    ),
    Case(
        "dates-both-ways-regular",
        lambda e: [
            "train",
            e.config_for(dated([f"{d:02d}/{d:02d}/2023" for d in range(1, 13)]), frequency=None),
        ],
        ("reads both day-first and month-first", "data.time_format"),
    ),
    Case(
        "dates-not-the-given-format",
        lambda e: ["train", e.config_for(dated(days(60, "%d/%m/%Y")), time_format="%m/%d/%Y")],
        ("does not match data.time_format '%m/%d/%Y'", "line 14"),
    ),
    Case(
        "dates-year-month-without-century",
        lambda e: ["train", e.config_for(dated([f"{y}-{m:02d}" for y in (1, 2, 3) for m in range(1, 13)]))],
        ("reads '1-01' (line 2) as 0001-01-01", "before the year 1678", "(e.g. 2001-01 for this row"),
    ),
    Case(
        "decimal-comma-unset",
        lambda e: ["train", e.config_for(dated(days(60, "%Y-%m-%d"), ";").replace(".5;", ",5;"))],
        ("decimal comma", "set data.decimal: ','", "line 2"),
    ),
    Case(
        "decimal-comma-in-a-comma-file",
        lambda e: ["train", e.config_for(GOOD, decimal=",")],
        ("separates its columns with commas",),
    ),
    Case(
        "yaml-no-is-a-boolean",
        lambda e: ["train", e.yaml("data: {path: a.csv, time_column: t, target: No}\n")],
        ("data.target[0]", "got False", "quote it"),
    ),
    Case(
        "header-repeats-a-name",
        lambda e: ["train", e.config_for(GOOD.replace("t,y,x", "t,y,y", 1))],
        ("column 'y' appears 2 times", "columns 2, 3"),
    ),
    Case(
        "time-parts-not-numbers",
        lambda e: [
            "train",
            e.config_for(
                "yr,mo,dy,y\n" + "".join(f"2021,{m},x{d},1\n" for m in (1, 2) for d in range(1, 29)),
                time_column=["yr", "mo", "dy"],
            ),
        ],
        ("time column 'dy' (the day)", "'x1'", "line 2"),
    ),
    Case(
        "time-parts-with-a-format",
        lambda e: ["train", e.config_for(GOOD, time_column=["t", "x"], time_format="%Y")],
        ("data.time_format",),
    ),
    # fills that say so
    Case(
        "fill-a-stray-row-a-century-late",
        lambda e: ["train", e.config_for(GOOD + "2121-03-01,1.5,1\n")],
        ("leave 36,5", "data.max_fill=0.1", "2121-03-01"),
    ),
    Case(
        "fill-a-tiny-frequency",
        lambda e: ["train", e.config_for(GOOD, frequency="1s")],
        ("'1s' grid", "data.max_fill"),
    ),
    Case(
        "fill-a-nanosecond-frequency",
        lambda e: ["train", e.config_for(GOOD, frequency="1ns")],
        ("'1ns' grid", "data.max_fill"),
    ),
    Case(
        "fill-most-of-a-column",
        lambda e: [
            "train",
            e.config_for(
                HEADER
                + "".join(
                    r if i % 3 == 0 else r.replace(".5,", ",", 1).replace(",", ",,", 1)[:11] + ",,1\n"
                    for i, r in enumerate(good_rows().splitlines(True))
                )
            ),
        ],
        ("'y' is missing 40 of its 60 values", "data.max_fill"),
    ),
    Case(
        "predict-monthly-data-on-a-daily-model",
        lambda e: [
            "predict",
            e.run,
            "--data",
            e.csv("date,y\n" + "".join(f"2021-{m:02d}-01,{m}.5\n" for m in range(1, 13))),
        ],
        ("'y' is missing 323 of its 335 values on the 'D' grid", "data.max_fill"),
    ),
    Case(
        "frequency-zero",
        lambda e: ["train", e.config_for(GOOD, frequency="0D")],
        ("not a step forward in time",),
    ),
    # bounded work and one-line errors
    Case("yaml-alias-bomb", _bomb, ("more than 10,000 values", "aliases")),
    Case(
        "yaml-duplicate-key",
        lambda e: [
            "train",
            e.yaml("data: {path: a.csv, time_column: t, target: y}\nwindow:\n  lookback: 3\n  lookback: 5\n"),
        ],
        ("key 'lookback' appears twice (lines 3 and 4)",),
    ),
    Case(
        "yaml-5000-digit-integer",
        lambda e: [
            "train",
            e.yaml("data: {path: a.csv, time_column: t, target: y}\ntrain: {epochs: " + "9" * 5000 + "}\n"),
        ],
        ("a number too long to read",),
    ),
    Case(
        "override-5000-digit-integer",
        lambda e: ["train", e.cfg, "train.epochs=" + "9" * 5000],
        ("train.epochs", "…", "a whole number"),
    ),
    Case(
        "name-with-a-nul",
        lambda e: ["train", e.yaml('name: "a\\0b"\ndata: {path: a.csv, time_column: t, target: y}\n')],
        ("config key name", "control characters"),
    ),
    Case(
        "csv-10mb-cell",
        lambda e: [
            "train",
            e.config_for(GOOD.replace("\n2021-01-05,", "\n2021-01-05," + "x" * 10_000_000, 1)),
        ],
        ("column 'y' must be numeric", "line 6", "…"),
    ),
    Case("csv-nul-padded", _nul_padded, ("time column 't' holds", "…", "line 62")),
    Case(
        "csv-huge-number-as-written",
        lambda e: ["train", e.config_for(GOOD.replace("\n2021-01-05,13.5", "\n2021-01-05,1e300", 1))],
        ("holds 1e+300 at line 6", "beyond ±3.4e38"),
    ),
    Case(
        "horizon-a-billion",
        lambda e: ["predict", e.run, "--horizon", "1000000000"],
        ("would need about", "forecast at most"),
    ),
    Case(
        "horizon-twenty-digits",
        lambda e: ["predict", e.run, "--horizon", "99999999999999999999"],
        ("--horizon of 20 digits",),
    ),
    Case(
        "horizon-too-many-rounds",
        lambda e: ["predict", e.run, "--horizon", "150000"],
        ("150,000 model calls", "at most 100,000 steps"),
    ),
    Case(
        "backtest-plan-damaged", _damaged_plan, ("backtest-plan.json", "is damaged", "start a new backtest")
    ),
    Case(
        "backtest-resume-with-flags",
        _resume_with_flags,
        ("--resume takes the config, folds, step and refit", "--folds was given"),
    ),
    Case(
        "season-longer-than-the-series",
        lambda e: ["train", e.config_for(GOOD, season=400)],
        ("data.season=400", "training part"),
    ),
    Case("checkpoint-pickled-code", _pickled, ("was refused", "Python objects")),
    Case("data-path-is-a-fifo", _fifo, ("is not a regular file",)),
    Case(
        "data-path-is-a-folder",
        lambda e: ["train", e.yaml(f"data: {{path: {e.tmp}, time_column: t, target: y}}\n")],
        ("is a folder",),
    ),
    Case(
        "output-is-the-training-csv",
        lambda e: ["predict", e.run, "-o", e.trained_csv()],
        ("the CSV the model was trained on",),
    ),
    Case(
        "output-is-the-checkpoint",
        lambda e: ["evaluate", e.run, "-o", e.run / "checkpoints" / "best.pt"],
        ("is inside the run folder", "whose files rnncli writes itself"),
    ),
    Case(
        "plot-is-the-config",
        lambda e: ["predict", e.run, "--plot", e.run / "config.yaml"],
        ("is inside the run folder",),
    ),
    Case(
        "export-onto-last-checkpoint",
        lambda e: ["export", e.run, "--format", "torchscript", "-o", e.run / "checkpoints" / "last.pt"],
        ("is inside the run folder",),
    ),
    Case(
        "best-missing-last-present",
        lambda e: [(e.run / "checkpoints" / "best.pt").unlink(), "predict", e.run][1:],
        ("has no checkpoints/best.pt", "use --checkpoint last"),
    ),
    # inputs a user expects to work
    Case(
        "csv-unsorted",
        lambda e: ["train", e.config_for(HEADER + "".join(reversed(good_rows().splitlines(True))))],
        ("sorted",),
        works=True,
    ),
    Case("csv-semicolon", lambda e: ["train", e.config_for("t;y;x\n" + good_rows(sep=";"))], works=True),
    Case("csv-tab", lambda e: ["train", e.config_for("t\ty\tx\n" + good_rows(sep="\t"))], works=True),
    Case("csv-bom", lambda e: ["train", e.config_for(b"\xef\xbb\xbf" + GOOD.encode())], works=True),
    Case(
        "csv-gap-filled",
        lambda e: [
            "train",
            e.config_for(HEADER + "".join(r for i, r in enumerate(good_rows().splitlines(True)) if i != 20)),
        ],
        ("filled 1 missing value (1 missing timestamp)",),
        works=True,
    ),
    Case(
        "csv-mixed-date-formats",
        lambda e: ["train", e.config_for(GOOD.replace("2021-01-05,", "2021-01-05 00:00:00,", 1))],
        works=True,
    ),
    Case(
        "csv-crlf-and-spaces",
        lambda e: ["train", e.config_for((HEADER + good_rows()).replace(",", ", ").replace("\n", "\r\n"))],
        works=True,
    ),
    Case("yaml-scientific-lr", lambda e: ["train", e.config_for(GOOD), "train.lr=1e-3"], works=True),
    Case("dates-day-first", lambda e: ["train", e.config_for(dated(days(60, "%d/%m/%Y")))], works=True),
    Case("dates-month-first", lambda e: ["train", e.config_for(dated(days(60, "%m/%d/%Y")))], works=True),
    Case(
        "dates-given-format",
        lambda e: ["train", e.config_for(dated(days(60, "%d.%m.%y")), time_format="%d.%m.%y")],
        works=True,
    ),
    Case(
        "decimal-comma-set",
        lambda e: [
            "train",
            e.config_for(dated(days(60, "%Y-%m-%d"), ";").replace(".5;", ",5;"), decimal=","),
        ],
        works=True,
    ),
    Case(
        "header-with-spaces",
        lambda e: ["train", e.config_for(GOOD.replace("t,y,x", "t ,y , x", 1))],
        works=True,
    ),
    Case(
        "time-split-over-columns",
        lambda e: [
            "train",
            e.config_for(
                "year,month,day,hour,y\n"
                + "".join(f"2021,1,{1 + h // 24},{h % 24},{h % 5}.5\n" for h in range(300)),
                time_column=["year", "month", "day", "hour"],
            ),
        ],
        works=True,
    ),
    Case(
        "dollar-in-names",
        lambda e: [
            "train",
            e.config_for(GOOD.replace("t,y,x", "t,x$^$y,x", 1), target="x$^$y"),
            "name=a$_$b",
        ],
        works=True,
    ),
]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("catalogue")
    cfg = config.load(
        write_config(tmp / "c.yaml", write_csv(tmp / "s.csv"), tmp / "runs"), ["train.epochs=1"]
    )
    return train_run(cfg).run_dir


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 90
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, trained_run, tmp_path, cli):
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    (tmp_path / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    env = Env(
        tmp_path,
        run,
        write_config(tmp_path / "good.yaml", write_csv(tmp_path / "good.csv"), tmp_path / "runs"),
    )
    result = cli(*case.args(env))
    assert "Traceback" not in result.out + result.err
    if case.works:
        assert result.code == 0, result
        assert "run folder:" in result.out
        message = result.err
    else:
        assert result.code == 2, result
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), result.err
        assert len(lines[0]) < 400
        message = lines[0]
    for word in case.words:
        assert word in message, message
    assert not (tmp_path / "payload-ran").exists()
