"""Training in several processes: torchrun's environment, the process group, and what ranks share.

`torchrun --nproc-per-node N -m rnncli train CONFIG` starts N copies of the command with RANK,
WORLD_SIZE, LOCAL_RANK and the rendezvous address in their environment. `setup()` reads them and
joins the process group (gloo on the CPU, NCCL on CUDA GPUs); a plain `rnncli train` gets a group
of one and touches nothing distributed. Every rank reads the data and draws the same window order
from the same seed; each takes its share of every global batch, DistributedDataParallel averages
the gradients, and only rank 0 writes the run folder and prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from rnncli.errors import RnnCliError

LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class Group:
    """This process's place among the training processes."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def several(self) -> bool:
        return self.world > 1

    def device(self, name: str) -> torch.device:
        """The device for `train.device` in this process: on CUDA, one GPU per local rank."""
        from rnncli import device as devices

        device = devices.resolve(name)
        if self.several and device.type == "cuda":
            if self.local_rank >= torch.cuda.device_count():
                raise RnnCliError(f"local rank {self.local_rank} has no GPU: {torch.cuda.device_count()} CUDA device(s) on this machine; "
                                  f"start at most that many processes per node")
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
        if self.several and device.type not in ("cpu", "cuda"):
            raise RnnCliError(f"train.device={name}: several processes train on cpu or cuda only")
        return device

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of `tensor` over all processes (in place; returned for chaining)."""
        if self.several:
            torch.distributed.all_reduce(tensor)
        return tensor

    def any(self, flag: bool, device: torch.device) -> bool:
        """True on every process when `flag` is true on any."""
        if not self.several:
            return flag
        return bool(self.sum(torch.tensor([int(flag)], device=device)).item())

    def from_main(self, value):
        """Rank 0's `value` on every process (any picklable object)."""
        if not self.several:
            return value
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """The module that training calls: DistributedDataParallel over `model` when several."""
        if not self.several:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


SINGLE = Group()


def launched() -> bool:
    """True in a process started by torchrun (or anything that sets its variables)."""
    return all(v in os.environ for v in LAUNCH_VARIABLES)


def setup(device_name: str) -> Group:
    """Join the process group torchrun describes; a group of one when not launched by it."""
    if not launched():
        return SINGLE
    try:
        group = Group(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ["LOCAL_RANK"]))
    except ValueError:
        raise RnnCliError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (start several processes with torchrun)") from None
    if not group.several:
        return group
    if not torch.distributed.is_available():
        raise RnnCliError(f"this build of torch ({torch.__version__}) has no torch.distributed; train in one process")
    cuda = device_name.startswith("cuda") or (device_name == "auto" and torch.cuda.is_available())
    if not torch.distributed.is_initialized():
        backend = "nccl" if cuda else "gloo"
        if cuda:
            torch.cuda.set_device(group.local_rank % max(1, torch.cuda.device_count()))
        torch.distributed.init_process_group(backend)
    return group


def teardown() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def launch(nproc: int, args: list[str]) -> int:
    """Run `rnncli train ARGS` in `nproc` processes on this machine under torchrun; its exit code."""
    import subprocess

    try:
        return subprocess.call(launch_command(nproc, args), env=launch_environment(nproc))
    except KeyboardInterrupt:  # torchrun passes the signal on to the processes
        return 130


def launch_command(nproc: int, args: list[str]) -> list[str]:
    """The torchrun command that trains with `args` in `nproc` processes on this machine."""
    import sys

    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}", "-m", "rnncli", "train", *args]


def launch_environment(nproc: int) -> dict[str, str]:
    """The environment for `nproc` processes: the CPU cores shared out between them, unless set."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    return env
