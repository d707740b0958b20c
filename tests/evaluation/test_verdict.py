"""The verdict lines: the model against the best baseline in plain words, what to try, and more epochs."""

from rnncli.evaluation import verdict


def metrics(model: float, **baselines: float) -> dict:
    return {"model": {"mae": model}, "baselines": {name: {"mae": mae} for name, mae in baselines.items()}}


def test_a_model_worse_than_a_baseline_is_told_so_with_both_scores_and_what_to_try():
    (line,) = verdict.lines(
        metrics(2.5, persistence=3.0, linear_ar=2.0, theta=2.2),
        "validation part",
        {"window": {"lookback": 7, "mode": "many_to_one"}, "model": {"cell": "rnn", "normalize": "none"}},
        7,
    )
    assert line.startswith("the network is worse than linear AR on the validation part: MAE 2.5 against 2")
    assert (
        "window.lookback=14" in line
        and "model.normalize=window" in line
        and "model.cell=gru" in line
        and "rnncli backtest" in line
        and "rnncli init" not in line  # its config may be init's own
    )
    assert "model.ensemble=5" in line
    (tried,) = verdict.lines(
        metrics(2.5, linear_ar=2.0), "validation part", {"model": {"ensemble": 5, "normalize": "window"}}, 1
    )
    assert "model.ensemble" not in tried and "model.normalize" not in tried


def test_a_model_that_beats_every_baseline_says_so():
    (line,) = verdict.lines(metrics(1.5, persistence=3.0, theta=2.2), "test split", {}, 1)
    assert line == "the network beats every baseline on the test split: MAE 1.5, the best of them (Theta) 2.2"


def test_a_served_baseline_is_set_beside_the_other_baselines_and_the_network_alone_is_told():
    served = {**metrics(1.8, persistence=3.0, theta=1.8, ets=2.0), "network": {"mae": 2.6}}
    served["served"] = {"forecast": "theta", "label": "Theta"}
    best, network = verdict.lines(served, "test split", {"model": {"cell": "gru"}}, 1)
    assert (
        best
        == "the served forecast (Theta) beats every other baseline on the test split: MAE 1.8, the best of "
        "them (ETS) 2"
    )
    assert network.startswith("the network alone: MAE 2.6 on the test split; to make it win, try")
    served["model"]["mae"] = 2.1
    (loses, _) = verdict.lines(served, "test split", {}, 1)
    assert loses.startswith(
        "the served forecast (Theta) is worse than ETS on the test split: MAE 2.1 against 2;"
    )
    assert "chosen on the validation windows" in loses and "model.select" in loses


def test_more_epochs_only_when_the_last_epoch_was_the_best():
    assert "more epochs may help" in verdict.more_epochs(10, 10, stopped_early=False)
    assert verdict.more_epochs(7, 10, stopped_early=False) is None
    assert verdict.more_epochs(10, 10, stopped_early=True) is None


def test_training_prints_the_verdict_and_writes_it_in_the_summary(tiny, cli):
    import json

    from helpers import newest_run

    result = cli("train", tiny[0], "train.epochs=2", "train.patience=null", "-q")
    assert result.code == 0
    lines = [line for line in result.out.splitlines() if line.startswith("verdict: ")]
    summary = json.loads((newest_run(tiny[2]) / "summary.json").read_text())
    assert [f"verdict: {v}" for v in summary["verdict"]] == lines and len(lines) >= 1
    assert (
        lines[0] == "verdict: serves the network: forced by model.select=network"
    )  # the tests' configs force it


def test_a_run_fits_its_baselines_once_for_the_test_scores_and_the_verdict(tiny, cli, monkeypatch):
    import json

    from helpers import newest_run

    from rnncli.evaluation import scoring
    from rnncli.evaluation.baselines import BaselineFit

    fits, original = [], BaselineFit.on.__func__
    monkeypatch.setattr(
        BaselineFit, "on", classmethod(lambda cls, prepared: fits.append(1) or original(cls, prepared))
    )
    result = cli("train", tiny[0], "train.epochs=2", "-q")
    assert result.code == 0 and len(fits) == 1
    run = newest_run(tiny[2])
    summary = json.loads((run / "summary.json").read_text())
    fitted_again = scoring.score(
        *_opened(run), "val"
    ).metrics  # the verdict's figures, with baselines fitted anew
    assert summary["val"]["baselines"] == {name: m["mae"] for name, m in fitted_again["baselines"].items()}


def _opened(run):
    from rnncli.artifacts.trained import open_trained

    trained = open_trained(run)
    return trained.model, trained.prepare()
