"""dtypes as in PyTorch: `minigrad.float32` (printed `minigrad.float32`), the default float dtype,
and PyTorch's type promotion, the one place where every op's result dtype is decided.

A minigrad dtype wraps a NumPy dtype (its `.dtype` attribute), so NumPy accepts it wherever it
takes a dtype (`np.zeros(3, minigrad.float32)`), and it compares equal to that NumPy dtype.

Type promotion (PyTorch's rules, docs/dtypes.md): operands fall into three priority groups,
dimensioned tensors > 0-d tensors > Python and NumPy scalars, and into three categories,
bool < integer < floating. The result takes the dtype of the highest-priority group whose
category is the highest present; within a group dtypes promote as in NumPy. A scalar of a higher
category than every tensor contributes the default float dtype (a float) or int64 (an int):
`int_tensor * 2.5` is float32, `float32_tensor * np.float64(2)` stays float32.
"""
from __future__ import annotations

import builtins
import functools
from typing import Any

import numpy as np


class dtype:
    """A tensor element type: `minigrad.float32`, `minigrad.int64`, ... (torch.dtype)."""

    __slots__ = ("name", "dtype", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name: str, numpy_dtype: Any) -> None:
        self.name = name
        self.dtype = np.dtype(numpy_dtype)  # what NumPy reads when given this object as a dtype
        self.is_floating_point = self.dtype.kind == "f"
        self.is_signed = self.dtype.kind in "fi"
        self.itemsize = self.dtype.itemsize

    def __repr__(self) -> str:
        return f"minigrad.{self.name}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, dtype):
            return self is other
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __reduce__(self) -> str:
        return self.name  # pickled (multiprocessing, copy) as the module-level singleton


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)  # noqa: A001  (PyTorch's names shadow builtins here)
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)  # noqa: A001
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001

_BY_NUMPY = {d.dtype: d for d in (float16, float32, float64, int8, uint8, int16, int32, int64, bool)}


def from_numpy_dtype(numpy_dtype: np.dtype) -> dtype:
    """The minigrad dtype of an ndarray's dtype (TypeError for one minigrad has no name for)."""
    try:
        return _BY_NUMPY[numpy_dtype]
    except KeyError:
        raise TypeError(f"minigrad has no dtype for NumPy's {numpy_dtype}") from None


# PyTorch's names of the scalar types, as its messages and Tensor.type() strings spell them
SCALAR_TYPE_NAMES = {np.dtype(np.float16): "Half", np.dtype(np.float32): "Float",
                     np.dtype(np.float64): "Double", np.dtype(np.int8): "Char",
                     np.dtype(np.uint8): "Byte", np.dtype(np.int16): "Short",
                     np.dtype(np.int32): "Int", np.dtype(np.int64): "Long",
                     np.dtype(np.bool_): "Bool"}


# ------------------------------------------------------------------------------- default dtype

_default_float = float32


def set_default_dtype(d: Any) -> None:
    """The dtype of floats that name no dtype: Python floats, `zeros(3)`, `randn(2)`, layers'
    parameters, integer division (torch.set_default_dtype; float32 or float64)."""
    numpy_dtype = np.dtype(d)
    if numpy_dtype not in (float32.dtype, float64.dtype):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    global _default_float
    _default_float = _BY_NUMPY[numpy_dtype]


def get_default_dtype() -> dtype:
    """The current default float dtype (minigrad.float32 unless set_default_dtype changed it)."""
    return _default_float


def default_float() -> np.dtype:
    """The default float dtype as a NumPy dtype (for the code that allocates)."""
    return _default_float.dtype


# ------------------------------------------------------------------------------- promotion

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def category(numpy_dtype: np.dtype) -> int:
    """bool 0 < integer 1 < floating 2."""
    return _CATEGORY[numpy_dtype.kind]


def scalar_dtype(value: Any) -> np.dtype:
    """The dtype a scalar operand brings to promotion: the default float for a float, int64 for an
    int, bool for a bool (Python and NumPy scalars alike, as PyTorch treats them)."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool.dtype
    if isinstance(value, (builtins.int, np.integer)):
        return int64.dtype
    return _default_float.dtype


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's pairwise promotion: the higher category wins outright (int32 with float32 is
    float32, where NumPy says float64); within a category the wider type (uint8 with int8: int16)."""
    if category(a) != category(b):
        return a if category(a) > category(b) else b
    return np.promote_types(a, b)


def promote(tensor_dtypes: list, zero_dim_dtypes: list, scalar_dtypes: list) -> np.dtype:
    """The result dtype of an op over operands of the three priority groups (module docstring):
    a lower-priority group counts only when its category is higher than everything above it."""
    groups = [functools.reduce(promote_types, g) for g in
              (tensor_dtypes, zero_dim_dtypes, scalar_dtypes) if g]
    result = groups[0]
    for lower in groups[1:]:
        if category(lower) > category(result):
            result = lower
    return result


def true_division_dtype(numpy_dtype: np.dtype) -> np.dtype:
    """`a / b` of integers or bools gives the default float dtype, as in PyTorch."""
    return numpy_dtype if category(numpy_dtype) >= 2 else _default_float.dtype


__all__ = ["dtype", "float16", "half", "float32", "float", "float64", "double", "int8", "uint8",
           "int16", "short", "int32", "int", "int64", "long", "bool", "set_default_dtype",
           "get_default_dtype"]
