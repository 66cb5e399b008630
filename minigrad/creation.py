"""Building tensors: `tensor`, `zeros`, `ones`, `full`, `empty`, `arange`, `rand`, `randn`, `*_like`.

dtype rules follow PyTorch: Python floats become the default float dtype (float32 unless
`set_default_dtype` changed it), Python ints int64, bools bool; an ndarray keeps its dtype.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .random import numpy_rng
from .tensor import Tensor

from .dtypes import default_float, int64


def as_array(data: Any, dtype: Any) -> np.ndarray:
    """data as an ndarray following PyTorch's dtype inference (copying only when needed)."""
    if isinstance(data, Tensor):
        data = data._array
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    if isinstance(data, np.ndarray):
        array = data
    else:
        array = np.array(data)
        if array.dtype == np.float64:  # Python floats take the default float dtype
            array = array.astype(default_float())
    if array.dtype.kind not in "biuf":
        raise TypeError(f"can't convert data of dtype {array.dtype} to a tensor; "
                        "expected numbers or booleans")
    return array


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of data."""
    array = as_array(data, dtype)
    if array is data or (isinstance(data, Tensor) and array is data._array):
        array = array.copy()
    return Tensor._make(array).requires_grad_(requires_grad) if requires_grad else Tensor._make(array)


def _sizes(size: Sequence[Any]) -> tuple:
    """zeros(2, 3) and zeros((2, 3)) both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array).requires_grad_(requires_grad) if requires_grad else Tensor._make(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_sizes(size), dtype or default_float()), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_sizes(size), dtype or default_float()), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.empty(_sizes(size), dtype or default_float()), requires_grad)


def full(size: Sequence[int], fill_value: Any, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = as_array(fill_value, None).dtype
    return _new(np.full(tuple(size), fill_value, dtype), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from start to end (exclusive); int64 for integer bounds, else the default float."""
    if end is None:
        start, end = 0, start
    any_float = any(isinstance(v, float) for v in (start, end, step))
    dtype = dtype or (default_float() if any_float else int64)
    return _new(np.arange(start, end, step).astype(dtype), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples from minigrad's seeded generator."""
    dtype = np.dtype(dtype or default_float())
    return _new(numpy_rng().random(_sizes(size), dtype=dtype), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from minigrad's seeded generator."""
    dtype = np.dtype(dtype or default_float())
    return _new(numpy_rng().standard_normal(_sizes(size), dtype=dtype), requires_grad)


def randint(low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = None) -> Tensor:
    if high is None:
        low, high = 0, low
    return Tensor._make(numpy_rng().integers(low, high, tuple(size)).astype(dtype or int64))


def randperm(n: int, dtype: Any = None) -> Tensor:
    return Tensor._make(numpy_rng().permutation(n).astype(dtype or int64))


def _like(fn: Any, other: Tensor, dtype: Any, requires_grad: bool) -> Tensor:
    return fn(*other._array.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(zeros, input, dtype, requires_grad)


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(ones, input, dtype, requires_grad)


def empty_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(empty, input, dtype, requires_grad)


def rand_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(rand, input, dtype, requires_grad)


def randn_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(randn, input, dtype, requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    return full(input.shape, fill_value, dtype or input.dtype, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with array (as torch.from_numpy)."""
    return Tensor._make(array)
