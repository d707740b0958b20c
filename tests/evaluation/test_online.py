"""Online interval updates (predict.online_step): each series' level follows its own misses."""

import math

import numpy as np
import pytest
from helpers import write_config, write_values
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli import config
from rnncli.artifacts.trained import open_trained
from rnncli.commands import evaluate, predict
from rnncli.evaluation import intervals, online, scoring
from rnncli.pipeline.run import train_run


def _linear_grid(steps: int = 1, levels: int = 11) -> np.ndarray:
    """Scores whose quantile at probability p is 10 p, for every step: thresholds read off by hand."""
    return np.repeat(np.linspace(0, 10, levels)[:, None, None], steps, axis=1)


def test_levels_follow_the_misses_by_hand():
    tracker = online.Tracker(_linear_grid(), level=0.9, coverage=0.9, step=0.1)
    scores = np.array([10.0, 0.0, 0.0, 0.0])[:, None, None]
    reached = tracker.thresholds(np.zeros(4, dtype=int), np.arange(4), scores)[:, 0, 0]
    # window 0: level 0.9, threshold 9, missed; then each window sees the ones before it:
    # sum of (alpha - missed) = -0.9, -0.8, -0.7, and the level 0.9 - 0.1 * sum
    np.testing.assert_allclose(reached, [9.0, 9.9, 9.8, 9.7])
    np.testing.assert_allclose(tracker.final(1)[0, 0, 0], 0.96)  # the last window's hit revealed too
    np.testing.assert_allclose(tracker.reached(1)[0, 0, 0], 9.6)


def test_a_forecast_counts_only_once_its_value_is_known():
    """Two steps ahead: window 0's second step is known at window 2, not at window 1."""
    tracker = online.Tracker(_linear_grid(steps=2), level=0.9, coverage=0.9, step=0.1)
    scores = np.zeros((3, 2, 1))
    scores[0] = 10.0  # window 0 misses both steps
    reached = tracker.thresholds(np.zeros(3, dtype=int), np.arange(3), scores)[:, :, 0]
    np.testing.assert_allclose(reached[1], [9.9, 9.0])  # step 1 of window 0 revealed, step 2 not yet
    np.testing.assert_allclose(reached[2], [9.8, 9.9])


def test_steps_beyond_those_scored_end_where_the_last_scored_one_does():
    """Calibrated 3 steps ahead, scored 1 step ahead (a one-step model that predict rolls further)."""
    tracker = online.Tracker(_linear_grid(steps=3), level=0.9, coverage=0.9, step=0.1)
    tracker.thresholds(np.zeros(2, dtype=int), np.arange(2), np.array([10.0, 0.0])[:, None, None])
    np.testing.assert_allclose(
        tracker.final(1)[0, :, 0], [0.98] * 3
    )  # a miss (up 0.09) and a hit (down 0.01), on every step


def test_series_are_tracked_apart_and_levels_stay_finite():
    tracker = online.Tracker(_linear_grid(), level=0.9, coverage=0.9, step=0.5)
    series = np.array([0, 0, 0, 1])
    scores = np.array([100.0, 100.0, 100.0, 0.0])[:, None, None]
    reached = tracker.thresholds(series, np.array([0, 1, 2, 50]), scores)[:, 0, 0]
    assert reached[2] == 10.0  # misses push the level to the largest calibration score, never beyond
    assert reached[3] == 9.0  # another series starts at the calibrated level
    assert (
        np.isfinite(tracker.reached(3)).all() and tracker.final(3)[2, 0, 0] == 0.9
    )  # a series never scored keeps it


def test_online_coverage_holds_where_the_noise_doubles():
    """Calibrated on noise of sd 1, scored on 2,000 windows of sd 2: the calibrated level covers
    about 59%, the online one the 90% asked, as adaptive conformal inference promises."""
    rng = np.random.default_rng(0)
    calibration = np.sort(np.abs(rng.normal(0, 1, 1000)))
    grid = calibration[np.round(np.linspace(0, 1, intervals.LEVELS) * 999).astype(int)][:, None, None]
    level = (np.ceil(1001 * 0.9) - 1) / 999
    scores = np.abs(rng.normal(0, 2, 2000))[:, None, None]
    fixed = online.Tracker(grid, level, 0.9, 0.0).thresholds(
        np.zeros(2000, dtype=int), np.arange(2000), scores
    )
    moving = online.Tracker(grid, level, 0.9, 0.05).thresholds(
        np.zeros(2000, dtype=int), np.arange(2000), scores
    )
    assert (scores <= fixed).mean() == pytest.approx(
        math.erf(fixed[0, 0, 0] / (2 * math.sqrt(2))), abs=0.025
    )  # about 0.59
    assert (scores <= moving).mean() == pytest.approx(0.9, abs=0.015)


@pytest.fixture(scope="module")
def shifted_run(tmp_path_factory):
    """A daily sine whose noise grows by 60% where the test part begins, trained with online intervals."""
    tmp = tmp_path_factory.mktemp("shifted")
    rng, t = np.random.default_rng(5), np.arange(3000)
    noise = np.where(
        t < 2700, rng.normal(0, 1, len(t)), rng.normal(0, 1.6, len(t))
    )  # the last 10%: the test part
    csv = write_values(tmp / "shifted.csv", 10 + 5 * np.sin(2 * np.pi * t / 7) + noise)
    cfg = config.load(
        write_config(tmp / "c.yaml", csv, tmp / "runs", predict={"online_step": 0.05, "intervals": "fixed"}),
        ["train.epochs=4", "model.hidden_size=16", "train.batch_size=64"],
    )
    return train_run(cfg).run_dir


def test_evaluate_updates_the_intervals_through_the_test_part(shifted_run):
    iv = evaluate.evaluate(shifted_run).metrics["intervals"]
    assert iv["online_step"] == 0.05
    trained = open_trained(shifted_run)
    calibrated = scoring.score_with(
        trained.model, trained.prepare(), "test", trained.calibration, 0.9
    ).metrics["intervals"]
    assert (
        calibrated["online_step"] == 0.0 and calibrated["coverage"] < 0.82
    )  # the noisier test part, calibrated on the calm one
    assert iv["coverage"] == pytest.approx(0.9, abs=0.03)  # 300 windows: the level caught up with the misses


def test_predict_draws_at_the_level_the_test_part_reached(shifted_run):
    trained = open_trained(shifted_run)
    widths = intervals.widths(trained.calibration, 0.9, trained.online_step)
    reached = scoring.reached(trained.model, trained.prepare(), "test", widths)[0, 0, 0]
    frame = predict.predict(shifted_run).frame
    scale = float(trained.payload["scaler"]["scale"][0, 0])
    assert reached > widths.half[0, 0].item()  # the misses of the noisier stretch raised it
    np.testing.assert_allclose((frame["y_upper"] - frame["y"]).iloc[0], reached * scale, rtol=1e-5)


def test_a_wrong_online_step_is_refused(tmp_path, cli):
    from helpers import write_csv

    path = write_config(tmp_path / "c.yaml", write_csv(tmp_path / "d.csv"), tmp_path / "runs")
    result = cli("check", str(path), "predict.online_step=1.5")
    assert result.code == 2 and "predict.online_step" in result.err and "e.g. 0.02" in result.err


def test_a_refit_model_keeps_the_calibrated_intervals_and_says_so(tmp_path):
    from helpers import write_csv

    path = write_config(
        tmp_path / "c.yaml",
        write_csv(tmp_path / "d.csv", n=400),
        tmp_path / "runs",
        predict={"online_step": 0.02},
    )
    run = train_run(config.load(path, ["train.refit=true", "train.epochs=2"])).run_dir
    result = predict.predict(run)
    assert any("not updated online: the refit model has trained on the rows" in note for note in result.notes)
    assert result.frame["y_upper"].notna().all()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    scores=st.lists(st.floats(0.01, 10.0), min_size=1, max_size=300),
    step=st.floats(0.005, 0.5),
    level=st.floats(0.5, 0.99),
    coverage=st.floats(0.5, 0.99),
)
def test_the_long_run_miss_rate_is_within_the_bound_of_adaptive_conformal_inference(
    scores, step, level, coverage
):
    """Any sequence of scores within the calibration's range, one step ahead: after T windows the
    share missed is within (max(a1, 1 - a1) + step) / (step T) of 1 - coverage (Gibbs and Candes,
    2021, proposition 4.1), a1 = 1 - the calibrated level."""
    tracker = online.Tracker(_linear_grid(), level, coverage, step)
    found = np.array(scores)[:, None, None]
    missed = found > tracker.thresholds(np.zeros(len(found), dtype=int), np.arange(len(found)), found)
    a1 = 1 - level
    assert abs(missed.mean() - (1 - coverage)) <= (max(a1, 1 - a1) + step) / (step * len(found)) + 1e-9
