"""Shapes as PyTorch's functions take and check them: `f(2, 3)`, `f((2, 3))`, `f(size=(2, 3))`,
broadcasting, and what counts as an int. The bottom floor, with dtypes: no tensor is needed here.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def broadcast_shape(*shapes: tuple) -> tuple:
    """The shape that shapes broadcast to (RuntimeError, PyTorch's message, when they don't)."""
    result: list = []
    for shape in shapes:
        result = [1] * (len(shape) - len(result)) + result
        padded = [1] * (len(result) - len(shape)) + list(shape)
        for axis, (a, b) in enumerate(zip(result, padded)):
            if a != b and 1 not in (a, b):
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                                   f"({b}) at non-singleton dimension {axis}")
            result[axis] = b if a == 1 else a
    return tuple(result)


def is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def checked_shape(dims: Sequence[Any], name: str) -> tuple:
    for d in dims:
        if not is_int(d):
            raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(d).__name__}")
        if d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(dims)}")
    return tuple(int(d) for d in dims)


def shape_of(sizes: tuple, size: Any, name: str) -> tuple:
    """The shape that f(2, 3), f((2, 3)), f([2, 3]) and f(size=(2, 3)) all mean."""
    if size is not None:
        if sizes:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        sizes = (size,)
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return checked_shape(sizes, name)
