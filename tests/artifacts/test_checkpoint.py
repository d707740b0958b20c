from pathlib import Path

import pytest
import torch

from rnncli.artifacts import checkpoint
from rnncli.errors import RnnCliError
from rnncli.model.forecaster import Forecaster, ModelArgs


def payload(model: Forecaster) -> dict:
    return {
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
    checkpoint.save(path, {"model_args": {"input_size": 1}, "model_state": {}})
    with pytest.raises(RnnCliError, match="does not describe a model"):
        checkpoint.build_model(checkpoint.load(path))
