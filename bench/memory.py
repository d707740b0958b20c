"""Peak memory (RSS) of training one epoch and of evaluating, on synthetic series of 1 M and 10 M
hourly rows read from CSV, with lookback 168.

    python bench/memory.py [--rows 1000000 10000000]

The reference is what no run can avoid: the interpreter with torch imported, plus the series
itself as float32. Materialising the windows instead would cost rows x 169 x 4 bytes (6.8 GB for
10 M rows); the target is within 1.5x of the reference.

Beside it, the floor of training itself: a minimal hand-written loop (no pandas, no checks, no
files) that trains the same model on the same batch of 2048 windows x 168 steps for 100 batches,
the windows as views of the series, the order an int32 permutation as rnncli keeps it. What it
holds above the reference is what backpropagation through one batch costs in this torch build.
"""

from __future__ import annotations

import argparse
import sys

from common import measured, newest_run, rnncli, save, synthetic_config, synthetic_csv, table

REFERENCE = "import sys, torch; x = torch.ones({rows}, 1)"  # interpreter + torch + the series (touched)
MINIMAL = """
import torch
import torch.nn.functional as F
from torch import nn
rows, lookback, batch, hidden = {rows}, 168, 2048, 8
series = torch.randn(rows, 1)
rnn, head = nn.RNN(1, hidden, batch_first=True), nn.Linear(hidden, 1)
params = [*rnn.parameters(), *head.parameters()]
view = series.unfold(0, lookback + 1, 1)
order = torch.randperm(view.shape[0], dtype=torch.int32)
for lo in range(0, 100 * batch, batch):
    w = view[order[lo:lo + batch]].transpose(1, 2)
    out, _ = rnn(w[:, :lookback])
    loss = F.mse_loss(head(out[:, -1])[:, None], w[:, lookback:])
    for p in params:
        p.grad = None
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    with torch.no_grad():
        for p in params:
            p.add_(p.grad, alpha=-1e-3)
"""  # the floor of training: one batch's backpropagation, nothing else


def peak_mb(cmd: list[str]) -> float:
    return measured(cmd)[1]


def epoch_seconds(run) -> float:
    import csv

    with open(run / "metrics.csv") as fh:
        return float(next(csv.DictReader(fh))["seconds"])


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    args = parser.parse_args(argv)
    results = []
    for rows in sorted(args.rows):
        csv = synthetic_csv(rows)
        cfg = synthetic_config(
            csv,
            f"memory-{rows}",
            model={"hidden_size": 8},
            train={"batch_size": 2048},
            data={"val_fraction": 0.05, "test_fraction": 0.05},
        )
        reference = peak_mb([sys.executable, "-c", REFERENCE.format(rows=rows)])
        minimal = peak_mb([sys.executable, "-c", MINIMAL.format(rows=rows)])
        train = peak_mb(rnncli("train", str(cfg), "-q"))
        run = newest_run(f"memory-{rows}")
        evaluate = peak_mb(rnncli("evaluate", str(run)))
        results.append(
            {
                "rows": rows,
                "epoch_s": epoch_seconds(run),
                "reference_mb": reference,
                "series_mb": rows * 4 / 2**20,
                "train_mb": train,
                "minimal_loop_mb": minimal,
                "minimal_loop_vs_reference": minimal / reference,
                "train_vs_minimal_loop": train / minimal,
                "evaluate_mb": evaluate,
                "train_vs_reference": train / reference,
                "evaluate_vs_reference": evaluate / reference,
                "windows_materialised_mb": rows * 169 * 4 / 2**20,
            }
        )
    table(
        "peak RSS (MB), lookback 168; ratios to the reference",
        [
            "rows",
            "interpreter + torch + series",
            "minimal training loop",
            "ratio",
            "train 1 epoch",
            "ratio",
            "train / minimal loop",
            "evaluate",
            "ratio",
            "windows if materialised",
        ],
        [
            [
                r["rows"],
                r["reference_mb"],
                r["minimal_loop_mb"],
                r["minimal_loop_vs_reference"],
                r["train_mb"],
                r["train_vs_reference"],
                r["train_vs_minimal_loop"],
                r["evaluate_mb"],
                r["evaluate_vs_reference"],
                r["windows_materialised_mb"],
            ]
            for r in results
        ],
    )
    save("memory", results)
    if len(results) > 1:  # the same runs show how an epoch's time grows with the rows
        small, large = results[0], results[-1]
        scaling = {
            "rows": [small["rows"], large["rows"]],
            "epoch_s": [small["epoch_s"], large["epoch_s"]],
            "ratio": large["epoch_s"] / small["epoch_s"],
            "rows_ratio": large["rows"] / small["rows"],
        }
        table(
            "scaling: one epoch of rnncli train (s)",
            ["rows", "epoch s", "ratio", "rows ratio"],
            [
                [small["rows"], small["epoch_s"], "", ""],
                [large["rows"], large["epoch_s"], scaling["ratio"], scaling["rows_ratio"]],
            ],
        )
        save("scaling", scaling)
    return results


if __name__ == "__main__":
    main()
