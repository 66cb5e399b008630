"""Building tensors from data or a shape: `tensor`, `as_tensor`, `zeros`, `ones`, `empty`, `full`,
`eye`, `arange`, `linspace`, `logspace`, the `*_like` and `Tensor.new_*` forms. Random tensors are
in minigrad/sampling.py, `meshgrid` (made of ops) in minigrad/ops/grid.py, and what
`minigrad.Tensor(...)` builds in tensor.py.

dtype rules follow PyTorch: Python floats become the default float dtype (float32 unless
`set_default_dtype` changed it), Python ints int64, bools bool; an ndarray, a NumPy scalar or a
tensor keeps its dtype. Every function takes `device=` (only the CPU exists, see device.py).
"""
from __future__ import annotations

import warnings
import math
from typing import Any, Sequence

import numpy as np

from ._shapes import checked_shape, is_int, shape_of
from .device import check as check_device
from .dtypes import default_float, int64
from .tensor import Tensor, inferred_array


# ------------------------------------------------------------------------------- from data

def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array).requires_grad_(True) if requires_grad else Tensor._make(array)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of data (torch.tensor)."""
    check_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone()", UserWarning, stacklevel=2)
    array = inferred_array(data, dtype)
    array = array.astype(dtype or array.dtype, copy=True)
    return _new(array, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor, sharing its memory when it is an ndarray or a tensor of that dtype
    (torch.as_tensor): a tensor of the same dtype is returned itself."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data._array.dtype == dtype else data.to(dtype)
    array = inferred_array(data)
    return Tensor._make(array if dtype is None else array.astype(dtype, copy=False))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with array (as torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(array)


# ------------------------------------------------------------------------------- from a shape

def float_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of a `dtype=` argument; None means the default float dtype."""
    return default_float() if dtype is None else np.dtype(dtype)


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Zeros of the given shape: zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    check_device(device)
    return _new(np.zeros(shape_of(sizes, size, "zeros"), float_dtype(dtype)), requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Ones of the given shape (the forms of zeros)."""
    check_device(device)
    return _new(np.ones(shape_of(sizes, size, "ones"), float_dtype(dtype)), requires_grad)


def empty(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of the given shape (the forms of zeros)."""
    check_device(device)
    return _new(np.empty(shape_of(sizes, size, "empty"), float_dtype(dtype)), requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape size filled with fill_value, of fill_value's dtype unless dtype says."""
    check_device(device)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    dtype = inferred_array(fill_value).dtype if dtype is None else np.dtype(dtype)
    return _new(np.full(checked_shape(size, "full"), fill_value, dtype), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    check_device(device)
    m = n if m is None else m
    for name, value in (("n", n), ("m", m)):
        if not is_int(value):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(value).__name__}")
        if value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    return _new(np.eye(n, m, dtype=float_dtype(dtype)), requires_grad)


# ------------------------------------------------------------------------------- ranges

def _number(value: Any) -> Any:
    """A bound of a range: a Python number (0-d tensors and NumPy scalars unwrapped)."""
    return value.item() if isinstance(value, (Tensor, np.ndarray, np.generic)) else value


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from start to end (exclusive) by step; int64 for integer bounds, else the default
    float dtype (values computed in float64, then cast, as PyTorch does)."""
    check_device(device)
    if end is None:
        start, end = 0, start
    bounds = [_number(v) for v in (start, end, step)]
    start, end, step = bounds
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = int64.dtype if all(is_int(v) for v in bounds) else default_float()
    if all(is_int(v) for v in bounds):
        return _new(np.arange(start, end, step).astype(dtype), requires_grad)
    count = math.ceil((end - start) / step)
    values = _fused_multiply_add(np.arange(count, dtype=np.float64), float(step), float(start))
    return _new(values.astype(dtype), requires_grad)


def _fused_multiply_add(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """a * b + c rounded once, as PyTorch's arange computes start + i * step (a fused multiply-add
    on x86-64: arange(-8., 8., 0.1)[80] is 4.4e-16 there, 0 rounded twice, so relu'(x) is 1).
    Dekker's exact product p + e = a * b and Knuth's exact sum s + t = p + c, then one rounding
    of s + (t + e)."""
    def halves(x: Any) -> tuple:  # x = high + low, each with at most 26 significant bits
        scaled = 134217729.0 * x  # 2^27 + 1
        high = scaled - (scaled - x)
        return high, x - high

    p = a * b
    (a_high, a_low), (b_high, b_low) = halves(a), halves(b)
    e = ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
    s = p + c
    s_minus_p = s - p
    t = (p - (s - s_minus_p)) + (c - s_minus_p)
    return s + (t + e)


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """steps values evenly spaced from start to end, both included, computed as PyTorch does:
    the first half counted up from start, the second half counted down from end."""
    check_device(device)
    return _new(_spaced(_number(start), _number(end), steps, float_dtype(dtype)), requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    check_device(device)
    dtype = float_dtype(dtype)
    exponents = _spaced(_number(start), _number(end), steps, np.dtype(np.float64))
    return _new((float(base) ** exponents).astype(dtype), requires_grad)


def _spaced(start: float, end: float, steps: int, dtype: np.dtype) -> np.ndarray:
    if not is_int(steps):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 1:
        return np.full(1, start, dtype)
    # float dtypes compute in their own precision (PyTorch's numbers); integers in float64
    work = dtype if dtype.kind == "f" else np.dtype(np.float64)
    index = np.arange(steps, dtype=work)
    step = (work.type(end) - work.type(start)) / work.type(max(steps - 1, 1))
    from_start = work.type(start) + step * index
    from_end = work.type(end) - step * (work.type(steps - 1) - index)
    values = np.where(index < steps // 2, from_start, from_end)
    return values.astype(dtype)


# ------------------------------------------------------------------------------- like another

def _check_tensor(input: Any, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "zeros_like")
    return zeros(input.shape, dtype=dtype or input._array.dtype, device=device,
                 requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "ones_like")
    return ones(input.shape, dtype=dtype or input._array.dtype, device=device,
                requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "empty_like")
    return empty(input.shape, dtype=dtype or input._array.dtype, device=device,
                 requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "full_like")
    return full(input.shape, fill_value, dtype=dtype or input._array.dtype, device=device,
                requires_grad=requires_grad)
