"""Start-up: how long the commands take before any real work.

    python bench/startup.py

`rnncli --help` and `rnncli train CONFIG --print-config` import neither torch nor pandas (target
under 0.3 s); `rnncli predict` on the bundled data is compared with `python -c "import torch,
pandas"`, the least any forecast can cost (target within 1.5x).
"""

from __future__ import annotations

import sys

from common import CACHE, ROOT, median, rnncli, run_timed, save, table

CONFIG = str(ROOT / "configs" / "seattle_temp_max.yaml")


def timed(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        seconds, done = run_timed(cmd)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
        times.append(seconds)
    return median(times)


def trained_run() -> str:
    """A run of the default config (2 epochs), made once in bench/.cache."""
    runs = CACHE / "runs" / "seattle-temp-max"
    found = sorted(runs.glob("*/checkpoints/best.pt")) if runs.is_dir() else []
    if not found:
        _seconds, done = run_timed(
            rnncli("train", CONFIG, "train.epochs=2", f"output.dir={CACHE / 'runs'}", "-q")
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        found = sorted(runs.glob("*/checkpoints/best.pt"))
    return str(found[-1].parent.parent)


def main() -> dict:
    run = trained_run()
    results = {
        "help_s": timed(rnncli("--help"), 7),
        "print_config_s": timed(rnncli("train", CONFIG, "--print-config"), 7),
        "predict_s": timed(rnncli("predict", run, "--horizon", "7"), 5),
        "import_torch_pandas_s": timed([sys.executable, "-c", "import torch, pandas"], 5),
    }
    results["predict_vs_imports"] = results["predict_s"] / results["import_torch_pandas_s"]
    table(
        "start-up (median wall time, s)",
        ["command", "seconds", "target"],
        [
            ["rnncli --help", results["help_s"], "< 0.3"],
            ["rnncli train CONFIG --print-config", results["print_config_s"], "< 0.3"],
            ["rnncli predict RUN --horizon 7", results["predict_s"], ""],
            ['python -c "import torch, pandas"', results["import_torch_pandas_s"], ""],
            ["predict / imports", results["predict_vs_imports"], "<= 1.5"],
        ],
    )
    save("startup", results)
    return results


if __name__ == "__main__":
    main()
