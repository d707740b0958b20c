"""Training throughput: rnncli's training loop against a minimal hand-written loop (the limit of
this hardware) and a per-sample Dataset / DataLoader loop, on the same series and the same model.

    python bench/throughput.py                      # the CPU grid: lookback 30/168, hidden 64/256, batch
    64/1024
    python bench/throughput.py --device cuda --grid 168:256:4096

The three loops take turns for 7 rounds of one epoch each, so that a noisy machine slows them
alike; throughput is the median epoch, and each ratio the median of the rounds' own ratios. An
epoch is sized to take about `--seconds` with the minimal loop.
"""

from __future__ import annotations

import argparse
import itertools
import time

import torch
import torch.nn.functional as F
from common import median, save, synthetic_series, table
from torch import nn

from rnncli.data.windows import Index, Windows
from rnncli.model.forecaster import Forecaster, ModelArgs
from rnncli.training import loop


class MinimalRNN(nn.Module):
    """nn.RNN and a linear head on the last step: the same computation as rnncli's forecaster."""

    def __init__(self, hidden: int):
        super().__init__()
        self.rnn = nn.RNN(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])[:, None, :]


def minimal_epoch(model, opt, series, lookback: int, batch: int, n: int, device) -> None:
    """The limit: the series in one tensor, windows as unfold views, batches gathered by index."""
    view = series.unfold(0, lookback + 1, 1)  # (windows, 1, lookback + 1)
    order = torch.randperm(n, device=device)
    for lo in range(0, n, batch):
        w = view[order[lo : lo + batch]].transpose(1, 2)
        loss = F.mse_loss(model(w[:, :lookback]), w[:, lookback:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()


class Samples(torch.utils.data.Dataset):
    """The common per-sample way: one window per __getitem__, collated by the DataLoader."""

    def __init__(self, series, lookback: int, n: int):
        self.series, self.lookback, self.n = series, lookback, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return self.series[i : i + self.lookback], self.series[i + self.lookback : i + self.lookback + 1]


def dataloader_epoch(model, opt, loader, device) -> None:
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss = F.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()


def measure(
    lookback: int, hidden: int, batch: int, device: torch.device, seconds: float, rounds: int = 7
) -> dict:
    torch.manual_seed(0)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    # size the epoch: time a few minimal batches first
    probe = synthetic_series(lookback + 20 * batch + 1).to(device)
    model, opt = MinimalRNN(hidden).to(device), None
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    minimal_epoch(model, opt, probe, lookback, batch, 2 * batch, device)  # warm up
    sync()
    start = time.perf_counter()
    minimal_epoch(model, opt, probe, lookback, batch, 20 * batch, device)
    sync()
    rate = 20 * batch / (time.perf_counter() - start)
    n = max(4 * batch, int(rate * seconds) // batch * batch)
    series = synthetic_series(n + lookback).to(device)

    minimal = MinimalRNN(hidden).to(device)
    ours = Forecaster(ModelArgs(input_size=1, n_targets=1, horizon=1, hidden_size=hidden)).to(device)
    per_sample = MinimalRNN(hidden).to(device)
    opts = {
        name: torch.optim.Adam(m.parameters(), lr=1e-3)
        for name, m in (("minimal", minimal), ("rnncli", ours), ("dataloader", per_sample))
    }
    windows, index = Windows(series, lookback, 1, 1, False), Index([0], [n]).to(device)
    generator = torch.Generator(device=device).manual_seed(0)
    cpu_series = series.cpu()
    loader = torch.utils.data.DataLoader(Samples(cpu_series, lookback, n), batch_size=batch, shuffle=True)
    check_every = 1 if device.type == "cpu" else 50  # as rnncli train sets it

    def run(name: str) -> None:
        if name == "minimal":
            minimal_epoch(minimal, opts[name], series, lookback, batch, n, device)
        elif name == "rnncli":
            order = torch.randperm(n, generator=generator, device=device)
            loop.train_epoch(
                ours,
                windows,
                index,
                opts[name],
                batch,
                order,
                loop.EpochSums.zero(device),
                1.0,
                check_every=check_every,
            )
        else:
            dataloader_epoch(per_sample, opts[name], loader, device)

    times: dict[str, list[float]] = {"minimal": [], "rnncli": [], "dataloader": []}
    names = list(times)
    for name in names:  # a first, untimed pass of each: allocations, kernels, caches
        run(name)
    for r in range(rounds):  # the loops take turns, round after round: a noisy machine slows them alike
        for name in names[r % 3 :] + names[: r % 3]:
            sync()
            start = time.perf_counter()
            run(name)
            sync()
            times[name].append(time.perf_counter() - start)
    rates = {name: n / median(t) for name, t in times.items()}
    # the ratio of each round's pair, then the median: steadier than a ratio of two medians
    paired = {
        name: median([a / b for a, b in zip(times["minimal"], times[name])])
        for name in ("rnncli", "dataloader")
    }
    return {
        "lookback": lookback,
        "hidden": hidden,
        "batch": batch,
        "windows": n,
        "rounds": rounds,
        "device": str(device),
        **{f"{k}_windows_per_s": v for k, v in rates.items()},
        "rnncli_vs_minimal": paired["rnncli"],
        "dataloader_vs_minimal": paired["dataloader"],
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--grid", nargs="*", help="lookback:hidden:batch triples (default: the full CPU grid)"
    )
    parser.add_argument(
        "--seconds", type=float, default=0.5, help="target length of one epoch of the minimal loop"
    )
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    grid = (
        [tuple(int(v) for v in g.split(":")) for g in args.grid]
        if args.grid
        else list(itertools.product((30, 168), (64, 256), (64, 1024)))
    )
    results = [measure(lookback, hidden, batch, device, args.seconds) for lookback, hidden, batch in grid]
    table(
        f"training throughput on {device} (windows/s, median of 7 epochs; ratios: median of the rounds' "
        "ratios)",
        [
            "lookback",
            "hidden",
            "batch",
            "minimal loop",
            "rnncli",
            "rnncli / minimal",
            "DataLoader",
            "DataLoader / minimal",
        ],
        [
            [
                r["lookback"],
                r["hidden"],
                r["batch"],
                r["minimal_windows_per_s"],
                r["rnncli_windows_per_s"],
                r["rnncli_vs_minimal"],
                r["dataloader_windows_per_s"],
                r["dataloader_vs_minimal"],
            ]
            for r in results
        ],
    )
    save(f"throughput_{device.type}", results)
    return results


if __name__ == "__main__":
    main()
