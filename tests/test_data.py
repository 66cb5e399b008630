"""Datasets, random_split, samplers and DataLoader: PyTorch's torch.utils.data, and the toy data."""
import warnings
from collections import namedtuple

import numpy as np
import pytest

import minigrad as mg
import minigrad.utils.data
from minigrad.data import make_linear_regression, make_moons
from minigrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                                 SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                 default_collate, random_split)

Point = namedtuple("Point", "x label")


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def plain(value):
    """A structure of Python values that compares equal for a minigrad and a torch result:
    tensors as ("tensor", dtype name, shape, values), containers by kind."""
    if hasattr(value, "numpy") and hasattr(value, "dtype"):
        return ("tensor", str(value.dtype).rpartition(".")[2], tuple(value.shape),
                value.detach().numpy().tolist() if hasattr(value, "detach")
                else value.numpy().tolist())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [plain(item) for item in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(item) for item in value])
    return value


def both(torch, build):
    """build(lib, data module) for minigrad and for torch, as plain structures."""
    return plain(build(mg, mg.utils.data)), plain(build(torch, torch.utils.data))


def raised(call):
    try:
        call()
    except Exception as error:  # the type and the message are compared
        return type(error), str(error)
    return None


def test_the_data_package_has_pytorchs_import_path():
    assert mg.utils.data.DataLoader is mg.data.DataLoader is DataLoader
    assert minigrad.utils.data.random_split is mg.data.random_split


def test_tensor_dataset_checks_sizes():
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: first dim.* \[6, 5\]"):
        TensorDataset(np.arange(6), np.arange(5))


@pytest.mark.torch
@pytest.mark.parametrize("index", [2, -1, slice(1, 3), [0, 2]])
def test_tensor_dataset_items_are_tuples_of_tensors_as_in_pytorch(torch, index):
    x, y = np.arange(12.0, dtype=np.float32).reshape(6, 2), np.arange(6)
    ours, theirs = both(torch, lambda lib, data: data.TensorDataset(lib.tensor(x),
                                                                      lib.tensor(y))[index])
    assert ours == theirs and ours[0] == "tuple"


SAMPLE_BATCHES = {
    "floats": [1.5, 2.0], "ints": [1, 2], "bools": [True, False], "mixed ints": [1, True],
    "numpy float32": [np.float32(1), np.float32(2)], "numpy int64": [np.int64(3), np.int64(4)],
    "arrays": [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
    "float32 arrays": [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "tuples": [(1, 2.0), (3, 4.0)], "lists": [[1, 2.0], [3, 4.0]], "strings": ["x", "y"],
    "dicts": [{"a": 1, "b": np.zeros(2)}, {"a": 2, "b": np.ones(2)}],
    "namedtuples": [Point(np.zeros(2, np.float32), 0), Point(np.ones(2, np.float32), 1)],
    "nested": [({"x": [1.0, 2]}, "a"), ({"x": [3.0, 4]}, "b")],
}


@pytest.mark.torch
@pytest.mark.parametrize("name", SAMPLE_BATCHES)
def test_default_collate_matches_pytorch(torch, name):
    batch = SAMPLE_BATCHES[name]
    ours, theirs = both(torch, lambda lib, data: data.default_collate(batch))
    assert ours == theirs


@pytest.mark.torch
def test_default_collate_stacks_tensors_as_pytorch(torch):
    ours, theirs = both(torch, lambda lib, data: data.default_collate(
        [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])]))
    assert ours == theirs


@pytest.mark.torch
@pytest.mark.parametrize("batch", [[object(), object()], [[1, 2], [3]], [None, None],
                                   [np.array(["a"]), np.array(["b"])]])
def test_default_collate_refuses_what_pytorch_refuses(torch, batch):
    ours = raised(lambda: default_collate(batch))
    assert ours is not None and ours == raised(lambda: torch.utils.data.default_collate(batch))


class Squares(Dataset):
    """Samples of several kinds: a float32 array, a Python int and a dict."""

    def __getitem__(self, i):
        return np.full(2, i, np.float32), i * i, {"i": float(i)}

    def __len__(self):
        return 7


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true")  # PyTorch, no GPU
@pytest.mark.parametrize("options", [dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                     dict(batch_size=7), dict(batch_size=None),
                                     dict(batch_size=10, drop_last=True),
                                     dict(num_workers=2, batch_size=2, pin_memory=True)])
@pytest.mark.parametrize("dataset", ["tensors", "subset", "squares", "concat"])
def test_sequential_batches_and_lengths_match_pytorch(torch, options, dataset):
    def batches(lib, data):
        tensors = data.TensorDataset(lib.arange(14.0).reshape(7, 2), lib.arange(7))
        chosen = {"tensors": lambda: tensors, "squares": Squares,
                  "subset": lambda: data.Subset(tensors, [6, 0, 3, 3, 1]),
                  "concat": lambda: tensors + data.Subset(tensors, [2, 5])}[dataset]()
        loader = data.DataLoader(chosen, **options)
        return [len(loader), list(loader)]

    ours, theirs = both(torch, batches)
    assert ours == theirs


def test_the_tensor_fast_path_gives_the_batches_of_default_collate():
    rng = np.random.default_rng(0)
    data = Subset(TensorDataset(rng.standard_normal((20, 3)), rng.integers(0, 5, 20)),
                  rng.permutation(20)[:13].tolist())
    fast = list(DataLoader(data, batch_size=4))
    per_sample = list(DataLoader(data, batch_size=4, collate_fn=lambda b: default_collate(b)))
    assert plain(fast) == plain(per_sample)


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_shuffled_epochs_visit_every_sample_once_in_a_new_order(drop_last, sizes):
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4, shuffle=True,
                        drop_last=drop_last)
    epochs = [np.concatenate([b[0].numpy() for b in loader]) for _ in range(3)]
    assert [len(b[0]) for b in loader] == sizes == [4] * (len(sizes) - 1) + [sizes[-1]]
    for seen in epochs:
        assert len(set(seen.tolist())) == len(seen)
        assert drop_last or sorted(seen) == list(range(10))
    assert len({tuple(e) for e in epochs}) > 1  # 3 epochs of 10! orders: not all the same


@pytest.mark.parametrize("generator", [lambda s: mg.Generator().manual_seed(s),
                                       lambda s: np.random.default_rng(s), None])
def test_shuffling_repeats_for_a_seeded_generator_and_for_the_global_seed(generator):
    def order(seed):
        if generator is None:
            mg.manual_seed(seed)
        loader = DataLoader(Squares(), batch_size=3, shuffle=True,
                            generator=generator(seed) if generator else None)
        return [b[1].numpy().tolist() for b in loader]

    first = order(5)
    assert first == order(5) and sorted(sum(first, [])) == [i * i for i in range(7)]


def test_worker_processes_give_the_batches_of_the_main_process():
    data = TensorDataset(np.arange(50.0))
    by_workers = [DataLoader(data, batch_size=8, shuffle=True, num_workers=workers,
                             persistent_workers=workers > 0,
                             generator=mg.Generator().manual_seed(1)) for workers in (0, 3)]
    assert plain(list(by_workers[0])) == plain(list(by_workers[1]))


DATA_LOADER_ERRORS = {
    "sampler and shuffle": dict(sampler=[0, 1], shuffle=True),
    "batch_sampler and batch_size": dict(batch_sampler=[[0, 1]], batch_size=2),
    "batch_sampler and drop_last": dict(batch_sampler=[[0, 1]], drop_last=True),
    "no batching and drop_last": dict(batch_size=None, drop_last=True),
    "negative workers": dict(num_workers=-1), "negative timeout": dict(timeout=-1),
    "prefetch without workers": dict(prefetch_factor=2),
    "negative prefetch": dict(num_workers=1, prefetch_factor=-1),
    "persistent without workers": dict(persistent_workers=True),
    "batch_size 0": dict(batch_size=0), "drop_last str": dict(drop_last="yes"),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", DATA_LOADER_ERRORS)
def test_data_loader_refuses_what_pytorch_refuses_with_its_message(torch, name):
    options = DATA_LOADER_ERRORS[name]
    ours = raised(lambda: DataLoader(TensorDataset(np.zeros(4)), **options))
    theirs = raised(lambda: torch.utils.data.DataLoader(torch.utils.data.TensorDataset(
        torch.zeros(4)), **options))
    assert ours is not None and ours == theirs


@pytest.mark.torch
def test_an_empty_dataset_gives_no_batches_and_cannot_be_shuffled(torch):
    assert list(DataLoader(TensorDataset(np.zeros((0, 2))))) == []
    ours = raised(lambda: DataLoader(TensorDataset(np.zeros((0, 2))), shuffle=True))
    assert ours == raised(lambda: torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.zeros(0, 2)), shuffle=True))


def test_bad_loader_arguments_name_what_was_wrong():
    with pytest.raises(TypeError, match="numpy.random.Generator or None, got int"):
        DataLoader(TensorDataset(np.zeros(3)), generator=3)
    with pytest.raises(TypeError, match="worker_init_fn must be callable"):
        DataLoader(TensorDataset(np.zeros(3)), num_workers=1, worker_init_fn=3)
    with pytest.raises(TypeError, match="num_workers must be an int, got float"):
        DataLoader(TensorDataset(np.zeros(3)), num_workers=1.5)


@pytest.mark.torch
@pytest.mark.parametrize("size", [0, 1, 2, 5, 10, 11, 97])
@pytest.mark.parametrize("lengths", [[0.3, 0.3, 0.4], [0.5, 0.5], [0.1] * 10, [1 / 3] * 3,
                                     [0.9, 0.1], [1.0]])
def test_random_split_rounds_fractions_and_warns_as_pytorch(torch, size, lengths):
    def split(lib, data):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts = data.random_split(range(size), lengths)
        return [len(p) for p in parts], [str(w.message) for w in caught]

    ours, theirs = both(torch, split)
    assert ours == theirs


@pytest.mark.torch
@pytest.mark.parametrize("lengths", [[1.5, -0.5], [0.5, 0.4], [3, 4], [7, 0]])
def test_random_split_refuses_what_pytorch_refuses(torch, lengths):
    ours = raised(lambda: random_split(range(6), lengths))
    theirs = raised(lambda: torch.utils.data.random_split(range(6), lengths))
    assert ours is not None and ours == theirs


def test_random_split_partitions_the_dataset_repeatably_by_generator():
    splits = [random_split(range(23), [0.6, 0.4], generator=mg.Generator().manual_seed(7))
              for _ in range(2)]
    assert [s.indices for s in splits[0]] == [s.indices for s in splits[1]]
    train, test = splits[0]
    assert train.dataset == range(23) and sorted(train.indices + test.indices) == list(range(23))
    assert [train[i] for i in range(len(train))] == train.indices


@pytest.mark.torch
def test_concat_and_subset_index_as_pytorch(torch):
    def items(lib, data):
        both_parts = data.ConcatDataset([range(3), range(10, 12)])
        subset = data.Subset(data.TensorDataset(lib.arange(10)), [3, 1, 4])
        return ([both_parts[i] for i in range(-5, 5)], subset[[0, 2]], subset[1],
                raised(lambda: both_parts[-6]), raised(lambda: data.ConcatDataset([])),
                type(data.TensorDataset(lib.zeros(2)) + subset).__name__)

    ours, theirs = both(torch, items)
    assert ours == theirs


@pytest.mark.torch
def test_samplers_match_pytorch(torch):
    def samples(lib, data):
        return (list(data.BatchSampler(data.SequentialSampler(range(7)), 3, False)),
                list(data.BatchSampler(range(7), 3, True)), len(data.BatchSampler(range(7), 3,
                                                                                  False)),
                len(data.RandomSampler(range(5), replacement=True, num_samples=12)),
                len(list(data.RandomSampler(range(5), num_samples=12))),
                raised(lambda: data.RandomSampler(range(5), replacement=1)))

    ours, theirs = both(torch, samples)
    assert ours == theirs


def test_random_samplers_draw_permutations_and_indices_in_range():
    mg.manual_seed(0)
    assert sorted(RandomSampler(range(9))) == list(range(9))
    twice = list(RandomSampler(range(4), num_samples=8))
    assert sorted(twice[:4]) == sorted(twice[4:]) == [0, 1, 2, 3]
    assert set(RandomSampler(range(3), replacement=True, num_samples=50)) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 9, 2])) == [2, 5, 9]
    loader = DataLoader(TensorDataset(np.arange(6)), batch_sampler=BatchSampler(
        SequentialSampler(range(6)), 4, False))
    assert [b[0].numpy().tolist() for b in loader] == [[0, 1, 2, 3], [4, 5]] and len(loader) == 2


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
