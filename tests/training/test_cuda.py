"""The GPU path: what it does differently is tested on the CPU where it can be; the rest runs only
where torch sees a CUDA GPU.

On CUDA, `rnncli train` checks for a non-finite gradient every 50 batches rather than every batch
(a check reads a value back from the GPU and so waits for it), draws each epoch's window order on
the GPU, and keeps the loss sums there.
"""

from __future__ import annotations

import pytest
import torch
from helpers import write_config, write_csv

from rnncli import config
from rnncli.commands.predict import predict
from rnncli.data.windows import Index, Windows
from rnncli.model.forecaster import Forecaster, ModelArgs
from rnncli.pipeline.run import train_run
from rnncli.training import loop, session

gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _setup(device: str, n: int = 600, nonlinearity: str = "tanh"):
    torch.manual_seed(0)
    t = torch.arange(n + 20, dtype=torch.float32)
    series = (torch.sin(t / 5) + 0.1 * torch.randn(n + 20))[:, None].to(device)
    windows, index = Windows(series, 20, 1, 1, False), Index([0], [n]).to(device)
    model = Forecaster(
        ModelArgs(input_size=1, n_targets=1, horizon=1, hidden_size=8, nonlinearity=nonlinearity)
    ).to(device)
    return windows, index, model


def _epoch(
    device: str,
    check_every: int,
    optimizer: str = "adam",
    lr: float = 0.01,
    nonlinearity: str = "tanh",
    clip: float | None = 1.0,
):
    windows, index, model = _setup(device, nonlinearity=nonlinearity)
    opt = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[optimizer](model.parameters(), lr=lr)
    order = session.epoch_order(
        len(index), torch.Generator(device=device).manual_seed(0), torch.device(device)
    )
    sums = loop.EpochSums.zero(torch.device(device))
    loop.train_epoch(model, windows, index, opt, 16, order, sums, clip, check_every=check_every)
    return model, sums


@pytest.mark.parametrize("device", DEVICES)
def test_checking_every_50_batches_trains_exactly_as_checking_every_batch(device):
    a, sums_a = _epoch(device, check_every=1)
    b, sums_b = _epoch(device, check_every=50)
    for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, atol=0, rtol=0, msg=name)
    assert sums_a.batches == sums_b.batches == 600 // 16 + 1
    torch.testing.assert_close(sums_a.loss_sum, sums_b.loss_sum, atol=0, rtol=0)


@pytest.mark.parametrize("device", DEVICES)
def test_a_deferred_check_still_names_the_first_bad_batch(device):
    with pytest.raises(loop.NonFinite) as now:
        _epoch(device, check_every=1, optimizer="sgd", lr=1e6, nonlinearity="relu", clip=None)
    with pytest.raises(loop.NonFinite) as later:
        _epoch(device, check_every=50, optimizer="sgd", lr=1e6, nonlinearity="relu", clip=None)
    assert later.value.batch == now.value.batch > 0


@pytest.mark.parametrize("device", DEVICES)
def test_the_window_order_is_drawn_on_the_training_device(device):
    generator = torch.Generator(device=device).manual_seed(3)
    order = session.epoch_order(1000, generator, torch.device(device))
    assert order.device.type == device and order.dtype == torch.int32
    assert sorted(order.cpu().tolist()) == list(range(1000))


@gpu
def test_a_cuda_epoch_never_waits_for_the_gpu():
    windows, index, model = _setup("cuda")
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    order = session.epoch_order(
        len(index), torch.Generator(device="cuda").manual_seed(0), torch.device("cuda")
    )
    sums = loop.EpochSums.zero(torch.device("cuda"))
    loop.train_epoch(
        model, windows, index, opt, 16, order, sums, 1.0, check_every=10**9
    )  # warm up: lazy state
    torch.cuda.synchronize()
    sums = loop.EpochSums.zero(torch.device("cuda"))
    torch.cuda.set_sync_debug_mode("error")  # any step that copies a value back to the host raises
    try:
        loop.train_epoch(model, windows, index, opt, 16, order, sums, 1.0, check_every=10**9)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert sums.loss_sum.device.type == "cuda" and torch.isfinite(sums.loss_sum)


@gpu
def test_cudnn_runs_the_recurrent_layer():
    windows, index, model = _setup("cuda")
    x, _, _ = windows.batch(index.starts(torch.arange(32, device="cuda")))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        model(x).sum().backward()
    assert any("cudnn_rnn" in e.key for e in prof.key_averages())


@gpu
def test_training_on_cuda_writes_a_checkpoint_that_predicts_on_the_cpu(tmp_path):
    csv = write_csv(tmp_path / "s.csv", n=300)
    cfg = write_config(tmp_path / "c.yaml", csv, tmp_path / "runs", train={"device": "cuda", "epochs": 2})
    result = train_run(config.load(cfg))
    assert result.device.startswith("cuda")
    payload = torch.load(result.run_dir / "checkpoints" / "best.pt", map_location="cpu", weights_only=True)
    assert all(t.device.type == "cpu" for t in payload["model_state"].values())
    forecast = predict(result.run_dir, horizon=5)  # predict always runs on the CPU
    assert forecast.frame["y"].notna().all() and len(forecast.frame) == 5
