"""PyTorch's legacy tensor types: `minigrad.FloatTensor([1, 2])`, `LongTensor(3)`,
`x.type(minigrad.LongTensor)`, `isinstance(x, minigrad.FloatTensor)`.

Each is a constructor for tensors of one dtype (data, or a shape for an uninitialized tensor),
and an isinstance check of that dtype; the tensors are ordinary minigrad Tensors.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import creation, dtypes
from .dtypes import SCALAR_TYPE_NAMES
from .tensor import Tensor


class _TensorType(type):
    """The metaclass: isinstance(x, FloatTensor) is "x is a float32 Tensor"."""

    dtype: dtypes.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj._array.dtype == cls.dtype.dtype

    def __repr__(cls) -> str:
        return f"<class 'minigrad.{cls.__name__}'>"


def _tensor_type(dtype: dtypes.dtype) -> type:
    def __new__(cls: type, *args: Any) -> Tensor:  # noqa: N807
        """FloatTensor(data) copies data into a tensor of this dtype; FloatTensor(2, 3) or
        FloatTensor() make an uninitialized one of that shape."""
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return creation.tensor(args[0], dtype=dtype)
        return creation.empty(*args, dtype=dtype)

    name = SCALAR_TYPE_NAMES[dtype.dtype] + "Tensor"
    return _TensorType(name, (), {"__new__": __new__, "dtype": dtype, "__module__": "minigrad"})


FloatTensor = _tensor_type(dtypes.float32)
DoubleTensor = _tensor_type(dtypes.float64)
HalfTensor = _tensor_type(dtypes.float16)
ByteTensor = _tensor_type(dtypes.uint8)
CharTensor = _tensor_type(dtypes.int8)
ShortTensor = _tensor_type(dtypes.int16)
IntTensor = _tensor_type(dtypes.int32)
LongTensor = _tensor_type(dtypes.int64)
BoolTensor = _tensor_type(dtypes.bool)


def is_tensor(obj: Any) -> bool:
    """True for a minigrad Tensor (torch.is_tensor)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True for a tensor of a floating dtype (torch.is_floating_point)."""
    return input._array.dtype.kind == "f"
