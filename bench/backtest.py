"""Backtest speed: one `rnncli backtest` against the same folds trained by separate `rnncli train` runs.

    python bench/backtest.py [--folds 5] [--epochs 10] [--config configs/seattle_temp_max_calendar.yaml]

The backtest reads and checks the CSV once and trains its folds in one process; K separate runs
each start Python, import torch and pandas, read and check the CSV. Both train the same folds
(the separate runs get the backtest's own borders as data.train_end, val_end, test_end) for the
same epochs. Targets: backtest / separate runs <= 0.9; and `--no-refit` (one model, scored at
every origin) against one `rnncli train` of its first fold.
"""

from __future__ import annotations

import argparse
import json

from common import CACHE, ROOT, rnncli, run_timed, save, table


def timed(cmd: list[str]) -> float:
    seconds, done = run_timed(cmd)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--config", default=str(ROOT / "configs" / "seattle_temp_max_calendar.yaml"))
    args = parser.parse_args(argv)
    out = CACHE / "runs-backtest"
    common = [f"train.epochs={args.epochs}", "train.patience=null", f"output.dir={out}"]
    backtest_s = timed(rnncli("backtest", args.config, *common, "--folds", str(args.folds), "-q"))
    summary = json.loads(
        max(out.glob("*/backtest-*/backtest.json"), key=lambda p: p.stat().st_mtime).read_text()
    )
    separate = []
    for fold in summary["folds"]:
        borders = [
            f"data.train_end={fold['train'][1]}",
            f"data.val_end={fold['val'][1]}",
            f"data.test_end={fold['test'][1]}",
        ]
        separate.append(timed(rnncli("train", args.config, *common, *borders, "-q")))
    no_refit_s = timed(
        rnncli("backtest", args.config, *common, "--folds", str(args.folds), "--no-refit", "-q")
    )
    result = {
        "config": args.config.rsplit("/", 1)[-1],
        "folds": args.folds,
        "epochs": args.epochs,
        "backtest_s": backtest_s,
        "separate_s": sum(separate),
        "ratio": backtest_s / sum(separate),
        "no_refit_s": no_refit_s,
        "one_train_s": separate[0],
        "no_refit_ratio": no_refit_s / separate[0],
    }
    table(
        f"backtest of {args.folds} folds, {args.epochs} epochs each ({result['config']}), wall seconds",
        [
            "backtest",
            f"{args.folds} x rnncli train",
            "ratio (<= 0.9)",
            "--no-refit",
            "one train (fold 1)",
            "ratio",
        ],
        [[backtest_s, sum(separate), result["ratio"], no_refit_s, separate[0], result["no_refit_ratio"]]],
    )
    save("backtest", result)
    return result


if __name__ == "__main__":
    main()
