"""Products and running sums: prod (over everything or one dim) and cumsum (along one dim).

Integer and bool inputs give int64 results, as in PyTorch; `dtype=` casts the input first.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._util import accepts_numpy_names, normalize_dim
from .elementwise import to_dtype


def _product_of_others(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the other elements along axis: the product of those
    before it times the product of those after it (no division, so zeros are handled)."""
    x = np.moveaxis(x, axis, -1)
    ones = np.ones(x.shape[:-1] + (1,), x.dtype)
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    reversed_after = np.cumprod(np.concatenate([ones, np.flip(x, -1)[..., :-1]], axis=-1), axis=-1)
    return np.moveaxis(before * np.flip(reversed_after, -1), -1, axis)


class Prod(Function):
    """y = prod_i x_i;  dx_i = gy * prod_{j != i} x_j."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.prod(x, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if ctx.dim is None:
            return gy * _product_of_others(x.reshape(-1), 0).reshape(x.shape)
        gy = gy if ctx.keepdim else np.expand_dims(gy, ctx.dim)
        return gy * _product_of_others(x, ctx.dim)


class Cumsum(Function):
    """y_i = sum_{j <= i} x_j;  dx_j = sum_{i >= j} gy_i (a cumsum of gy from the end)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return np.flip(np.cumsum(np.flip(gy, ctx.dim), axis=ctx.dim), ctx.dim)


def _accumulating(input: Tensor, dtype: Any) -> Tensor:
    """input in the dtype a product or sum accumulates in: `dtype` if given, int64 for integers
    and bools, else its own."""
    if dtype is not None:
        return to_dtype(input, np.dtype(dtype))
    if input._array.dtype.kind in "biu" and input._array.dtype != np.int64:
        return to_dtype(input, np.dtype(np.int64))
    return input


@accepts_numpy_names
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """The product of all elements, or along one dim (an int, as in PyTorch)."""
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    input = _accumulating(input, dtype)
    if dim is None:
        return Prod.apply(input)
    return Prod.apply(input, dim=normalize_dim(dim, input.ndim), keepdim=keepdim)


@accepts_numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along dim."""
    input = _accumulating(input, dtype)
    if input.ndim == 0:
        return Cumsum.apply(input.reshape(1), dim=0).reshape(())
    return Cumsum.apply(input, dim=normalize_dim(dim, input.ndim))
