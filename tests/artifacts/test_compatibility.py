"""Checkpoints written by an earlier rnncli still load, forecast and score exactly as they did.

The files in tests/fixtures/v1 were written by rnncli 0.1.0 (format version 1), with the forecasts
and scores that version made from them (see the README there).
"""

import json
from pathlib import Path

import pytest

from rnncli.commands import evaluate, predict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "v1"
CASES = {"long": ("long.csv", 6), "m2m": ("wide.csv", 2)}


@pytest.mark.parametrize("name", CASES)
def test_an_older_checkpoint_forecasts_exactly_what_it_did(name):
    data, horizon = CASES[name]
    expected = json.loads((FIXTURES / "forecasts-full.json").read_text())[name]
    frame = predict.predict(FIXTURES / f"{name}.pt", FIXTURES / data, horizon).frame
    assert list(frame.columns) == list(expected)
    for column, values in expected.items():
        got = frame[column].tolist()
        if isinstance(got[0], float):
            assert got == [float(v) for v in values], column  # bit for bit
        else:
            assert [str(v) for v in got] == values, column


@pytest.mark.parametrize("name", CASES)
def test_an_older_checkpoint_scores_exactly_what_it_did(name):
    data, _ = CASES[name]
    expected = json.loads((FIXTURES / f"{name}-evaluation.json").read_text())
    scores = _json(evaluate.evaluate(FIXTURES / f"{name}.pt", FIXTURES / data).metrics)
    for key in ("checkpoint", "data"):  # where the files lay when they were made
        expected.pop(key), scores.pop(key)
    expected["standardised"] = expected.pop(
        "scaled"
    )  # the JSON key was renamed: "scaled" now means scaler units alone
    assert (
        "theta" in scores["baselines"]
    )  # a baseline added since: every figure of the older version is still there, unchanged
    assert _missing(expected, scores) == []


def _missing(expected, got, where: str = "") -> list[str]:
    """Where `got` lacks or changes a value of `expected` (it may hold more)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [where]
        return [
            m
            for k, v in expected.items()
            for m in (_missing(v, got[k], f"{where}.{k}") if k in got else [f"{where}.{k}"])
        ]
    return [] if expected == got else [f"{where}: {expected!r} != {got!r}"]


def _json(metrics: dict) -> dict:
    """The metrics as `evaluate --output` writes them."""
    return json.loads(json.dumps(metrics, default=str))
