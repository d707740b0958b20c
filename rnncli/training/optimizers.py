"""The optimizers and learning-rate schedules a config names.

`make_optimizer` returns torch's Adam, AdamW or SGD with one difference on the CPU: torch's own
`step()` imports the compiler stack (torch._dynamo, sympy) on first use, only to mark itself as not
to be compiled; that costs about 2 s and 75 MB in every training process, for a step rnncli never
compiles. On the CPU the subclasses below take the same single-tensor update that torch takes
there, without that import; elsewhere (CUDA) torch's own step runs. The optimizer's state and
state_dict are torch's, so checkpoints load into plain torch optimizers and back.
"""

from __future__ import annotations

import math

import torch
from torch.optim import SGD, Adam, AdamW, Optimizer

from rnncli.config.schema import TrainConfig


def _raw(method):
    """A torch method without its compiler-disabling wrapper (which imports the compiler)."""
    return getattr(method, "__wrapped__", method)


class _Lean:
    """Optimizer methods that skip the compiler import; mixed in before a torch optimizer."""

    def add_param_group(self, param_group: dict) -> None:
        _raw(Optimizer.add_param_group)(self, param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        _raw(Optimizer.zero_grad)(self, set_to_none)

    def state_dict(self) -> dict:
        return _raw(Optimizer.state_dict)(self)

    def load_state_dict(self, state_dict: dict) -> None:
        _raw(Optimizer.load_state_dict)(self, state_dict)

    unsupported = ""  # the option (a param-group key) the lean update does not implement

    def step(self, closure=None):
        """torch's own step where it must run (a closure, a GPU, `maximize` or the unsupported
        option set); otherwise the lean update of every param group."""
        on_cpu = all(p.device.type == "cpu" for g in self.param_groups for p in g["params"])
        if (
            closure is not None
            or not on_cpu
            or any(g[self.unsupported] or g["maximize"] for g in self.param_groups)
        ):
            return super().step(closure)
        with torch.no_grad():
            for group in self.param_groups:
                self._update(group)
        return None

    def _update(self, group: dict) -> None:
        raise NotImplementedError


class LeanAdam(_Lean, Adam):
    unsupported = "amsgrad"

    def _update(self, group: dict) -> None:
        _adam_group(
            self, group, decoupled=isinstance(self, AdamW) or bool(group.get("decoupled_weight_decay"))
        )


class LeanAdamW(LeanAdam, AdamW):
    pass


class LeanSGD(_Lean, SGD):
    unsupported = "momentum"

    def _update(self, group: dict) -> None:
        for p in group["params"]:
            if p.grad is not None:
                grad = p.grad if not group["weight_decay"] else p.grad.add(p, alpha=group["weight_decay"])
                p.add_(grad, alpha=-group["lr"])


def _adam_group(optimizer: Optimizer, group: dict, decoupled: bool) -> None:
    """torch's single-tensor Adam / AdamW update, as it runs on the CPU."""
    beta1, beta2 = group["betas"]
    lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
    for p in group["params"]:
        if p.grad is None:
            continue
        grad, state = p.grad, optimizer.state[p]
        if not state:
            state["step"] = torch.tensor(0.0, dtype=torch.get_default_dtype())
            state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
        step_t += 1
        if weight_decay != 0:
            if decoupled:
                p.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(p, alpha=weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = step_t.item()
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)


def make_optimizer(model: torch.nn.Module, t: TrainConfig) -> Optimizer:
    kinds = {"adam": LeanAdam, "adamw": LeanAdamW, "sgd": LeanSGD}
    return kinds[t.optimizer](model.parameters(), lr=t.lr, weight_decay=t.weight_decay)


def make_scheduler(optimizer: Optimizer, t: TrainConfig):
    if t.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=0.5, patience=max(1, (t.patience or 10) // 3)
        )
    if t.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t.epochs)
    return None


def step_scheduler(scheduler, val_loss: float) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(val_loss)
    elif scheduler is not None:
        scheduler.step()
