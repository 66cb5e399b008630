"""Datasets and DataLoader."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, TensorDataset, make_linear_regression, make_moons


def test_tensor_dataset_checks_sizes_and_indexes_rows():
    x, y = np.arange(12).reshape(6, 2), np.arange(6)
    data = TensorDataset(mg.tensor(x), y)
    assert len(data) == 6 and data[2][1] == 2
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: first dimensions \[6, 5\]"):
        TensorDataset(x, np.arange(5))


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_loader_batches_every_sample_once(drop_last, sizes):
    x = np.arange(10)
    loader = DataLoader(TensorDataset(x), batch_size=4, shuffle=True, drop_last=drop_last,
                        generator=np.random.default_rng(0))
    batches = [b[0].data for b in loader]
    assert [len(b) for b in batches] == sizes and len(loader) == len(sizes)
    seen = np.concatenate(batches)
    assert len(set(seen.tolist())) == len(seen) and (drop_last or sorted(seen) == list(x))
    assert not np.array_equal(seen, np.arange(len(seen)))  # shuffled


def test_shuffling_follows_minigrad_seed_and_plain_datasets_use_collate():
    class Squares(mg.data.Dataset):
        def __getitem__(self, i):
            return np.float32(i), np.int64(i * i)

        def __len__(self):
            return 5

    mg.manual_seed(3)
    first = [b[1].data.tolist() for b in DataLoader(Squares(), batch_size=2, shuffle=True)]
    mg.manual_seed(3)
    again = [b[1].data.tolist() for b in DataLoader(Squares(), batch_size=2, shuffle=True)]
    assert first == again and sorted(sum(first, [])) == [0, 1, 4, 9, 16]


def test_empty_datasets_and_bad_batch_sizes_raise():
    with pytest.raises(ValueError, match="empty dataset"):
        DataLoader(TensorDataset(np.zeros((0, 2))))
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(TensorDataset(np.zeros((3, 2))), batch_size=0)


def test_moons_lie_on_two_half_circles_and_regression_toy_recovers_its_line():
    x, y = make_moons(200, shuffle=False)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    noisy, _ = make_moons(200, noise=0.1, seed=0, shuffle=False)
    assert (noisy - x).std() == pytest.approx(0.1, rel=0.2)
    shuffled, labels = make_moons(200, seed=0)
    assert set(map(tuple, shuffled.round(12))) == set(map(tuple, x.round(12)))
    assert 0.4 < labels[:100].mean() < 0.6
    xs, ys = make_linear_regression(2000, weight=2.0, bias=1.0, noise=0.1, seed=0)
    (w, b), *_ = np.linalg.lstsq(np.hstack([xs, np.ones_like(xs)]), ys[:, 0], rcond=None)
    assert w == pytest.approx(2.0, abs=0.02) and b == pytest.approx(1.0, abs=0.01)
