"""default_collate and default_convert of torch.utils.data: samples into batch tensors.

default_collate stacks a list of samples along a new first dimension, recursing into their
structure: tensors and NumPy arrays are stacked (keeping their dtype), Python floats become a
float64 tensor, ints an int64 one (bools a bool one), strings stay a list; dicts are collated
per key, namedtuples per field, tuples and lists position by position into a list.
default_convert (batch_size=None) only turns arrays into tensors, one sample at a time.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..ops import stack
from ..tensor import Tensor

NOT_NUMERIC_KINDS = "SaUO"  # bytes, strings and Python objects: no tensor holds them


def _unsupported(found: Any) -> TypeError:
    return TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                     f"dicts or lists; found {found}")


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def default_collate(batch: Sequence[Any]) -> Any:
    """The batch of a list of samples (see the module docstring for the rules); strings come back
    as the sequence they came in, as in PyTorch."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if elem.dtype.kind in NOT_NUMERIC_KINDS:
            raise _unsupported(elem.dtype.str)
        return Tensor._make(np.stack(batch))
    if isinstance(elem, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_ if all(
            isinstance(b, bool) for b in batch) else np.int64))
    if isinstance(elem, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(position) for position in zip(*batch)]
    raise _unsupported(type(elem))


def default_convert(data: Any) -> Any:
    """data with its NumPy arrays (and NumPy scalars) as tensors, its tuples as lists."""
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        return data if data.dtype.kind in NOT_NUMERIC_KINDS else Tensor._make(np.asarray(data))
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(value) for value in data]
    return data
