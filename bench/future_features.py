"""Future-known covariates (data.future_features): backtests with and without them, on the same folds.

    python bench/future_features.py [--folds 4]

Two data sets, each configured by `rnncli init FILE --horizon H --target Y` with nothing edited,
then `rnncli backtest CONFIG --folds K` twice, with data.future_features set and without:

- Seattle weather (the bundled data/seattle-weather.csv), the day's maximum temperature, one and
  seven days ahead, with the day's observed minimum temperature and precipitation as the values
  known ahead: a stand-in for a weather forecast, which is what a user would have;
- a synthetic panel of 20 shops' daily sales (two years each), driven by a promotion calendar and
  a price known ahead, and a weekly cycle (made here, seed 0).

Past features and categories are set to none in both runs (init may propose some), so that the
future features are the only difference. Printed: each run's mean test MAE and MASE over folds of
the served forecast, the network alone, the linear AR, the linear AR with the covariates (with
them only) and the best baseline, and the served forecast's ratio to the best baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import CACHE, ROOT, rnncli, run_timed, save, table


def shops_csv() -> str:
    import numpy as np
    import pandas as pd

    path = CACHE / "shops-promotions.csv"
    if not path.is_file():
        CACHE.mkdir(exist_ok=True)
        rng, frames = np.random.default_rng(0), []
        for k in range(20):
            t = np.arange(730)
            promo = (rng.random(730) < 0.12).astype(float)
            price = np.round(10 + rng.normal(0, 0.8, 730), 2)
            level = rng.uniform(50, 300)
            sales = level * (1 + 0.15 * np.sin(2 * np.pi * t / 7 + k) + 0.5 * promo - 0.05 * (price - 10))
            sales += rng.normal(0, 0.04 * level, 730)
            days = pd.date_range("2022-01-01", periods=730, freq="D").strftime("%Y-%m-%d")
            frames.append(
                pd.DataFrame(
                    {
                        "shop": f"shop-{k:02d}",
                        "day": days,
                        "sales": sales.round(2),
                        "promo": promo,
                        "price": price,
                    }
                )
            )
        pd.concat(frames).to_csv(path, index=False)
    return str(path)


CASES = {
    "seattle h1": (
        str(ROOT / "data" / "seattle-weather.csv"),
        "temp_max",
        1,
        ["temp_min", "precipitation"],
        [],
    ),
    "seattle h7": (
        str(ROOT / "data" / "seattle-weather.csv"),
        "temp_max",
        7,
        ["temp_min", "precipitation"],
        [],
    ),
    "shops h7": (None, "sales", 7, ["promo", "price"], ["--id-column", "shop"]),
}


def backtest(config: str, folds: int, future: list[str]) -> dict:
    out = CACHE / "future-runs"
    args = [
        f"output.dir={out}",
        f"data.future_features=[{','.join(future)}]",
        "data.features=[]",
        "data.static_features=[]",
        "data.categorical=[]",
    ]
    _s, done = run_timed(rnncli("backtest", config, *args, "--folds", str(folds), "--quiet"))
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    path = next(
        line.split("wrote ", 1)[1].split(" and ")[0]
        for line in done.stdout.splitlines()
        if line.startswith("wrote ")
    )
    scores = json.loads(Path(path).read_text())
    mean, best = scores["mean"], scores["comparison"]["baseline"]
    return {
        "served_mae": mean["model"]["mae"],
        "served_mase": mean["model"]["mase"],
        "network_mase": mean["network"]["mase"],
        "network_mae": mean["network"]["mae"],
        "linear_ar_mae": mean["baselines"]["linear_ar"]["mae"],
        "arx_mae": mean["baselines"].get("linear_arx", {}).get("mae"),
        "best_baseline": best,
        "baseline_mase": mean["baselines"][best]["mase"],
        "served_over_best": mean["model"]["mae"] / mean["baselines"][best]["mae"],
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=4)
    folds = parser.parse_args(argv).folds
    rows = {}
    for name, (csv, target, horizon, future, extra) in CASES.items():
        csv = csv or shops_csv()
        config = CACHE / f"future-{name.replace(' ', '-')}.yaml"
        config.unlink(missing_ok=True)  # written again by init each time
        init = rnncli(
            "init", csv, "--horizon", str(horizon), "--target", target, *extra, "--output", str(config)
        )
        _s, done = run_timed(init)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        for label, used in (("without", []), ("with", future)):
            rows[f"{name} {label}"] = backtest(str(config), folds, used)
    header = [
        "served_mae",
        "served_mase",
        "network_mae",
        "network_mase",
        "linear_ar_mae",
        "arx_mae",
        "best_baseline",
        "baseline_mase",
        "served_over_best",
    ]
    table(
        "backtests with and without future features",
        ["run", *header],
        [[n, *(r[h] for h in header)] for n, r in rows.items()],
    )
    save("future_features", {"folds": folds, "rows": rows})


if __name__ == "__main__":
    main(sys.argv[1:])
