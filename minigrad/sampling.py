"""Random tensors (PyTorch's "random sampling" functions): `rand`, `randn`, `randint`,
`randperm`, `normal` and their `*_like` forms, each drawing from `generator=` or the global
generator (minigrad/random.py), with the creation functions' rules for shapes, `dtype=` and
`device=` (creation.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._shapes import broadcast_shape, is_int, shape_of
from .creation import float_dtype
from .device import check as check_device
from .ops.elementwise import result_dtype
from .random import Generator, numpy_rng
from .tensor import Tensor


def _float_dtype(dtype: Any, kernel: str) -> np.dtype:
    """A floating dtype for uniform or normal samples (PyTorch has no integer kernel for them)."""
    numpy_dtype = float_dtype(dtype)
    if numpy_dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for {numpy_dtype}: '
                                  "expected a floating-point dtype")
    return numpy_dtype


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array).requires_grad_(True) if requires_grad else Tensor._make(array)


def rand(*sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1)."""

    check_device(device)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    array = numpy_rng(generator).random(shape_of(sizes, size, "rand"), dtype=_sampled(dtype))
    return _leaf(array.astype(dtype, copy=False), requires_grad)


def randn(*sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""

    check_device(device)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    shape = shape_of(sizes, size, "randn")
    array = numpy_rng(generator).standard_normal(shape, dtype=_sampled(dtype))
    return _leaf(array.astype(dtype, copy=False), requires_grad)


def _sampled(dtype: np.dtype) -> np.dtype:
    """NumPy samples float32 and float64 only; float16 is drawn in float32 and rounded."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def randint(low: int = 0, high: Any = None, size: Any = None, *,
            generator: Generator | None = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high, size),
    by position or keyword; int64 unless dtype says."""

    check_device(device)
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if not (is_int(low) and is_int(high)) or not isinstance(size, (tuple, list)):
        raise TypeError("randint() expects (high, size) or (low, high, size) with int bounds and "
                        f"a tuple of ints, got low={low!r}, high={high!r}, size={size!r}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    _check_range(low, high, dtype)
    shape = shape_of((), size, "randint")
    return _leaf(numpy_rng(generator).integers(low, high, shape).astype(dtype), requires_grad)


def _check_range(low: int, high: int, dtype: np.dtype) -> None:
    """[low, high) must fit the dtype (torch: 'to - 1 is out of bounds for unsigned char')."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if low < info.min or high - 1 > info.max:
            raise RuntimeError(f"randint: [{low}, {high}) is out of bounds for {dtype} "
                               f"([{info.min}, {info.max}])")


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless dtype says)."""

    check_device(device)
    if not is_int(n):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    return _leaf(numpy_rng(generator).permutation(n).astype(dtype), requires_grad)


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std^2): normal(mean, std, size) with numbers, or elementwise over tensor
    means and/or standard deviations (broadcast; then size and dtype are not taken).

    As in PyTorch, the samples carry no gradient to mean and std (torch records a zero one)."""
    check_device(device)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(mean, std) with numbers needs size=, e.g. normal(0, 1, (2,))")
        _check_std(std)
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        noise = numpy_rng(generator).standard_normal(shape_of((), size, "normal"))
        return _leaf((mean + std * noise).astype(dtype), requires_grad)
    if size is not None or dtype is not None:
        raise TypeError("normal() with a tensor mean or std takes no size or dtype: the result "
                        "has their broadcast shape and dtype")
    for t in tensors:
        if t._array.dtype.kind != "f":
            raise NotImplementedError(f'"normal_kernel_cpu" not implemented for '
                                      f"{t._array.dtype}: mean and std must be floating point")
    dtype = result_dtype(mean, std)
    means, stds = (np.asarray(v._array if isinstance(v, Tensor) else v) for v in (mean, std))
    _check_std(stds)
    shape = broadcast_shape(means.shape, stds.shape)
    noise = numpy_rng(generator).standard_normal(shape)
    return _leaf((means + stds * noise).astype(dtype), requires_grad)


def _check_std(std: Any) -> None:
    if np.ndim(std) == 0 and not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if np.ndim(std) > 0 and not np.all(std >= 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(input.shape, generator=generator, dtype=dtype or input._array.dtype,
                device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,
               device: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(input.shape, generator=generator, dtype=dtype or input._array.dtype,
                 device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,
                 generator: Generator | None = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """randint_like(input, high) or randint_like(input, low, high), in input's dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator,
                   dtype=dtype or input._array.dtype, device=device,
                   requires_grad=requires_grad)
