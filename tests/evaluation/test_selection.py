"""The served forecast's choice: the lowest validation error, every series weighing alike, the
simpler forecast on thin evidence, a forced choice, and a checkpoint's record of it."""

import torch

from rnncli.evaluation import selection
from rnncli.evaluation.scores import BASELINES


def errors(**means: float) -> dict[str, torch.Tensor]:
    """Scaled errors of 20 windows of one series per candidate (each classical one averaged with
    the network too), constant at the given mean; unnamed candidates score 2."""
    out = {
        name: torch.full((20,), means.get(name, 2.0), dtype=torch.float64) for name in ("network", *BASELINES)
    }
    for name in BASELINES:
        out[f"combined:{name}"] = torch.full((20,), means.get(f"combined:{name}", 2.5), dtype=torch.float64)
    return out


ONE_SERIES = torch.zeros(20, dtype=torch.long)


def test_the_lowest_error_is_served_and_the_reason_names_the_runner_up():
    chosen = selection.select(errors(network=0.8, theta=1.0), ONE_SERIES, blocks=12)
    assert chosen.served == "network"
    assert chosen.partner == "theta"
    assert chosen.errors["network"] == 0.8 and chosen.errors["theta"] == 1.0
    assert chosen.windows == 20 and chosen.blocks == 12
    assert "0.8" in chosen.reason and "Theta" in chosen.reason


def test_the_combination_is_the_network_with_the_best_classical_method():
    chosen = selection.select(
        errors(network=1.1, ets=1.0, **{"combined:ets": 0.7, "combined:theta": 0.1}), ONE_SERIES, 12
    )
    assert chosen.served == "combined" and chosen.partner == "ets"
    assert chosen.errors["combined"] == 0.7  # with the best classical one, not the best pairing
    assert "ETS" in chosen.name


def test_thin_evidence_serves_the_simpler_forecast_and_says_so():
    chosen = selection.select(errors(network=0.5, com=0.9), ONE_SERIES, blocks=selection.CHOICE_BLOCKS - 1)
    assert chosen.served == "com"
    assert "simpler" in chosen.reason and f"{selection.CHOICE_BLOCKS - 1} independent blocks" in chosen.reason
    classical = selection.select(errors(theta=0.5, com=0.9), ONE_SERIES, blocks=1)
    assert classical.served == "theta"  # between classical methods the lowest error serves


def test_every_series_weighs_alike():
    series = torch.tensor([0] * 18 + [1] * 2)  # one series has 18 windows, the other 2
    scaled = errors()
    scaled["network"] = torch.tensor([0.5] * 18 + [3.0] * 2)  # mean over windows 0.75, over series 1.75
    scaled["theta"] = torch.full((20,), 1.5)
    chosen = selection.select(scaled, series, blocks=12)
    assert chosen.errors["network"] == 1.75
    assert chosen.served == "theta"


def test_a_forced_choice_is_served_whatever_the_errors():
    chosen = selection.select(errors(network=0.1), ONE_SERIES, blocks=50, forced="seasonal_naive")
    assert chosen.served == "seasonal_naive" and chosen.forced
    assert "model.select=seasonal_naive" in chosen.reason
    assert chosen.errors["network"] == 0.1  # the evidence is still recorded


def test_the_record_round_trips_and_an_old_checkpoint_serves_its_network():
    chosen = selection.select(errors(linear_ar=0.4), ONE_SERIES, blocks=3, origins=2)
    again = selection.Selection.from_dict(chosen.to_dict())
    assert (again.served, again.partner, again.errors, again.windows, again.blocks, again.origins) == (
        chosen.served,
        chosen.partner,
        chosen.errors,
        chosen.windows,
        chosen.blocks,
        chosen.origins,
    )
    assert again.reason == chosen.reason
    assert "2 earlier origins" in chosen.reason
    assert selection.Selection.from_dict(None).served == "network"


def test_the_reason_names_the_error_it_rests_on_where_mase_is_undefined():
    plain = selection.select(errors(network=0.8, theta=1.0), ONE_SERIES, blocks=12)
    assert "the lowest validation MASE, 0.8" in plain.reason
    measure = "MAE (MASE is undefined: the training part never changes at the seasonal lag)"
    chosen = selection.select(errors(network=0.8, theta=1.0), ONE_SERIES, blocks=12, measure=measure)
    assert f"the lowest validation {measure}, 0.8" in chosen.reason and "MASE, 0.8" not in chosen.reason
