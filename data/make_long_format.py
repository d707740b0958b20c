"""Rebuild seattle-temps-long.csv from seattle-weather.csv: the daily maximum and minimum
temperatures as two series of one long-format file (columns date, series, temperature,
precipitation, wind), the layout of files that hold many stations or stores.

    python data/make_long_format.py
"""

from pathlib import Path

import pandas as pd

here = Path(__file__).parent
wide = pd.read_csv(here / "seattle-weather.csv")
long = pd.concat(
    [
        wide[["date"]].assign(
            series=name, temperature=wide[name], precipitation=wide["precipitation"], wind=wide["wind"]
        )
        for name in ("temp_max", "temp_min")
    ],
    ignore_index=True,
)
long.to_csv(here / "seattle-temps-long.csv", index=False)
print(f"wrote {len(long)} rows to {here / 'seattle-temps-long.csv'}")
