"""Small helpers shared by the op modules."""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor


def type_name(value: Any) -> str:
    """`numpy.ndarray`, `list`, `NoneType`: how PyTorch's messages name a type."""
    kind = type(value)
    package = kind.__module__.split(".")[0]
    return kind.__qualname__ if package == "builtins" else f"{package}.{kind.__qualname__}"


def tensor_input(function: str, value: Any, name: str = "input", position: int = 1) -> None:
    """TypeError unless value is a Tensor (PyTorch: `linear(): argument 'input' (position 1)
    must be Tensor, not numpy.ndarray`); wrap arrays with mg.tensor or mg.from_numpy."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{function}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type_name(value)}")


def needs(ctx: Any, i: int) -> bool:
    """Does backward have to produce the gradient of positional input i?"""
    return ctx.needs_input_grad[i]


def kept_for_each_other(ctx: Any, a: Any, b: Any) -> tuple:
    """What a bilinear op (a * b, a @ b) saves: a only for b's gradient, b only for a's.

    PyTorch keeps no more, so an operand changed in place after forward breaks backward only
    when its value is needed (the engine checks, see autograd.check_saved_unchanged)."""
    wants = getattr(ctx, "needs_input_grad", (False, False))  # set only when recording
    return (a if wants[1] else None), (b if wants[0] else None)


def normalize_dim(dim: int, ndim: int) -> int:
    """A dim in [-ndim, ndim) as a non-negative index, or IndexError as in PyTorch."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-size}, {size - 1}], but got {dim})")
    return dim % size


def normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...] | None:
    """None (all dims), an int or a sequence of ints, as a sorted tuple of non-negative dims."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    normalized = tuple(sorted(normalize_dim(d, ndim) for d in dims))
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"dim {dim} appears multiple times in the list of dims")
    return normalized


def accepts_numpy_names(fn: Callable) -> Callable:
    """Let a reduction take NumPy's `axis=` and `keepdims=` for PyTorch's `dim=` and `keepdim=`
    (PyTorch accepts both spellings); passing both spellings of one argument is a TypeError."""
    @functools.wraps(fn)
    def reduction(*args: Any, **kwargs: Any) -> Any:
        if "axis" in kwargs or "keepdims" in kwargs:
            kwargs = _renamed(fn.__name__, kwargs)
        return fn(*args, **kwargs)

    return reduction


_PYTORCH_NAME = {"axis": "dim", "keepdims": "keepdim"}


def _renamed(function: str, kwargs: dict) -> dict:
    renamed = dict(kwargs)
    for numpy_name, pytorch_name in _PYTORCH_NAME.items():
        if numpy_name in renamed:
            if pytorch_name in renamed:
                raise TypeError(f"{function}() got both '{pytorch_name}' and its alias "
                                f"'{numpy_name}'; pass one of them")
            renamed[pytorch_name] = renamed.pop(numpy_name)
    return renamed


def index_tensor(function: str, index: Any, ndim: int) -> np.ndarray:
    """The index array of gather / scatter (int32 or int64), checked as PyTorch checks it."""
    array = index._array if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{function}(): Expected dtype int32/int64 for index, got "
                           f"{array.dtype}")
    if array.ndim != ndim and not (array.ndim <= 1 and ndim <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input "
                           f"tensor ({array.ndim} vs {ndim})")
    return array
