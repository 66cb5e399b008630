"""DataLoader as in torch.utils.data: a dataset's samples in batches.

The loader asks its batch sampler (by default BatchSampler over a SequentialSampler, or over a
RandomSampler when shuffle=True) for lists of indices, fetches those samples and collates them
(default_collate). Rows of a TensorDataset, or of Subsets of one, are fetched by one fancy index
per tensor instead of one Python call per sample; the batches are the same.

Loading happens in the main process. num_workers > 0 is accepted (PyTorch programs set it) and
gives exactly the batches of num_workers=0: there are no worker processes, so worker_init_fn is
never called and get_worker_info() is None. pin_memory, pin_memory_device, timeout,
prefetch_factor, persistent_workers, multiprocessing_context and in_order are validated as
PyTorch does and have no effect on the CPU.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ..nn import _checks
from .collate import default_collate, default_convert
from .dataset import Subset, TensorDataset
from .sampler import (BatchSampler, RandomSampler, SequentialSampler, check_batch_size,
                      check_boolean, check_generator)


def get_worker_info() -> None:
    """None: data is always loaded in the main process (see the module docstring)."""
    return None


def _check_worker_options(num_workers: Any, timeout: Any, prefetch_factor: Any,
                          persistent_workers: Any, worker_init_fn: Any) -> None:
    """PyTorch's checks of the multiprocessing options, with its messages."""
    if _checks.integer("num_workers", num_workers) < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if _checks.number("timeout", timeout) < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if prefetch_factor is not None and _checks.integer("prefetch_factor", prefetch_factor) < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if worker_init_fn is not None and not callable(worker_init_fn):
        raise TypeError(f"worker_init_fn must be callable or None, got "
                        f"{_checks.type_name(worker_init_fn)}")


def _check_sampling_options(batch_size: Any, shuffle: bool, sampler: Any, batch_sampler: Any,
                            drop_last: bool) -> None:
    """The combinations PyTorch refuses, with its messages."""
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
    elif batch_size is None:
        if drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
    else:
        check_batch_size(batch_size)


def _tensor_rows(dataset: Any, indices: list[int]) -> list | None:
    """The batch of these rows if dataset is a TensorDataset (or a Subset of one), else None."""
    while type(dataset) is Subset:  # a subclass may redefine __getitem__
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:  # a subclass may redefine __getitem__
        return None
    rows = np.asarray(indices, dtype=np.int64)
    return [t[rows] for t in dataset.tensors]


class DataLoader:
    """Batches of a dataset (torch.utils.data.DataLoader, with its arguments and defaults)."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable | None = None, batch_sampler: Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 generator: Any = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader needs a dataset with __getitem__ and __len__, got "
                            f"{_checks.type_name(dataset)}")
        shuffle = False if shuffle is None else check_boolean("shuffle", shuffle)
        check_boolean("drop_last", drop_last)
        _check_sampling_options(batch_size, shuffle, sampler, batch_sampler, drop_last)
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                              worker_init_fn)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable or None, got "
                            f"{_checks.type_name(collate_fn)}")
        check_generator(generator)
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.sampler, self.batch_sampler = dataset, sampler, batch_sampler
        self.batch_size = batch_size if batch_sampler is None else getattr(
            batch_sampler, "batch_size", None)
        self.drop_last = drop_last
        self.collate_fn = collate_fn or (default_convert if batch_sampler is None
                                         else default_collate)
        self.generator, self.num_workers, self.pin_memory = generator, num_workers, pin_memory
        self.timeout, self.worker_init_fn = timeout, worker_init_fn
        default_prefetch = 2 if num_workers > 0 else None  # batches per worker, as PyTorch
        self.prefetch_factor = default_prefetch if prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory_device, self.in_order = pin_memory_device, in_order

    def __len__(self) -> int:
        return len(self.sampler if self.batch_sampler is None else self.batch_sampler)

    def _batch(self, indices: list[int]) -> Any:
        if self.collate_fn is default_collate:
            rows = _tensor_rows(self.dataset, indices)
            if rows is not None:
                return rows
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.collate_fn(self.dataset.__getitems__(indices))
        return self.collate_fn([self.dataset[i] for i in indices])

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:  # batch_size=None: one converted sample at a time
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return (self._batch(list(indices)) for indices in self.batch_sampler)
