"""What `rnncli train` costs beyond its epochs: reading, checks, interval calibration, test scores,
summary and plot, as the wall time of the whole command over its summed epoch seconds.

    python bench/overhead.py [--rows 1000000]

On 1 M rows of hourly and of one-minute data (season 24 and 1,440 steps: intervals are calibrated
that far ahead), lookback 168, hidden 8, batch 8192, one epoch. Targets: the whole command within
3x its epoch time + 30 s, and peak RSS under 900 MB.
"""

from __future__ import annotations

import argparse
import json

from common import measured, newest_run, rnncli, save, synthetic_config, synthetic_csv, table

FREQUENCIES = {"h": "hourly", "min": "one-minute"}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    results = []
    for freq, label in FREQUENCIES.items():
        name = f"overhead-{freq}-{args.rows}"
        cfg = synthetic_config(
            synthetic_csv(args.rows, freq), name, model={"hidden_size": 8}, train={"batch_size": 8192}
        )
        wall, peak = measured(rnncli("train", str(cfg), "-q"))
        summary = json.loads((newest_run(name) / "summary.json").read_text())
        epochs = summary["train_seconds"]
        results.append(
            {
                "data": label,
                "rows": args.rows,
                "season": summary["test"]["season"],
                "wall_s": wall,
                "epoch_s": epochs,
                "wall_vs_epochs": wall / epochs,
                "limit_s": 3 * epochs + 30,
                "peak_mb": peak,
            }
        )
    table(
        f"rnncli train, {args.rows:,} rows, lookback 168, hidden 8, batch 8192, one epoch",
        ["data", "season", "epoch s", "wall s", "wall / epoch", "limit 3x + 30 s", "peak RSS MB"],
        [
            [
                r["data"],
                r["season"],
                r["epoch_s"],
                r["wall_s"],
                r["wall_vs_epochs"],
                r["limit_s"],
                r["peak_mb"],
            ]
            for r in results
        ],
    )
    save("overhead", results)
    return results


if __name__ == "__main__":
    main()
