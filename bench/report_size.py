"""The report of a panel: its size and the time to write it, as the number of series grows.

    python bench/report_size.py [--series 100 1000 10000]

Each panel is a long CSV of `series` synthetic weekly series of 104 rows (a yearly cycle at its
own level and phase, noise), trained 1 epoch of 20 steps (the report's size does not depend on
how well the model learned), then `rnncli report RUN`: the page's bytes, its charts (bounded: the
first, the best and the worst series are drawn, however many there are) and the seconds the
command took (scoring the test split again included).
"""

from __future__ import annotations

import argparse
import re
import sys

from common import CACHE, newest_run, rnncli, run_timed, save, table


def panel_csv(count: int, seed: int = 0) -> str:
    import numpy as np
    import pandas as pd

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"weekly-panel-{count}.csv"
    if not path.is_file():
        rng = np.random.default_rng(seed)
        weeks = pd.date_range("2022-01-02", periods=104, freq="W-SUN").strftime("%Y-%m-%d")
        t = np.arange(104)
        with open(path.with_suffix(".tmp"), "w", newline="") as fh:
            fh.write("item,week,sales\n")
            for k in range(count):
                level = rng.uniform(10, 1000)
                y = level * (1 + 0.3 * np.sin(2 * np.pi * t / 52 + rng.uniform(0, 6))) + rng.normal(
                    0, 0.05 * level, 104
                )
                pd.DataFrame({"item": f"item-{k:05d}", "week": weeks, "sales": np.round(y, 2)}).to_csv(
                    fh, header=False, index=False
                )
        path.with_suffix(".tmp").replace(path)
    return str(path)


def measure(count: int) -> dict:
    csv = panel_csv(count)
    config = CACHE / f"report-panel-{count}.yaml"
    if not config.is_file():
        _s, done = run_timed(
            rnncli(
                "init",
                csv,
                "--horizon",
                "8",
                "--target",
                "sales",
                "--id-column",
                "item",
                "--output",
                str(config),
            )
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    _s, done = run_timed(
        rnncli(
            "train",
            str(config),
            "train.epochs=1",
            "train.steps_per_epoch=20",
            f"output.dir={CACHE / 'runs'}",
            "-q",
        )
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    page = CACHE / f"report-{count}.html"
    seconds, done = run_timed(
        rnncli("report", str(newest_run(f"weekly-panel-{count}")), "--output", str(page), "--force")
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    text = page.read_text()
    return {
        "series": count,
        "megabytes": round(len(text.encode()) / 1e6, 2),
        "charts": len(re.findall(r'<svg[^>]*class="chart"', text)),
        "table_rows": text.count("<tr>") + text.count('<tr class="'),
        "seconds": round(seconds, 1),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[100, 1000, 10000])
    rows = [measure(count) for count in parser.parse_args(argv).series]
    header = ["series", "megabytes", "charts", "table_rows", "seconds"]
    table("rnncli report of a panel", header, [[r[h] for h in header] for r in rows])
    save("report_size", {"rows": rows})


if __name__ == "__main__":
    main(sys.argv[1:])
