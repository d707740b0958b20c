"""The linear AR with the model's covariates joins the baselines when the model reads covariates (and
only then), can be served, and `predict` serves what the run says it serves."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.data.test_future_features import AHEAD, shop_config, shop_csv


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("arx")
    return tmp, shop_csv(tmp / "shop.csv")


def train(tmp, csv, *overrides):
    from rnncli import config
    from rnncli.pipeline.run import train_run

    return train_run(config.load(str(shop_config(tmp, csv)), ["train.epochs=1", *overrides])).run_dir


def test_the_linear_ar_with_covariates_reads_the_values_known_ahead(shop):
    tmp, csv = shop
    run = train(tmp, csv)
    test = json.loads((run / "summary.json").read_text())["test"]
    # sales = 50 + a weekly wave + 30 x promotion + noise (sd 1): the promotion known ahead is what counts
    with_promo, plain = test["baselines"]["linear_arx"]["mae"], test["baselines"]["linear_ar"]["mae"]
    assert with_promo < 2.0 < 8.0 < plain
    without = train(tmp, csv, "data.future_features=[]", "output.dir=" + str(tmp / "plain"))
    baselines = json.loads((without / "summary.json").read_text())["test"]["baselines"]
    assert "linear_arx" not in baselines and "linear_ar" in baselines


def test_predict_serves_the_forecast_the_run_chose(shop, cli):
    tmp, csv = shop
    frame = pd.read_csv(csv)
    last = frame["sales"].dropna().iloc[-1]
    made = {}
    for select in ("persistence", "linear_arx", "network"):
        run = train(tmp, csv, f"model.select={select}", f"output.dir={tmp / select}")
        out = tmp / f"{select}.csv"
        result = cli("predict", run, "--output", out, "--force")
        assert result.code == 0, result
        made[select] = pd.read_csv(out)["sales"].to_numpy()
    assert np.allclose(made["persistence"], last)  # every step the last value: what persistence says
    promo = frame["promo"].to_numpy()[-AHEAD:][: len(made["linear_arx"])]
    lifted = made["linear_arx"][promo == 1]
    plain = made["linear_arx"][promo == 0]
    assert len(lifted) and len(plain) and lifted.min() > plain.max()  # it reads the promotions ahead
    assert not np.allclose(made["linear_arx"], made["network"])


def test_linear_arx_is_refused_for_a_model_without_covariates(tiny, cli):
    refused = cli("train", tiny[0], "model.select=linear_arx")
    assert refused.code == 2 and "model.select" in refused.err and "name none" in refused.err
