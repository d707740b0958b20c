"""M4 Weekly: rnncli against the competition's published figures, scored as the competition scores.

    python bench/m4.py --data ../shared/data/m4 [--seeds 3] [-- KEY=VALUE ...]

The competition's own files (Weekly-train.csv, Weekly-test.csv from the `Dataset/` folder of its
public repository, Mcompetitions/M4-methods) are read from the folder given. The training file
becomes a long CSV (id, date, value) on a weekly grid that ends on one date for every series (M4
gives no dates). For each seed: `rnncli init --horizon 13` writes the config (nothing edited but
the seed, and KEY=VALUE after `--`), `rnncli train` trains it, `rnncli predict --horizon 13
--coverage 0.95` forecasts every series, and the forecasts are scored against the test file.

Scoring follows `Benchmarks and Evaluation.R`: per series, sMAPE = mean of 200|y - f| / (|y| + |f|),
MASE = mean |y - f| over the in-sample MAE of the naive forecast one period back (the period is
1 for weekly data), then the mean over series; OWA = (sMAPE / Naive2's + MASE / Naive2's) / 2, where
Naive2 is the last value (weekly series are not seasonally adjusted, period 1). 95% intervals:
coverage, and MSIS = mean of (U - L) + 40 (L - y)[y < L] + 40 (y - U)[y > U], scaled as MASE.
The scoring is checked first: Naive2 and seasonal naive must give the published 9.161 / 2.777
exactly, and rnncli's Theta (evaluation/theta.py) the published 9.093 / 2.637.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import m4_long, rnncli, run_timed, save, table

HORIZON = 13
# sMAPE / MASE (OWA) and 95% MSIS, weekly, from the organisers' workbook "Evaluation and Ranks.xlsx"
PUBLISHED = {
    "Naive2": (9.161, 2.777),
    "Theta": (9.093, 2.637),
    "the organisers' RNN": (15.220, 5.132),
    "ES-RNN (Smyl, winner overall)": (7.817, 2.356),
    "Darin & Stellwagen (best weekly)": (6.582, 2.107),
}
PUBLISHED_MSIS = {
    "Naive": 26.358,
    "ETS": 20.386,
    "ARIMA": 19.575,
    "Smyl": 22.034,
    "Doornik": 16.469,
    "Petropoulos": 16.200,
}


def read(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return {r[0]: np.array([float(v) for v in r[1:] if v != ""]) for r in rows}


def score(
    train: dict, test: dict, forecasts: dict, lower: dict | None = None, upper: dict | None = None
) -> dict:
    """sMAPE, MASE (and coverage, MSIS of 95% intervals), each the mean over series, as M4 computes them."""
    smape, mase, msis, inside = [], [], [], []
    for key, y in test.items():
        f = forecasts[key]
        scale = np.mean(np.abs(np.diff(train[key])))  # naive one period back, the period 1 for weekly
        smape.append(np.mean(200 * np.abs(y - f) / (np.abs(y) + np.abs(f))))
        mase.append(np.mean(np.abs(y - f)) / scale)
        if lower is not None:
            lo, hi = lower[key], upper[key]
            msis.append(np.mean((hi - lo) + 40 * (lo - y) * (y < lo) + 40 * (y - hi) * (y > hi)) / scale)
            inside.append(np.mean((y >= lo) & (y <= hi)))
    out = {"smape": float(np.mean(smape)), "mase": float(np.mean(mase))}
    out["owa"] = (out["smape"] / PUBLISHED["Naive2"][0] + out["mase"] / PUBLISHED["Naive2"][1]) / 2
    if msis:
        out.update(msis=float(np.mean(msis)), coverage=float(np.mean(inside)))
    return out


def check_scoring(train: dict, test: dict) -> list[dict]:
    """Naive2, seasonal naive (the same for period 1) and Theta, to be set beside the published figures."""
    from rnncli.evaluation import theta

    naive = {k: np.repeat(y[-1], HORIZON) for k, y in train.items()}
    thetas = dict(zip(train, theta.forecast(list(train.values()), HORIZON, 1)))
    rows = []
    for name, forecasts, published in (
        ("Naive2", naive, PUBLISHED["Naive2"]),
        ("seasonal naive", naive, PUBLISHED["Naive2"]),
        ("Theta (rnncli)", thetas, PUBLISHED["Theta"]),
    ):
        got = score(train, test, forecasts)
        rows.append(
            {
                "method": name,
                **got,
                "published": published,
                "exact": (round(got["smape"], 3), round(got["mase"], 3)) == published,
            }
        )
    return rows


def one_seed(folder: Path, work: Path, seed: int, overrides: list[str], train: dict, test: dict) -> dict:
    started = time.perf_counter()
    csv_path = work / "m4-weekly.csv"
    if not csv_path.exists():
        m4_long(folder / "Weekly-train.csv", csv_path)
    config = work / f"m4-{seed}.yaml"
    _, done = run_timed(rnncli("init", str(csv_path), "--horizon", str(HORIZON), "--output", str(config)))
    if done.returncode != 0:
        raise SystemExit(f"rnncli init failed:\n{done.stderr[-2000:]}")
    tick = time.perf_counter()
    _, done = run_timed(
        rnncli("train", str(config), f"train.seed={seed}", f"output.dir={work / 'runs'}", *overrides, "-q")
    )
    if done.returncode != 0:
        raise SystemExit(f"rnncli train failed:\n{done.stderr[-2000:]}")
    train_s = time.perf_counter() - tick
    run = next(
        line.split("run folder: ", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.startswith("run folder: ")
    )
    out = work / f"forecast-{seed}.csv"
    tick = time.perf_counter()
    _, done = run_timed(
        rnncli("predict", run, "--horizon", str(HORIZON), "--coverage", "0.95", "--output", str(out))
    )
    if done.returncode != 0:
        raise SystemExit(f"rnncli predict failed:\n{done.stderr[-2000:]}")
    predict_s = time.perf_counter() - tick
    f, lo, hi = _forecasts(out)
    got = score(train, test, f, lo if lo else None, hi if hi else None)
    return {
        "seed": seed,
        **got,
        "train_s": round(train_s, 1),
        "predict_s": round(predict_s, 1),
        "wall_s": round(time.perf_counter() - started, 1),
        "run": run,
    }


def _forecasts(path: Path) -> tuple[dict, dict, dict]:
    f, lo, hi = {}, {}, {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            f.setdefault(row["id"], []).append(float(row["value"]))
            if row.get("value_lower") not in (None, ""):
                lo.setdefault(row["id"], []).append(float(row["value_lower"]))
                hi.setdefault(row["id"], []).append(float(row["value_upper"]))
    as_arrays = lambda d: {k: np.array(v) for k, v in d.items()}  # noqa: E731
    return as_arrays(f), as_arrays(lo), as_arrays(hi)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="the folder of Weekly-train.csv and Weekly-test.csv"
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE for every training (after --)")
    args = parser.parse_args(argv)
    train, test = read(args.data / "Weekly-train.csv"), read(args.data / "Weekly-test.csv")
    checks = check_scoring(train, test)
    table(
        "M4 Weekly scoring check: the competition's benchmarks, recomputed",
        ["method", "sMAPE", "MASE", "published", "exact"],
        [
            [
                r["method"],
                r["smape"],
                r["mase"],
                " / ".join(map(str, r["published"])),
                "yes" if r["exact"] else "NO",
            ]
            for r in checks
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        runs = [
            one_seed(args.data, Path(tmp), seed, args.overrides, train, test) for seed in range(args.seeds)
        ]
    summary = {
        k: statistics.mean(r[k] for r in runs)
        for k in ("smape", "mase", "owa", "msis", "coverage", "wall_s")
        if k in runs[0]
    }
    spread = {k: statistics.stdev(r[k] for r in runs) if len(runs) > 1 else 0.0 for k in summary}
    rows = [[name, s, m, (s / 9.161 + m / 2.777) / 2, "", ""] for name, (s, m) in PUBLISHED.items()]
    rows.append(
        [
            f"rnncli (mean ± sd of {len(runs)} seeds)",
            f"{summary['smape']:.3f} ± {spread['smape']:.3f}",
            f"{summary['mase']:.3f} ± {spread['mase']:.3f}",
            f"{summary['owa']:.3f} ± {spread['owa']:.3f}",
            f"{summary.get('coverage', float('nan')):.3f}",
            f"{summary.get('msis', float('nan')):.2f} ± {spread.get('msis', 0):.2f}",
        ]
    )
    table(
        "M4 Weekly (359 series, 13 weeks): sMAPE / MASE / OWA; 95% intervals",
        ["method", "sMAPE", "MASE", "OWA", "coverage", "MSIS"],
        rows,
    )
    table("M4 Weekly 95% MSIS, published", ["method", "MSIS"], [[k, v] for k, v in PUBLISHED_MSIS.items()])
    table(
        "per seed",
        ["seed", "sMAPE", "MASE", "OWA", "coverage", "MSIS", "train s", "predict s"],
        [
            [
                r["seed"],
                r["smape"],
                r["mase"],
                r["owa"],
                r.get("coverage"),
                r.get("msis"),
                r["train_s"],
                r["predict_s"],
            ]
            for r in runs
        ],
    )
    results = {"checks": checks, "seeds": runs, "mean": summary, "sd": spread, "overrides": args.overrides}
    save("m4" if not args.overrides else f"m4 {' '.join(args.overrides)}", results)
    return results


if __name__ == "__main__":
    main()
