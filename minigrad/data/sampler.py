"""Samplers as in torch.utils.data: the order in which a DataLoader visits a dataset's indices.

A sampler is an iterable of indices with a length; BatchSampler groups another sampler's
indices into lists. Random samplers draw at iteration time, from their `generator` (a
minigrad.Generator, or a numpy.random.Generator) or else from minigrad's global generator, so
`mg.manual_seed(s)` before an epoch fixes its order.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence, Sized

import numpy as np

from ..nn import _checks
from ..random import Generator, numpy_rng


def numpy_generator(generator: Generator | np.random.Generator | None) -> np.random.Generator:
    """The NumPy generator behind generator (the global one for None)."""
    return generator if isinstance(generator, np.random.Generator) else numpy_rng(generator)


def check_generator(generator: Any) -> None:
    """TypeError unless generator is a minigrad.Generator, a numpy.random.Generator or None."""
    if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
        raise TypeError(f"generator must be a minigrad.Generator, a numpy.random.Generator or "
                        f"None, got {_checks.type_name(generator)}")


def check_boolean(name: str, value: Any) -> bool:
    """True or False, ValueError otherwise (PyTorch's message)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} should be a boolean value, but got {name}={value}")
    return value


def check_batch_size(batch_size: Any) -> int:
    """An int >= 1, ValueError otherwise (PyTorch's message)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size should be a positive integer value, but got "
                         f"batch_size={batch_size}")
    return batch_size


class Sampler:
    """Base class: subclasses define __iter__ (indices) and usually __len__."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, or num_samples indices drawn with replacement."""

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        check_generator(generator)
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if (isinstance(self.num_samples, bool) or not isinstance(self.num_samples, int)
                or self.num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        rng, count = numpy_generator(self.generator), len(self.data_source)
        if self.replacement:
            return iter(rng.integers(count, size=self.num_samples).tolist())
        # a sample larger than the dataset is whole permutations, then part of one more
        rounds = -(-self.num_samples // count)
        order = np.concatenate([rng.permutation(count) for _ in range(rounds)])
        return iter(order[:self.num_samples].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        check_generator(generator)
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        order = numpy_generator(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Lists of batch_size consecutive indices of sampler (the last one shorter unless
    drop_last)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        check_batch_size(batch_size)
        check_boolean("drop_last", drop_last)
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count = len(self.sampler)
        return count // self.batch_size if self.drop_last else -(-count // self.batch_size)
