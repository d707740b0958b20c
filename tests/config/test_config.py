from pathlib import Path

import pytest
import yaml

from rnncli import config
from rnncli.errors import RnnCliError

ROOT = Path(__file__).resolve().parents[2]  # the project: tests/<package>/this file


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


BASE = "data: {path: x.csv, time_column: t, target: y}\n"


def test_defaults_fill_every_section(tmp_path):
    cfg = config.load(write(tmp_path, BASE))
    assert cfg.name == "c"  # the file's stem when no name is given
    assert cfg.data.target == ["y"] and cfg.data.features == []
    assert (cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.scaler, cfg.data.missing) == (
        0.1,
        0.1,
        "standard",
        "interpolate",
    )
    assert (cfg.window.lookback, cfg.window.horizon, cfg.window.mode) == (30, 1, "many_to_one")
    assert (cfg.model.cell, cfg.model.hidden_size, cfg.model.num_layers, cfg.model.nonlinearity) == (
        "gru",
        64,
        1,
        "tanh",
    )
    t = cfg.train
    assert (
        t.epochs,
        t.batch_size,
        t.optimizer,
        t.lr,
        t.clip_grad_norm,
        t.clip_grad_value,
        t.patience,
        t.device,
    ) == (50, 64, "adam", 0.001, 1.0, None, 10, "auto")
    assert cfg.output.dir == "runs"


def test_yaml_strings_are_coerced_to_the_field_type(tmp_path):
    # PyYAML reads 1e-3 and 5e2 as strings; users mean numbers.
    cfg = config.load(
        write(tmp_path, BASE + "train: {lr: 1e-3, epochs: 5e2, clip_grad_norm: none, patience: null}\n")
    )
    assert cfg.train.lr == 0.001 and isinstance(cfg.train.lr, float)
    assert cfg.train.epochs == 500 and isinstance(cfg.train.epochs, int)
    assert cfg.train.clip_grad_norm is None and cfg.train.patience is None


def test_overrides_are_dotted_and_typed(tmp_path):
    cfg = config.load(
        write(tmp_path, BASE),
        ["train.lr=2e-2", "model.cell=GRU", "data.target=[a, b]", "window.mode=many-to-many", "name=exp 1"],
    )
    assert cfg.train.lr == 0.02
    assert cfg.model.cell == "gru"
    assert cfg.data.target == ["a", "b"]
    assert cfg.window.mode == "many_to_many"
    assert cfg.name == "exp 1"


@pytest.mark.parametrize(
    "override, words",
    [
        ("model.hiden_size=3", ["unknown config key 'model.hiden_size'", "did you mean model.hidden_size"]),
        ("lr=0.1", ["unknown config key 'lr'", "did you mean train.lr"]),
        ("model=gru", ["'model' is a section", "model.cell"]),
        ("train.lr", ["must look like KEY=VALUE"]),
        ("train.lr=fast", ["train.lr", "'fast'", "a number"]),
        ("train.epochs=2.5", ["train.epochs", "2.5", "whole number"]),
        ("model.cell=transformer", ["model.cell", "'transformer'", "one of rnn, gru, lstm"]),
        ("model.cell=grux", ["did you mean gru"]),
        ("window.lookback=0", ["window.lookback", "0", "from 1 to 1e9"]),
        ("data.val_fraction=1.5", ["data.val_fraction", "1.5", "between 0 and 1"]),
        ("data.test_fraction=0.95", ["data.test_fraction", "sum below 1"]),
        ("train.lr=-1", ["train.lr", "-1", "positive"]),
        ("train.device=gpu", ["train.device", "'gpu'", "cuda:N"]),
        ("model.dropout=0.2", ["model.dropout", "num_layers"]),
        ("model.nonlinearity=relu", ["model.nonlinearity", "relu is for the plain rnn cell"]),
        ("data.features=[y]", ["data.features", "y is a target"]),
        ("train.epochs=true", ["train.epochs", "True", "a number"]),
        ("name=a/b", ["name", "without slashes"]),
        ("train.lr=1e300", ["train.lr", "up to 1000"]),
        ("train.weight_decay=1e300", ["train.weight_decay", "from 0 to 1000"]),
        ("train.clip_grad_value=1e300", ["train.clip_grad_value", "up to 1e+09"]),
        ("train.seed=-1", ["train.seed", "from 0 to 2**63 - 1"]),
        ("model.hidden_size=100000", ["model.hidden_size", "up to 8192"]),
    ],
)
def test_bad_overrides_name_the_key_and_value(tmp_path, override, words):
    cfg_path = write(tmp_path, BASE + ("model: {cell: gru}\n" if "nonlinearity" in override else ""))
    with pytest.raises(RnnCliError) as err:
        config.load(cfg_path, [override])
    for word in words:
        assert word in str(err.value)


def test_unknown_key_in_the_file_is_refused_with_the_nearest(tmp_path):
    with pytest.raises(
        RnnCliError, match=r"unknown config key 'window.lookbak'; did you mean window.lookback\?"
    ):
        config.load(write(tmp_path, BASE + "window: {lookbak: 3}\n"))


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(
        RnnCliError, match=r"not valid YAML: line 4, column 15: mapping values are not allowed here"
    ):
        config.load(write(tmp_path, BASE + "model:\n  cell: gru\n   hidden_size: 3\n"))


def test_required_keys_and_file_shape(tmp_path):
    with pytest.raises(RnnCliError, match="data.path"):
        config.load(write(tmp_path, "data: {time_column: t, target: y}\n"))
    with pytest.raises(RnnCliError, match="data.target"):
        config.load(write(tmp_path, "data: {path: x.csv, time_column: t}\n"))
    with pytest.raises(RnnCliError, match="must be a mapping"):
        config.load(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(RnnCliError, match="'model' must be a section"):
        config.load(write(tmp_path, BASE + "model: gru\n"))
    with pytest.raises(RnnCliError, match="no such file"):
        config.load(tmp_path / "missing.yaml")


def test_relative_data_path_falls_back_to_the_config_folder(tmp_path, monkeypatch):
    (tmp_path / "cfgs").mkdir()
    (tmp_path / "cfgs" / "x.csv").write_text("t,y\n")
    monkeypatch.chdir(tmp_path)
    cfg = config.load(_write_in(tmp_path / "cfgs"))
    assert Path(cfg.data.path) == tmp_path / "cfgs" / "x.csv"


def _write_in(folder: Path) -> Path:
    path = folder / "c.yaml"
    path.write_text(BASE)
    return path


def test_resolved_config_round_trips_through_yaml(tmp_path):
    cfg = config.load(write(tmp_path, BASE), ["train.lr=0.5", "data.features=[a]"])
    again = config.from_dict(yaml.safe_load(config.to_yaml(cfg)))
    assert again == cfg


def test_known_keys_cover_every_field():
    keys = config.known_keys()
    assert (
        "train.clip_grad_value" in keys and "data.season" in keys and "output.dir" in keys and "name" in keys
    )
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_validates(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cfg = config.load(path)
    assert Path(cfg.data.path).is_file(), f"{path.name}: data.path {cfg.data.path} does not exist"
    head = path.read_text().splitlines()[0]
    assert head.startswith("#"), f"{path.name} should open with a comment showing how to run it"


def test_the_shipped_configs_are_found():
    # the test above is parametrized by this glob: an empty one would pass without checking anything
    assert len(sorted((ROOT / "configs").glob("*.yaml"))) >= 3


def test_merge_keys_merge_and_the_mappings_own_keys_win(tmp_path):
    text = "x-small: &small {hidden_size: 16, cell: lstm}\n" + BASE + "model:\n  <<: *small\n  cell: gru\n"
    cfg = config.load(write(tmp_path, text))
    assert cfg.model.hidden_size == 16 and cfg.model.cell == "gru"
    with pytest.raises(RnnCliError, match="key 'cell' appears twice"):  # still refused within one mapping
        config.load(write(tmp_path, BASE + "model:\n  cell: gru\n  cell: rnn\n"))
    with pytest.raises(RnnCliError, match="unknown config key 'small'"):  # a key outside x- is still checked
        config.load(write(tmp_path, "small: &s {hidden_size: 16}\n" + BASE + "model: {<<: *s}\n"))


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_config_path_that_is_a_pipe_or_a_device_says_so(tmp_path, kind):
    import os

    path = Path("/dev/null") if kind == "device" else tmp_path / "pipe.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    with pytest.raises(RnnCliError, match=r"cannot be read \(it is not a regular file: a pipe or a device\)"):
        config.load(path)


def test_keys_chosen_from_the_data_are_marked_in_the_written_config_and_read_back(tmp_path):
    from helpers import write_csv

    from rnncli.pipeline.inputs import resolve

    csv = write_csv(tmp_path / "s.csv")
    (tmp_path / "c.yaml").write_text(f"data:\n  path: {csv}\n  time_column: date\n  target: [y]\n")
    resolved = resolve(config.load(str(tmp_path / "c.yaml"), ["window.horizon=3"]))
    assert "window.lookback" in resolved.cfg.chosen and "window.horizon" not in resolved.cfg.chosen
    text = config.to_yaml(resolved.cfg)
    assert config.from_dict(yaml.safe_load(text)) == resolved.cfg  # the comments change no value
    assert config.chosen_in(text) == resolved.cfg.chosen
    overridden, _ = config.with_overrides(resolved.cfg, ["window.lookback=9"])
    assert "window.lookback" not in overridden.chosen and "train.epochs" in overridden.chosen
