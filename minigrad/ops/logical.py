"""Boolean and bitwise ops, outside the graph: the operators & | ^ ~ (bitwise, on bool and
integer tensors), logical_and / or / xor / not (any dtype, bool result), all / any, and the
comparisons of whole tensors: isclose, allclose, equal.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import accepts_numpy_names, normalize_dims, tensor_input
from .elementwise import result_dtype


def _array(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


def _bitwise(ufunc: np.ufunc, name: str, input: Any, other: Any) -> Tensor:
    """ufunc of bool / integer operands in their promoted dtype (PyTorch: a float is an error)."""
    dtype = result_dtype(input, other)
    if dtype.kind not in "biu":
        raise NotImplementedError(f'"{name}_cpu" not implemented for {dtype}: bitwise operators '
                                  "take bool or integer tensors")
    a, b = (np.asarray(_array(x)).astype(dtype, copy=False) for x in (input, other))
    return Tensor._make(np.asarray(ufunc(a, b)))


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_and, "bitwise_and", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_or, "bitwise_or", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_xor, "bitwise_xor", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    if input._array.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        f"tensors, got {input.dtype}")
    return Tensor._make(np.invert(input._array))


def logical_and(input: Tensor, other: Any) -> Tensor:
    return Tensor._make(np.asarray(np.logical_and(input._array, _array(other))))


def logical_or(input: Tensor, other: Any) -> Tensor:
    return Tensor._make(np.asarray(np.logical_or(input._array, _array(other))))


def logical_xor(input: Tensor, other: Any) -> Tensor:
    return Tensor._make(np.asarray(np.logical_xor(input._array, _array(other))))


def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.asarray(np.logical_not(input._array)))


@accepts_numpy_names
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along dim) is nonzero, as a bool tensor."""
    dims = normalize_dims(dim, input.ndim)
    return Tensor._make(np.asarray(np.all(input._array, axis=dims, keepdims=keepdim)))


@accepts_numpy_names
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether some element (along dim) is nonzero, as a bool tensor."""
    dims = normalize_dims(dim, input.ndim)
    return Tensor._make(np.asarray(np.any(input._array, axis=dims, keepdims=keepdim)))


def _same_dtype(function: str, input: Tensor, other: Any) -> None:
    tensor_input(function, other, "other", 2)
    if input._array.dtype != other._array.dtype:
        raise RuntimeError(f"{function}(): {input.dtype} did not match {other.dtype}; both "
                           "tensors must have one dtype")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol |other| elementwise, as a bool tensor."""
    _same_dtype("isclose", input, other)
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        if not tolerance >= 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got "
                               f"{tolerance}")
    close = np.isclose(input._array, other._array, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor._make(np.asarray(close))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether isclose holds for every element (the shapes broadcast)."""
    return builtins.bool(np.all(isclose(input, other, rtol, atol, equal_nan)._array))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values."""
    tensor_input("equal", other, "other", 2)
    return builtins.bool(input.shape == other.shape and
                         np.array_equal(input._array, other._array))
