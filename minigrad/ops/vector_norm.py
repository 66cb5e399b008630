"""Vector norms: `norm` (torch.norm: p = "fro", a number or inf, over dims) and `vector_norm`
(torch.linalg.vector_norm); minigrad.linalg.norm builds on them (ops/linalg.py).

    ||x||_p = (sum |x|^p)^(1/p);  d/dx = sign(x) |x|^(p-1) / ||x||^(p-1)
    (p = 2: x / ||x||;  p = 1: sign(x);  taken as 0 where the norm is 0, as PyTorch does)
    ||x||_inf = max |x|, ||x||_-inf = min |x|: the gradient sign(x) goes to the extremal
    elements, shared evenly;  ||x||_0 = the count of nonzeros: no gradient.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._util import normalize_dims
from .elementwise import to_dtype

Dims = int | Sequence[int] | None


class VectorNorm(Function):
    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        magnitude = np.abs(x)
        if ord == math.inf or ord == -math.inf:
            extremum = np.max if ord > 0 else np.min
            y = extremum(magnitude, axis=dims, keepdims=True)
        elif ord == 0:
            y = np.sum(magnitude != 0, axis=dims, keepdims=True).astype(x.dtype)
        else:
            y = np.sum(magnitude ** ord, axis=dims, keepdims=True) ** (1 / ord)
        ctx.save_for_backward(x, y)
        ctx.ord, ctx.dims, ctx.keepdim = ord, dims, keepdim
        return y if keepdim else np.squeeze(y, axis=dims)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        gy = gy if ctx.keepdim else np.expand_dims(gy, ctx.dims)
        if ctx.ord == 0:
            return np.zeros(x.shape, gy.dtype)
        if math.isinf(ctx.ord):
            extremal = np.abs(x) == y
            shares = extremal / np.sum(extremal, axis=ctx.dims, keepdims=True)
            return gy * np.sign(x) * shares
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.sign(x) * (np.abs(x) / y) ** (ctx.ord - 1)
        return gy * np.where(y == 0, 0, slope)


def vector_norm(x: Tensor, ord: float = 2, dim: Dims = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The p-norm of x over dim (all elements when None), as torch.linalg.vector_norm."""
    if dtype is not None:
        x = to_dtype(x, np.dtype(dtype))
    if x._array.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {x.dtype}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    dims = normalize_dims(dim, x.ndim) if x.ndim else ()
    if dims is None:
        dims = tuple(range(x.ndim))
    return VectorNorm.apply(x, ord=float(ord), dims=dims, keepdim=keepdim)


def norm(input: Tensor, p: str | float = "fro", dim: Dims = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """torch.norm: the Frobenius (= 2-)norm by default, or the p-norm, over dim (all when None).
    The nuclear norm ("nuc") and matrix norms of other orders are not implemented."""
    if p == "fro":
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
        return vector_norm(input, 2, dim, keepdim, dtype=dtype)
    if p == "nuc":
        raise NotImplementedError("norm(p='nuc'): the nuclear norm is not implemented in "
                                  "minigrad; p='fro' or a number are")
    if isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)
