import numpy as np
import pytest
import torch

from rnncli.data.scaling import Scaler
from rnncli.data.splits import check_length, split_rows
from rnncli.data.windows import Index, Layout, Windows
from rnncli.errors import RnnCliError


def test_split_rows_are_chronological_counts():
    assert split_rows(1461, 0.1, 0.1) == (1169, 146, 146)
    assert split_rows(100, 0.2, 0.1) == (70, 20, 10)


def test_too_short_series_says_how_many_rows_it_needs():
    with pytest.raises(RnnCliError) as err:
        check_length(40, lookback=30, horizon=7, val_fraction=0.1, test_fraction=0.1)
    message = str(err.value)
    assert "has 40 rows (train 32, val 4, test 4)" in message
    need = int(message.split("at least ")[1].split(" rows")[0])
    check_length(need, 30, 7, 0.1, 0.1)  # enough
    with pytest.raises(RnnCliError):
        check_length(need - 1, 30, 7, 0.1, 0.1)  # and it is the least that is enough


def test_windows_are_views_and_batches_hold_exact_rows():
    # 2 columns: target = row number, feature = 100 + row number
    rows = torch.stack([torch.arange(12.0), 100 + torch.arange(12.0)], dim=1)
    w = Windows(rows, lookback=3, horizon=2, n_targets=1, many_to_many=False)
    assert w.view.data_ptr() == rows.data_ptr() and w.view.shape == (8, 2, 5)  # unfold: no copy
    x, y, future = w.batch(torch.tensor([0, 4]))
    assert future is None
    assert x.tolist() == [[[0, 100], [1, 101], [2, 102]], [[4, 104], [5, 105], [6, 106]]]
    assert y.shape == (2, 2, 1) and y[..., 0].tolist() == [[3, 4], [7, 8]]


def test_many_to_many_targets_follow_every_step():
    rows = torch.arange(10.0)[:, None]
    w = Windows(rows, lookback=4, horizon=2, n_targets=1, many_to_many=True)
    x, y, _ = w.batch(torch.tensor([1]))
    assert x[0, :, 0].tolist() == [1, 2, 3, 4]
    assert y.shape == (1, 4, 2, 1)
    # step t (row 1+t) is followed by rows 2+t and 3+t
    assert y[0, :, :, 0].tolist() == [[2, 3], [3, 4], [4, 5], [5, 6]]


def test_layout_assigns_windows_to_splits_by_their_forecast_rows():
    # one series of 20 rows: train 14, val 3, test 3; lookback 4, horizon 2 (span 6)
    layout = Layout(offsets=[0, 20], parts=[(14, 3, 3)])
    train, val, test = (layout.index(s, 4, 2).all().tolist() for s in ("train", "val", "test"))
    assert train == list(range(0, 9))  # last train window's targets are rows 12, 13
    assert val == [10, 11]  # forecast rows 14-15 and 15-16 lie in val (rows 14..16)
    assert test == [13, 14]  # forecast rows 17-18 and 18-19
    assert layout.index("all", 4, 2).all().tolist() == list(range(15))


def test_layout_of_two_series_never_crosses_between_them():
    layout = Layout(offsets=[0, 10, 22], parts=[(6, 2, 2), (8, 2, 2)])
    starts = layout.index("train", 3, 1).all()
    assert starts.tolist() == [0, 1, 2, 10, 11, 12, 13, 14]
    assert layout.series_of(starts).tolist() == [0, 0, 0, 1, 1, 1, 1, 1]


def test_index_maps_positions_to_starts_across_ranges():
    index = Index(begins=[5, 100], counts=[3, 2])
    assert len(index) == 5
    assert index.starts(torch.tensor([4, 0, 3, 2])).tolist() == [101, 5, 100, 7]


def test_scaler_is_fitted_on_training_rows_only():
    train = np.array([[1.0, 5.0], [3.0, 5.0]])
    s = Scaler.fit("standard", [train])
    assert s.loc.tolist() == [[2.0, 5.0]]
    assert s.scale.tolist() == [[1.0, 1.0]]  # the constant column keeps scale 1
    np.testing.assert_allclose(s.transform(np.array([[5.0, 7.0]])), [[3.0, 2.0]])
    mm = Scaler.fit("minmax", [np.array([[2.0], [6.0]])])
    np.testing.assert_allclose(mm.transform(np.array([[4.0]])), [[0.5]])
    none = Scaler.fit("none", [train])
    np.testing.assert_allclose(none.transform(train), train)
    assert Scaler.from_dict(s.to_dict()).loc.tolist() == s.loc.tolist()
