"""Export to ONNX and TorchScript: the exported graph forecasts as the PyTorch model does."""

import json

import numpy as np
import pytest
import torch

from rnncli.commands.export import export


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_onnx_export_matches_pytorch(runs_folder, tmp_path, cell):
    import onnxruntime

    _, made, _ = runs_folder
    path, sidecar = export(made[cell], "onnx", tmp_path / "m.onnx")
    info = json.loads(sidecar.read_text())
    assert info["inputs"] == {"x": ["batch", 14, 4], "future": ["batch", 2]} and info["output"] == {
        "y": ["batch", 1, 1]
    }
    assert (
        info["columns"] == ["y", "x", "dayofweek_sin", "dayofweek_cos"] and len(info["scaler"]["loc"][0]) == 2
    )
    model = torch.load(made[cell] / "checkpoints" / "best.pt", weights_only=True)
    from rnncli.artifacts.checkpoint import build_model

    net = build_model(model)
    x, future = torch.randn(7, 14, 4), torch.randn(7, 2)  # a batch size the export never saw
    got = onnxruntime.InferenceSession(str(path)).run(None, {"x": x.numpy(), "future": future.numpy()})[0]
    np.testing.assert_allclose(got, net.forecast(x, future).detach().numpy(), atol=1e-5)


# the file is loaded as a TorchScript user would; recent torch releases deprecate TorchScript itself
@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_torchscript_export_matches_pytorch(runs_folder, cli):
    _, made, _ = runs_folder
    result = cli("export", made["gru"], "--format", "torchscript")
    assert result.code == 0, result
    path = made["gru"] / "export" / "model.torchscript.pt"
    assert f"wrote {path}" in result.out
    loaded = torch.jit.load(str(path))
    from rnncli.artifacts.checkpoint import build_model, load

    net = build_model(load(made["gru"] / "checkpoints" / "best.pt"))
    x, future = torch.randn(3, 14, 4), torch.randn(3, 2)
    torch.testing.assert_close(loaded(x, future), net.forecast(x, future), atol=1e-5, rtol=0)
    assert cli("export", made["gru"], "--format", "pickle").code == 2
