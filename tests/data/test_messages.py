"""Messages about many series: one line for each kind, however many series."""

import numpy as np
import pandas as pd
import yaml

from rnncli.data.messages import grouped


def test_one_series_is_named_and_a_file_of_one_is_not():
    assert grouped([("H1", "filled 3 missing values")]) == ["series 'H1': filled 3 missing values"]
    assert grouped([(None, "filled 3 missing values")]) == ["filled 3 missing values"]


def test_messages_of_one_kind_become_one_line_with_the_ranges_of_their_figures():
    found = [
        (f"H{k}", f"filled {k} missing value{'s' * (k > 1)} ({k / 10:.1f}% of the series)")
        for k in range(1, 415)
    ]
    found.insert(5, ("X", "rows were not in time order; sorted them"))
    lines = grouped(found)
    assert lines == [
        "414 series: filled 1 to 414 missing values (0.1% to 41.4% of the series); e.g. 'H1', 'H2', 'H3' "
        "and 411 more",
        "series 'X': rows were not in time order; sorted them",
    ]


def test_the_same_message_for_a_few_series_names_them_all_and_dates_span():
    lines = grouped(
        [
            ("a", "1 value lies beyond (the first 5 at 2021-01-02)"),
            ("b", "1 value lies beyond (the first 5 at 2021-03-04)"),
        ]
    )
    assert lines == ["2 series ('a', 'b'): 1 value lies beyond (the first 5 at 2021-01-02 to 2021-03-04)"]


def test_check_of_hundreds_of_gappy_short_series_prints_one_line_per_kind(cli, tmp_path):
    rng = np.random.default_rng(0)
    frames = []
    for k in range(300):
        days = pd.date_range("2021-01-01", periods=60 + k % 7)
        frames.append(
            pd.DataFrame(
                {
                    "day": days.strftime("%Y-%m-%d"),
                    "shop": f"S{k:03d}",
                    "sales": rng.normal(10, 1, len(days)).round(3),
                }
            ).drop(index=[20 + k % 5])
        )
    pd.concat(frames).sample(frac=1, random_state=0).to_csv(tmp_path / "shops.csv", index=False)
    cfg = {
        "name": "shops",
        "data": {
            "path": str(tmp_path / "shops.csv"),
            "time_column": "day",
            "id_column": "shop",
            "target": "sales",
        },
        "window": {"lookback": 14},
        "output": {"dir": str(tmp_path / "runs")},
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    result = cli("check", tmp_path / "c.yaml")
    assert result.code == 0, result
    said = [line for line in (result.out + result.err).splitlines() if "300 series" in line]
    assert any(
        "filled 1 missing value" in line and "e.g. 'S000', 'S001', 'S002' and 297 more" in line
        for line in said
    ), said
    assert any(
        line.startswith(
            "note: 300 series: only 1 val window: its own val scores are noisy; the mean over series rests "
            "on 300"
        )
        for line in said
    ), said
    assert not any(
        "series 'S1" in line for line in (result.out + result.err).splitlines()
    )  # no line for one series of these
    assert "10 of 300 series shown: the first 5 and the 5 shortest" in result.out
    assert (
        len([line for line in result.out.splitlines() if line.startswith("│ S")]) == 10 + 30
    )  # the series, then their parts
