"""Dataset, TensorDataset and DataLoader (PyTorch's names and arguments)."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..random import numpy_rng
from ..nn import _checks
from ..tensor import Tensor


class Dataset:
    """Anything with __getitem__(index) and __len__(); subclasses define both."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__ "
                                  "(subclasses of Dataset define __getitem__ and __len__)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ "
                                  "(subclasses of Dataset define __getitem__ and __len__)")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (or arrays), which share their first dimension."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = [t._array if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
        sizes = {a.shape[0] if a.ndim else None for a in arrays}
        if len(sizes) != 1 or None in sizes:
            raise ValueError(f"Size mismatch between tensors: first dimensions "
                             f"{[a.shape[0] if a.ndim else None for a in arrays]}")
        self.arrays = arrays

    def __getitem__(self, index: Any) -> tuple:
        return tuple(a[index] for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples (tuples of arrays or numbers) into batch tensors."""
    first = samples[0]
    if isinstance(first, tuple):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    return Tensor._make(np.stack([s._array if isinstance(s, Tensor) else np.asarray(s)
                                  for s in samples]))


class DataLoader:
    """Batches of a dataset, optionally shuffled (by minigrad's generator, or `generator`).

    A TensorDataset is batched by fancy indexing (no per-sample Python work); other datasets
    go through collate_fn (default: stack).
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: np.random.Generator | None = None) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader needs a dataset with __getitem__ and __len__, got "
                            f"{_checks.type_name(dataset)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        _checks.boolean("shuffle", shuffle)
        _checks.boolean("drop_last", drop_last)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable or None, got "
                            f"{_checks.type_name(collate_fn)}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"generator must be a numpy.random.Generator or None, got "
                            f"{_checks.type_name(generator)}")
        if len(dataset) == 0:
            raise ValueError("DataLoader got an empty dataset: there is nothing to iterate over")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.collate_fn, self.generator = drop_last, collate_fn, generator

    def __len__(self) -> int:
        count = len(self.dataset)
        return count // self.batch_size if self.drop_last else -(-count // self.batch_size)

    def _order(self) -> np.ndarray:
        count = len(self.dataset)
        if not self.shuffle:
            return np.arange(count)
        return (self.generator or numpy_rng()).permutation(count)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
                yield tuple(Tensor._make(a[index]) for a in self.dataset.arrays)
            else:
                yield (self.collate_fn or default_collate)([self.dataset[int(i)] for i in index])
