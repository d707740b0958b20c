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
import sys
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
        from rnncli.training import devices as devices

        device = devices.resolve(name)
        if self.several and device.type == "cuda":
            if self.local_rank >= torch.cuda.device_count():
                raise RnnCliError(
                    f"local rank {self.local_rank} has no GPU: {torch.cuda.device_count()} CUDA device(s) "
                    "on this machine; start at most that many processes per node"
                )
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
        raise RnnCliError(
            "RANK, WORLD_SIZE and LOCAL_RANK must be integers (start several processes with torchrun)"
        ) from None
    if not group.several:
        return group
    if not torch.distributed.is_available():
        raise RnnCliError(
            f"this build of torch ({torch.__version__}) has no torch.distributed; train in one process"
        )
    cuda = device_name.startswith("cuda") or (device_name == "auto" and torch.cuda.is_available())
    if not torch.distributed.is_initialized():
        backend = "nccl" if cuda else "gloo"
        if cuda:
            torch.cuda.set_device(group.local_rank % max(1, torch.cuda.device_count()))
        torch.distributed.init_process_group(backend)
    return group


def teardown(orderly: bool = True) -> None:
    """Leave the process group, if this process joined one.

    `orderly`: every process ended the same way (training finished, was interrupted, or diverged
    at the same batch on all of them). They then meet at a barrier first, so no process closes its
    connections while another still uses them: the ranks other than 0 wait there while rank 0
    calibrates, scores and writes the run folder's last files. After an error in one process alone
    there is no such meeting point; torchrun then stops the others.
    """
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    if orderly:
        torch.distributed.barrier()
    torch.distributed.destroy_process_group()


def launch(nproc: int, args: list[str], command: str = "train") -> int:
    """Run `rnncli COMMAND ARGS` in `nproc` processes on this machine with torchrun's launcher; the
    exit code of the process that failed first (0 when all succeeded). A process that exits with
    an error has printed it; one killed by a signal gets one line here saying which and by what."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import elastic_launch
    from torch.distributed.run import config_from_args, parse_args

    os.environ.update(launch_environment(nproc))
    config, entrypoint, entry_args = config_from_args(parse_args(launch_arguments(nproc, args, command)))
    _quiet_launcher_logs()
    try:
        elastic_launch(config, entrypoint)(*entry_args)
    except ChildFailedError as exc:
        rank, failure = exc.get_first_failure()
        if failure.exitcode > 0:
            return failure.exitcode  # the process printed its own error line
        print(
            f"error: training process {rank} of {nproc} {_killed(failure.signal_name())}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    except (KeyboardInterrupt, SignalException):  # the processes got the signal too and saved what they could
        return 130
    return 0


def launch_arguments(nproc: int, args: list[str], command: str = "train") -> list[str]:
    """torchrun's arguments for `rnncli COMMAND ARGS` in `nproc` processes on this machine alone."""
    import uuid

    return [
        "--nnodes=1",
        f"--nproc-per-node={nproc}",
        "--rdzv-backend=c10d",
        "--rdzv-endpoint=localhost:0",
        f"--rdzv-id={uuid.uuid4()}",
        "--max-restarts=0",
        "-m",
        "rnncli",
        command,
        *args,
    ]


def launch_environment(nproc: int) -> dict[str, str]:
    """The environment for `nproc` processes: the CPU cores shared out between them, unless set."""
    return {
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS") or str(max(1, (os.cpu_count() or 1) // nproc))
    }


def _killed(signal_name: str) -> str:
    if signal_name == "SIGKILL":
        return (
            "was killed by SIGKILL (often the system running out of memory: lower train.batch_size or "
            "use fewer processes)"
        )
    return f"was killed by {signal_name}; rerun with --debug for its traceback if it printed none above"


def _quiet_launcher_logs() -> None:
    """torchrun's own log lines (workers started, SIGTERM sent, its failure report) say less than the
    one line above and the processes' own errors: keep them out of the user's way."""
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("torch.distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
