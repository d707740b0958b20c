import math

import pandas as pd
import pytest
import torch

from rnncli.evaluation.baselines import LinearAR, in_sample_seasonal_mae
from rnncli.evaluation.classical import persistence, seasonal_naive
from rnncli.evaluation.metrics import Errors


def t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def test_metrics_against_hand_computed_values():
    actual = t([[[2.0], [4.0]], [[0.0], [5.0]]])  # 2 windows, horizon 2, 1 target
    pred = t([[[3.0], [2.0]], [[1.0], [5.0]]])
    errors = Errors(horizon=2, n_targets=1)
    errors.add(actual, pred, mase_scale=t([[2.0], [2.0]]))
    r = errors.result()
    # |e| = 1, 2, 1, 0
    assert r["mae"] == pytest.approx(1.0)
    assert r["rmse"] == pytest.approx(math.sqrt((1 + 4 + 1 + 0) / 4))
    assert r["mape"] == pytest.approx((50 + 50 + 0) / 3)  # the zero actual is skipped
    assert r["mape_skipped_zeros"] == 1
    assert r["smape"] == pytest.approx((200 * 1 / 5 + 200 * 2 / 6 + 200 * 1 / 1 + 0) / 4)
    assert r["mase"] == pytest.approx(0.5)
    per_step = errors.result(dims=(1,))
    assert per_step["mae"] == pytest.approx([1.0, 1.0])
    assert per_step["rmse"] == pytest.approx([1.0, math.sqrt(2)])


def test_errors_accumulate_across_chunks_like_one_batch():
    torch.manual_seed(0)
    actual, pred = torch.randn(50, 3, 2).double(), torch.randn(50, 3, 2).double()
    scale = torch.rand(50, 2).double() + 0.5
    whole, parts = Errors(3, 2), Errors(3, 2)
    whole.add(actual, pred, scale)
    for lo in range(0, 50, 7):
        parts.add(actual[lo : lo + 7], pred[lo : lo + 7], scale[lo : lo + 7])
    assert parts.result() == pytest.approx(whole.result())
    assert parts.result(dims=(0,))["mae"] == pytest.approx(whole.result(dims=(0,))["mae"])


def test_persistence_repeats_the_last_value():
    history = t([[[1.0, 10.0], [2.0, 20.0]]])
    assert persistence(history, 3).tolist() == [[[2.0, 20.0]] * 3]


def test_seasonal_naive_looks_back_whole_seasons():
    rows = t(list(range(100)))[:, None]
    # origin 50: step h uses row 50 + h - 1 - 7 * ceil(h / 7)
    out = seasonal_naive(rows, torch.tensor([50]), torch.tensor([0]), horizon=9, season=7)
    assert out[0, :, 0].tolist() == [43, 44, 45, 46, 47, 48, 49, 43, 44]
    # a lag that would cross the start of its series stops at the series' first row
    early = seasonal_naive(rows, torch.tensor([3]), torch.tensor([0]), horizon=1, season=7)
    assert early.tolist() == [[[0.0]]]


def test_in_sample_seasonal_mae():
    rows = t([1.0, 2.0, 4.0, 7.0])[:, None]
    assert in_sample_seasonal_mae(rows, 1).tolist() == [2.0]  # |1|, |2|, |3|
    assert in_sample_seasonal_mae(rows, 2).tolist() == [4.0]  # |3|, |5|
    assert in_sample_seasonal_mae(rows, 10).tolist() == [2.0]  # too short for the season: lag 1


def test_linear_ar_fitted_in_chunks_equals_direct_least_squares():
    g = torch.Generator().manual_seed(0)
    rows = torch.randn(300, 2, generator=g).double().cumsum(0)  # two targets, random walks
    span = rows.unfold(0, 7, 1).transpose(1, 2)  # lookback 5, horizon 2
    history, future = span[:, :5], span[:, 5:]
    ar = LinearAR(lookback=5, horizon=2, n_targets=2)
    for lo in range(0, len(span), 64):
        ar.add(history[lo : lo + 64], future[lo : lo + 64])
    ar.solve()
    for j in range(2):
        x = torch.cat([history[..., j], torch.ones(len(span), 1, dtype=torch.float64)], dim=1)
        direct = torch.linalg.lstsq(x, future[..., j]).solution
        torch.testing.assert_close(ar.predict(history)[..., j], x @ direct, atol=1e-8, rtol=1e-8)


def test_linear_ar_fits_a_random_ar2_by_least_squares():
    g = torch.Generator().manual_seed(1)
    e = torch.randn(3000, generator=g).double()
    y = torch.zeros(3000, dtype=torch.float64)
    for i in range(2, 3000):
        y[i] = 0.6 * y[i - 1] - 0.3 * y[i - 2] + 2.0 + e[i]
    span = y[:, None].unfold(0, 3, 1).transpose(1, 2)
    ar = LinearAR(2, 1, 1)
    ar.add(span[:, :2], span[:, 2:])
    w = ar.solve().weights[0, :, 0]
    assert w.tolist() == pytest.approx([-0.3, 0.6, 2.0], abs=0.06)  # lag 2, lag 1, intercept


def test_linear_ar_on_few_windows_weighs_only_the_latest_lags():
    g = torch.Generator().manual_seed(2)
    y = (torch.arange(40, dtype=torch.float64) * 0.5 + torch.randn(40, generator=g).double())[:, None]
    span = y.unfold(0, 32, 1).transpose(1, 2)  # lookback 29, horizon 3: 9 windows for 30 weights
    ar = LinearAR(29, 3, 1)
    ar.add(span[:, :29], span[:, 29:])
    assert ar.lags == 2  # 9 windows: three per weight, the intercept one of them
    w = ar.solve().weights[0]
    assert (w[:27] == 0).all() and w[27:].abs().sum() > 0  # only the latest two lags and the intercept
    x = torch.cat([span[:, 27:29, 0], torch.ones(len(span), 1, dtype=torch.float64)], dim=1)
    direct = torch.linalg.lstsq(x, span[:, 29:, 0]).solution
    torch.testing.assert_close(w[27:], direct, atol=1e-8, rtol=1e-8)


def test_linear_ar_fit_uses_evenly_spread_windows_when_there_are_too_many(monkeypatch):
    from rnncli.data.windows import Index
    from rnncli.evaluation import scoring

    monkeypatch.setattr(scoring, "CHUNK", 4)
    index = Index([100], [50])
    everything = torch.cat(list(index.chunks(torch.device("cpu"), 2048)))
    assert everything.tolist() == list(range(100, 150))
    sampled = torch.cat(list(index.chunks(torch.device("cpu"), 2048, at_most=6)))
    assert len(sampled) == 6 and sampled[0] == 100 and sampled[-1] == 149 and (sampled.diff() > 0).all()


def test_mase_and_msis_are_undefined_where_the_training_part_never_changes_at_the_season():
    from rnncli.evaluation.metrics import Coverage

    flat = torch.tensor([[0.0], [0.0], [3.0], [0.0], [0.0], [3.0]] * 4)  # intermittent, season 3
    assert math.isnan(in_sample_seasonal_mae(flat, 3).item())  # never changes at lag 3
    assert in_sample_seasonal_mae(flat, 1).item() > 0
    actual, pred = t([[[1.0]], [[2.0]]]), t([[[2.0]], [[4.0]]])
    errors, covered = Errors(1, 1), Coverage(1, 1, alpha=0.1)
    errors.add(actual, pred, mase_scale=t([[float("nan")], [float("nan")]]))
    covered.add(actual, pred - 0.5, pred + 0.5, t([[float("nan")], [float("nan")]]))
    r = errors.result()
    assert r["mase"] is None and r["mase_undefined"] == 2 and r["mae"] == 1.5  # not MAE over a scale of 1
    assert covered.result()["msis"] is None and covered.result()["coverage"] == 0.0
    mixed = Errors(1, 1)  # a panel: one series defined (scale 2), one not
    mixed.add(actual, pred, mase_scale=t([[2.0], [float("nan")]]))
    assert mixed.result()["mase"] == 0.5 and mixed.result()["mase_undefined"] == 1


def test_the_caption_says_why_mase_is_undefined_and_drops_its_reading():
    from rnncli.report.tables import _caption

    metrics = {"n_windows": 3, "split": "test", "targets": ["y"], "horizon": 2}
    none = _caption({**metrics, "model": {"mase": None, "mase_undefined": 6}})
    assert "MASE is undefined: the training part never changes at the seasonal lag" in none
    assert "MASE < 1" not in none
    some = _caption({**metrics, "model": {"mase": 0.8, "mase_undefined": 2}})
    assert "MASE leaves out 2 values of series whose training part never changes" in some


@pytest.mark.parametrize(
    "value, shown", [(1.23456e-5, "1.235e-05"), (0.5, "0.5000"), (0.0, "0.0000"), (12345.6, "1.235e+04")]
)
def test_small_scores_keep_their_significant_digits(value, shown):
    from rnncli.report.cells import fmt

    assert fmt(value) == shown


def test_values_filled_in_are_left_out_of_every_score_and_counted():
    from rnncli.evaluation.metrics import Coverage, Standardised

    nan = float("nan")
    actual = t([[[1.0], [nan]], [[3.0], [5.0]]])  # the second step of the first window was filled in
    pred = t([[[2.0], [100.0]], [[3.0], [7.0]]])
    errors, standard, covered = Errors(2, 1), Standardised(1), Coverage(2, 1, alpha=0.1)
    errors.add(actual, pred, mase_scale=t([[1.0], [1.0]]))
    standard.add(actual, pred, t([2.0]))
    covered.add(actual, pred - 1.5, pred + 1.5, t([[1.0], [1.0]]))
    r = errors.result()
    assert r["mae"] == pytest.approx((1 + 0 + 2) / 3) and r["filled_left_out"] == 1
    assert r["mase"] == pytest.approx(1.0) and r["mse"] == pytest.approx(5 / 3)
    assert errors.result(dims=(1,))["mae"] == [pytest.approx(0.5), pytest.approx(2.0)]  # per step
    assert standard.result()["mae"] == pytest.approx(0.5)
    assert covered.result()["coverage"] == pytest.approx(2 / 3) and covered.result()["mean_width"] == 3.0


def test_scoring_counts_the_forecast_values_that_fall_on_filled_data(tmp_path):
    from helpers import prepare_file

    from rnncli.data.series import Schema
    from rnncli.data.windows import WindowSpec
    from rnncli.evaluation import scoring
    from rnncli.model.forecaster import Forecaster, ModelArgs

    days = pd.date_range("2023-01-01", periods=200, freq="D")
    gone = {170, 171, 172, 185}  # in the test part: filled in by interpolation
    rows = [f"{d.date()},{(i % 7) * 1.5 + i * 0.01}\n" for i, d in enumerate(days) if i not in gone]
    (tmp_path / "g.csv").write_text("t,y\n" + "".join(rows))
    spec = WindowSpec(14, 5, False, 0.1, 0.2)
    prepared = prepare_file(Schema(str(tmp_path / "g.csv"), "t", ("y",)), spec, "standard")
    index = prepared.index("test")
    starts = index.chunks(torch.device("cpu"), 10_000)
    firsts = torch.cat(list(starts)) + spec.lookback
    filled = torch.tensor(sorted(gone))
    expected = int(sum(((firsts + h)[:, None] == filled).any(1).sum() for h in range(spec.horizon)))
    model = Forecaster(ModelArgs(input_size=len(prepared.columns), n_targets=1, horizon=5))
    metrics = scoring.score(model, prepared, "test").metrics
    assert expected > 0 and metrics["model"]["filled_left_out"] == expected
    assert metrics["baselines"]["persistence"]["filled_left_out"] == expected
