"""rnncli's optimizers: torch's own update on the CPU, without importing torch's compiler stack."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from rnncli.config.schema import TrainConfig
from rnncli.training import optimizers


def _trajectory(make, steps: int = 6) -> list[torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.GRU(3, 5, batch_first=True)
    opt = make(model.parameters())
    x = torch.randn(4, 7, 3)
    for _ in range(steps):
        out, _ = model(x)
        loss = out.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.detach().clone() for p in model.parameters()] + [
        t for s in opt.state.values() for t in s.values() if torch.is_tensor(t)
    ]


@pytest.mark.parametrize(
    ("lean", "plain"),
    [
        (optimizers.LeanAdam, torch.optim.Adam),
        (optimizers.LeanAdamW, torch.optim.AdamW),
        (optimizers.LeanSGD, torch.optim.SGD),
    ],
)
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_lean_optimizers_take_exactly_torchs_steps_on_the_cpu(lean, plain, weight_decay, monkeypatch):
    with monkeypatch.context() as m:  # the lean step must not hand over to torch's own
        for kind in (torch.optim.Adam, torch.optim.SGD):
            m.setattr(kind, "step", lambda *a, **k: pytest.fail("torch's own step ran"))
        ours = _trajectory(lambda params: lean(params, lr=0.01, weight_decay=weight_decay))
    theirs = _trajectory(lambda params: plain(params, lr=0.01, weight_decay=weight_decay))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_lean_state_dict_loads_into_torchs_optimizer_and_back():
    model = torch.nn.Linear(3, 2)
    lean = optimizers.LeanAdam(model.parameters(), lr=0.01)
    model(torch.ones(2, 3)).sum().backward()
    lean.step()
    plain = torch.optim.Adam(model.parameters(), lr=0.01)
    plain.load_state_dict(lean.state_dict())
    again = optimizers.LeanAdam(model.parameters(), lr=0.5)
    again.load_state_dict(plain.state_dict())
    assert again.param_groups[0]["lr"] == 0.01
    torch.testing.assert_close(again.state[model.weight]["exp_avg"], lean.state[model.weight]["exp_avg"])


def test_training_a_model_never_imports_the_compiler_stack(tiny):
    cfg, _, _ = tiny
    script = (
        "import sys; from rnncli import config; from rnncli.pipeline.run import train_run; "
        f"train_run(config.load({str(cfg)!r}, ['train.epochs=2', 'train.scheduler=plateau'])); "
        "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("kind", ["adam", "adamw", "sgd"])
def test_make_optimizer_gives_the_configured_kind(kind):
    model = torch.nn.Linear(2, 1)
    opt = optimizers.make_optimizer(model, TrainConfig(optimizer=kind, lr=0.03, weight_decay=0.1))
    plain = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[kind]
    assert (
        isinstance(opt, plain)
        and opt.param_groups[0]["lr"] == 0.03
        and opt.param_groups[0]["weight_decay"] == 0.1
    )
