from pathlib import Path

import pytest
import torch

from rnncli.artifacts import checkpoint
from rnncli.errors import RnnCliError
from rnncli.model.forecaster import Forecaster, ModelArgs

HEADER = ("schema", "window", "scaler", "config", "data_digest")  # what every checkpoint records
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "v1" / "long.pt"


def payload(model: Forecaster) -> dict:
    recorded = checkpoint.load(FIXTURE)
    return {
        **{key: recorded[key] for key in HEADER},
        "model_args": model.args.to_dict(),
        "model_state": model.state_dict(),
        "note": "plain values",
        "sizes": [1, 2.5, None],
    }


class Touch:
    """Unpickling this creates a file: a stand-in for code smuggled into a checkpoint."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_round_trip_rebuilds_the_same_model(tmp_path):
    torch.manual_seed(0)
    model = Forecaster(
        ModelArgs(input_size=2, n_targets=1, horizon=3, cell="lstm", hidden_size=6, many_to_many=True)
    )
    path = tmp_path / "m.pt"
    checkpoint.save(path, payload(model))
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temporary file left behind
    loaded = checkpoint.load(path)
    assert loaded["format_version"] == checkpoint.FORMAT_VERSION and loaded["sizes"] == [1, 2.5, None]
    rebuilt = checkpoint.build_model(loaded)
    x = torch.randn(4, 5, 2)
    torch.testing.assert_close(rebuilt(x), model.eval()(x))
    assert not rebuilt.training


def test_checkpoint_loads_with_torch_weights_only(tmp_path):
    model = Forecaster(ModelArgs(input_size=1, n_targets=1, horizon=1))
    checkpoint.save(tmp_path / "m.pt", payload(model))
    assert torch.load(tmp_path / "m.pt", weights_only=True)["format"] == checkpoint.FORMAT


def test_code_in_a_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "payload-ran"
    evil = tmp_path / "evil.pt"
    torch.save({"format": checkpoint.FORMAT, "format_version": 1, "x": Touch(marker)}, evil)
    with pytest.raises(RnnCliError, match="was refused: it holds Python objects"):
        checkpoint.load(evil)
    assert not marker.exists()
    # the file really is dangerous: an unsafe load runs the payload
    torch.load(evil, weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"this is not a checkpoint", "cannot be read: it is truncated or not a checkpoint"),
    ],
)
def test_empty_and_foreign_files(tmp_path, content, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(RnnCliError, match=message):
        checkpoint.load(path)


def test_truncated_checkpoint(tmp_path):
    model = Forecaster(ModelArgs(input_size=1, n_targets=1, horizon=1))
    path = tmp_path / "m.pt"
    checkpoint.save(path, payload(model))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RnnCliError, match="truncated or not a checkpoint"):
        checkpoint.load(path)


def test_torch_file_that_is_not_ours(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, path)
    with pytest.raises(RnnCliError, match="not an rnncli checkpoint"):
        checkpoint.load(path)


@pytest.mark.parametrize("version, hint", [(99, "upgrade rnncli"), (0, "retrain")])
def test_other_format_versions_are_refused(tmp_path, version, hint):
    path = tmp_path / "m.pt"
    torch.save({"format": checkpoint.FORMAT, "format_version": version}, path)
    with pytest.raises(RnnCliError, match=hint):
        checkpoint.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(RnnCliError, match="not found"):
        checkpoint.load(tmp_path / "nope.pt")


def test_a_model_that_cannot_be_rebuilt(tmp_path):
    path = tmp_path / "m.pt"
    model = Forecaster(ModelArgs(input_size=1, n_targets=1, horizon=1))
    checkpoint.save(path, {**payload(model), "model_state": {"rnn.weight": torch.zeros(3)}})
    with pytest.raises(RnnCliError, match="does not describe a model"):
        checkpoint.build_model(checkpoint.load(path))


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("model_args", {"input_size": 1}, "missing 2 required positional arguments"),
        ("model_args", "gru", "argument after ** must be a mapping"),
        ("window", [1, 2], "list"),
        ("schema", None, "NoneType"),
        ("model_state", {"w": 3.0}, "model_state is not a dictionary of tensors"),
        ("scaler", None, None),
    ],
)
def test_a_field_of_the_wrong_type_is_one_line(tmp_path, field, value, words):
    path = tmp_path / "m.pt"
    good = payload(Forecaster(ModelArgs(input_size=1, n_targets=1, horizon=1)))
    checkpoint.save(path, {**good, field: value})  # with a checksum that matches: written so on purpose
    with pytest.raises(RnnCliError, match="is not as rnncli writes one") as caught:
        checkpoint.load(path)
    assert words is None or words in str(caught.value)
    bare = {**good, field: value}
    torch.save({"format": checkpoint.FORMAT, "format_version": 1, **bare}, path)  # and with none at all
    with pytest.raises(RnnCliError, match="is not as rnncli writes one"):
        checkpoint.load(path)


def test_a_changed_bit_is_refused_and_an_old_checkpoint_without_checksum_loads(tmp_path):
    path = tmp_path / "m.pt"
    model = Forecaster(ModelArgs(input_size=2, n_targets=1, horizon=3))
    checkpoint.save(path, payload(model))
    loaded = checkpoint.load(path)
    assert len(loaded["checksum"]) == 64
    weight = next(iter(loaded["model_state"]))
    flipped = loaded["model_state"][weight].clone()
    flipped.view(torch.int32).view(-1)[0] ^= 1 << 3  # one bit of one weight
    for changed in (
        {"model_state": {**loaded["model_state"], weight: flipped}},
        {"scaler": {**loaded["scaler"], "kind": "none"}},
        {"epoch": 7},
    ):
        torch.save({**loaded, **changed}, path)
        with pytest.raises(RnnCliError, match="is damaged: what it holds does not match the checksum"):
            checkpoint.load(path)
    assert checkpoint.load(FIXTURE).get("checksum") is None  # written before checksums: still loads


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_weights_that_are_not_finite_are_refused(tmp_path, bad):
    path = tmp_path / "m.pt"
    model = Forecaster(ModelArgs(input_size=2, n_targets=1, horizon=3))
    state = model.state_dict()
    name = list(state)[-1]
    state[name] = state[name].clone()
    state[name].view(-1)[-1] = bad
    checkpoint.save(path, {**payload(model), "model_state": state})
    with pytest.raises(RnnCliError, match=f"weights that are not finite \\(NaN or infinity in '{name}'\\)"):
        checkpoint.load(path)
