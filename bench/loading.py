"""Data loading: reading and checking a 10 M-row CSV with rnncli against pandas.read_csv alone.

    python bench/loading.py [--rows 10000000]

rnncli's load parses and checks every timestamp and value and puts the series on its grid; the
reference only parses the file, with pandas' fastest engine here (pyarrow where it is installed,
else its C parser). Target: within 2x.
"""

from __future__ import annotations

import argparse
import time

from common import median, save, synthetic_csv, table


def reference_engine() -> str:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return "c"
    return "pyarrow"


def main(argv: list[str] | None = None) -> dict:
    import pandas as pd

    from rnncli.data import timeseries

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    csv = synthetic_csv(args.rows)
    engine = reference_engine()
    schema = timeseries.Schema(str(csv), "time", ("value",))
    pandas_s, rnncli_s = [], []
    for _ in range(3):
        start = time.perf_counter()
        pd.read_csv(csv, engine=engine)
        pandas_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        series = timeseries.load(schema)
        rnncli_s.append(time.perf_counter() - start)
        assert len(series[0].times) == args.rows
        del series
    result = {
        "rows": args.rows,
        "engine": engine,
        "pandas_read_csv_s": median(pandas_s),
        "rnncli_load_s": median(rnncli_s),
    }
    result["ratio"] = result["rnncli_load_s"] / result["pandas_read_csv_s"]
    table(
        f"reading {args.rows:,} rows (median of 3, s; engine {engine})",
        ["pandas.read_csv", "rnncli timeseries.load", "ratio", "target"],
        [[result["pandas_read_csv_s"], result["rnncli_load_s"], result["ratio"], "<= 2"]],
    )
    save("loading", result)
    return result


if __name__ == "__main__":
    main()
