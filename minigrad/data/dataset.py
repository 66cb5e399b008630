"""Map-style datasets as in torch.utils.data: Dataset, TensorDataset, Subset, ConcatDataset and
random_split.

A dataset is anything with __getitem__(index) and __len__(); `dataset_a + dataset_b` is their
ConcatDataset. The random split draws its permutation from minigrad's generator (or `generator`).
"""
from __future__ import annotations

import bisect
import itertools
import math
import warnings
from typing import Any, Iterable, Sequence

import numpy as np

from ..nn import _checks
from ..random import Generator
from ..tensor import Tensor
from .sampler import numpy_generator


class Dataset:
    """Anything with __getitem__(index) and __len__(); subclasses define both."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__ "
                                  "(subclasses of Dataset define __getitem__ and __len__)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ "
                                  "(subclasses of Dataset define __getitem__ and __len__)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (or arrays), which share their first dimension;
    `dataset[i]` is the tuple `(t[i] for t in tensors)`, as in PyTorch."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(np.asarray(t))
                        for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if len(set(sizes)) != 1 or None in sizes:
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes}")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        # the first dataset whose cumulative size exceeds the index holds the sample
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _lengths_from_fractions(total: int, fractions: Sequence[float]) -> list[int]:
    """PyTorch's rounding: floor(total * fraction) each, then the remainder handed out one
    by one to the splits in order."""
    lengths = []
    for i, fraction in enumerate(fractions):
        if fraction < 0 or fraction > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths.append(math.floor(total * fraction))
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          "dataset.", stacklevel=3)
    return lengths


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split dataset into non-overlapping random Subsets of the given lengths, or of the given
    fractions of len(dataset) when they sum to 1 (torch.utils.data.random_split)."""
    for length in lengths:
        _checks.number("random_split: each length", length)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(len(dataset), lengths)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = numpy_generator(generator).permutation(len(dataset)).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, order[end - length:end]) for end, length in zip(ends, lengths)]
