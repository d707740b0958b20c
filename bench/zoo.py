"""rnncli's defaults across data sets: `rnncli init` (the horizon alone given), then a 4-fold backtest.

    python bench/zoo.py --data ../shared/data [--sets seattle etth2 ...] [--folds 4] [-- KEY=VALUE ...]

For each data set: `rnncli init CSV --horizon H` writes the config (nothing else is given but the
target of a single-series file), `rnncli backtest CONFIG --folds 4` trains and scores it, and one
row is printed: the mean test MAE over the folds of what is served, each baseline's, the verdict
against the best baseline (a paired block bootstrap), the validation MAE of the model and of the best baseline
(what rules are chosen by: validation data only), and the wall time. KEY=VALUE overrides after
`--` are passed to every backtest, to measure a candidate rule against the defaults.

Data sets, from the folder given: Seattle temp_max (daily, horizon 7; bundled in data/ too),
ETTh2 OT (hourly, horizon 24; bundled), us-employment.csv (monthly, wide, 12), stocks.csv
(monthly, long, text dates, 6), and 50 M4 Weekly series (m4/Weekly-train.csv, the competition's
own file; 13), drawn with a fixed seed and written as a long CSV on a weekly grid ending on one
date for every series (M4 gives no dates). Then seven short single series (zoo/ in the folder: 89
to 257 rows; the folder's README gives each one's source and licence), at the horizons M4 uses for
their frequency: wine sales and electrical-equipment orders (monthly, 12), wool production,
Australian residents and Australian beer (quarterly, 8), lynx trappings and the Nile's flow
(yearly, 6). Then six more public series in bench/data (its README gives their sources): airline
passengers, UK road casualties and the El Niño sea temperature (monthly, 12), sunspots (yearly,
6), US real GDP (quarterly, 8) and Mauna Loa CO2 (weekly, 13, with missing weeks).

Each row gives the mean test MAE of what is served (model), of the network alone and of every
simple method, and what is served over the best simple method (the goal: at most 1.02).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import ROOT, m4_long, rnncli, run_timed, save, table

SETS = {  # name: (file under --data (or the project's data/), horizon, --target or None)
    "seattle": ("seattle-weather.csv", 7, "temp_max"),
    "etth2": ("ETTh2.csv", 24, "OT"),
    "us-employment": ("us-employment.csv", 12, None),
    "stocks": ("stocks.csv", 6, None),
    "m4-weekly-50": ("m4/Weekly-train.csv", 13, None),
    # short single series (zoo/ in the shared data: 89 to 257 rows), horizons as M4 forecasts them
    "wine-monthly": ("zoo/wine-sales-monthly.csv", 12, None),
    "elec-equip-monthly": ("zoo/electrical-equipment-orders-monthly.csv", 12, None),
    "wool-quarterly": ("zoo/wool-production-quarterly.csv", 8, None),
    "residents-quarterly": ("zoo/australian-residents-quarterly.csv", 8, None),
    "beer-quarterly": ("zoo/australian-beer-quarterly.csv", 8, None),
    "lynx-yearly": ("zoo/lynx-trappings-yearly.csv", 6, None),
    "nile-yearly": ("zoo/nile-flow-yearly.csv", 6, None),
    # more public series, in bench/data (its README gives each one's source)
    "airline-monthly": ("airline-passengers-monthly.csv", 12, None),
    "road-casualties-monthly": ("uk-road-casualties-monthly.csv", 12, None),
    "el-nino-monthly": ("el-nino-sea-temperature-monthly.csv", 12, None),
    "sunspots-yearly": ("sunspots-yearly.csv", 6, None),
    "us-gdp-quarterly": ("us-real-gdp-quarterly.csv", 8, None),
    "co2-weekly": ("mauna-loa-co2-weekly.csv", 13, None),
}
# with --minimal: the config a user writes by hand, keys a new user knows (time column, target, id column)
MINIMAL = {
    "seattle": {"time_column": "date", "target": "temp_max"},
    "etth2": {"time_column": "date", "target": "OT"},
    "us-employment": {
        "time_column": "month",
        "target": "*",
    },  # every other column: one series, several targets
    "stocks": {"time_column": "date", "target": "price", "id_column": "symbol"},
    "m4-weekly-50": {"time_column": "date", "target": "value", "id_column": "id"},
}
M4_SAMPLE, M4_SEED = 50, 0


def source(data: Path, name: str, work: Path) -> Path:
    file = SETS[name][0]
    found = [p for p in (data / file, ROOT / "bench" / "data" / file, ROOT / "data" / file) if p.is_file()]
    path = found[0] if found else data / file
    if not path.is_file():
        raise SystemExit(f"{name}: {file} is not in {data}")
    return m4_long(path, work / "m4-weekly-50.csv", M4_SAMPLE, M4_SEED) if name.startswith("m4") else path


def minimal(name: str, csv_path: Path, horizon: int, config: Path) -> None:
    """The hand-written config of a new user who knows the columns and the horizon, and nothing else."""
    import yaml

    data = {"path": str(csv_path), **MINIMAL[name]}
    if data["target"] == "*":
        with open(csv_path) as fh:
            data["target"] = [c for c in fh.readline().strip().split(",") if c != data["time_column"]]
    config.write_text(yaml.safe_dump({"name": name, "data": data, "window": {"horizon": horizon}}))


def one(data: Path, name: str, folds: int, overrides: list[str], work: Path, by_hand: bool = False) -> dict:
    _file, horizon, target = SETS[name]
    started = time.perf_counter()
    csv_path = source(data, name, work)
    config = work / f"{name}.yaml"
    if by_hand:
        minimal(name, csv_path, horizon, config)
    else:
        init = rnncli(
            "init",
            str(csv_path),
            "--horizon",
            str(horizon),
            "--output",
            str(config),
            *(["--target", target] if target else []),
        )
        _, done = run_timed(init)
        if done.returncode != 0:
            return _failed(name, horizon, "init", done, started)
    out = work / f"{name}.json"
    _seconds, done = run_timed(
        rnncli(
            "backtest",
            str(config),
            "--folds",
            str(folds),
            "-q",
            "-o",
            str(out),
            f"output.dir={work / 'runs'}",
            *overrides,
        )
    )
    if done.returncode != 0:
        return _failed(name, horizon, "backtest", done, started)
    scores = json.loads(out.read_text())
    val = [
        json.loads((Path(f["run_dir"]) / "summary.json").read_text()) for f in scores["folds"] if f["run_dir"]
    ]
    mean = scores["mean"]
    return {
        "set": name,
        "horizon": horizon,
        "model_mae": mean["model"]["mae"],
        "network_mae": mean.get("network", mean["model"])["mae"],
        **{f"{b}_mae": m["mae"] for b, m in mean["baselines"].items()},
        "served": [f.get("served", {}).get("forecast", "network") for f in scores["folds"]],
        "verdict": scores["comparison"]["verdict"],
        "network_verdict": scores.get("network", scores["comparison"])["verdict"],
        "val_model_mae": sum(v["val"]["mae"] for v in val) / max(len(val), 1),
        "val_best_baseline_mae": sum(
            min(v["val"].get("baselines", {"-": v["val"]["mae"]}).values()) for v in val
        )
        / max(len(val), 1),
        "wall_s": round(time.perf_counter() - started, 1),
        "config": {k: v for k, v in _config(config).items()},
    }


def _ratio(row: dict) -> float | None:
    """What is served over the best simple method's mean test MAE (the goal: at most 1.02)."""
    simple = [
        row.get(f"{b}_mae") for b in ("persistence", "seasonal_naive", "linear_ar", "theta", "ets", "com")
    ]
    simple = [v for v in simple if v is not None]
    return None if row.get("model_mae") is None or not simple else row["model_mae"] / min(simple)


def _failed(name: str, horizon: int, step: str, done, started: float) -> dict:
    """A row for a data set the command refused or failed on: its last line says why."""
    line = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
    return {
        "set": name,
        "horizon": horizon,
        "model_mae": None,
        "verdict": f"{step} refused: {line[:160]}",
        "val_model_mae": None,
        "val_best_baseline_mae": None,
        "wall_s": round(time.perf_counter() - started, 1),
        "config": {},
    }


def _config(path: Path) -> dict:
    import yaml

    cfg = yaml.safe_load(path.read_text())
    keys = (
        ("window", "lookback"),
        ("model", "cell"),
        ("model", "hidden_size"),
        ("model", "normalize"),
        ("model", "segment"),
        ("data", "transform"),
    )
    return {key: cfg.get(section, {}).get(key) for section, key in keys}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="folder of the data sets (../shared/data)",
    )
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument(
        "--minimal", action="store_true", help="a hand-written minimal config instead of rnncli init's"
    )
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE passed to every backtest (after --)")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            rows.append(one(args.data, name, args.folds, args.overrides, Path(tmp), args.minimal))
            print(f"{name}: {rows[-1]['verdict']} ({rows[-1]['wall_s']} s)", flush=True)
    names = ["model", "network", "persistence", "seasonal_naive", "linear_ar", "theta", "ets", "com"]
    table(
        f"rnncli init + backtest --folds {args.folds}: mean test MAE over folds (model: what is served)"
        + (f" ({' '.join(args.overrides)})" if args.overrides else ""),
        ["data set", "H", *names, "served / best", "served per fold", "verdict", "wall s"],
        [
            [
                r["set"],
                r["horizon"],
                *(r.get(f"{n}_mae") for n in names),
                _ratio(r),
                " ".join(r.get("served", [])),
                r["verdict"].split(";")[0],
                r["wall_s"],
            ]
            for r in rows
        ],
    )
    save(" ".join(["zoo", *(["minimal"] if args.minimal else []), *args.overrides]), rows)
    return rows


if __name__ == "__main__":
    main()
