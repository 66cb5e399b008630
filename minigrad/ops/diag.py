"""torch.diag: a vector to the square matrix with it on the k-th diagonal, and a matrix to its
k-th diagonal; each Function is the other's backward.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._util import tensor_input, type_name


def _diagonal_of(shape: tuple[int, ...], k: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the k-th diagonal of a matrix of shape (k > 0 above the main one)."""
    n_rows, n_cols = shape
    length = max(0, min(n_rows + min(k, 0), n_cols - max(k, 0)))
    steps = np.arange(length)
    return steps - min(k, 0), steps + max(k, 0)


class DiagEmbed(Function):
    """y = the square matrix with vector x on its k-th diagonal;  gx = that diagonal of gy."""

    @staticmethod
    def forward(ctx, x, k):
        size = x.shape[0] + abs(k)
        ctx.diagonal = _diagonal_of((size, size), k)
        y = np.zeros((size, size), x.dtype)
        y[ctx.diagonal] = x
        return y

    @staticmethod
    def backward(ctx, gy):
        return gy[ctx.diagonal]


class Diagonal(Function):
    """y = the k-th diagonal of matrix x, as a new vector;  gx = zeros with gy on that diagonal."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.shape, ctx.diagonal = x.shape, _diagonal_of(x.shape, k)
        return x[ctx.diagonal]

    @staticmethod
    def backward(ctx, gy):
        gx = np.zeros(ctx.shape, gy.dtype)
        gx[ctx.diagonal] = gy
        return gx


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """torch.diag: a vector becomes the square matrix with it on the diagonal-th diagonal (0 the
    main one, > 0 above, < 0 below); a matrix gives its diagonal-th diagonal as a vector."""
    tensor_input("diag", input)
    if not isinstance(diagonal, (int, np.integer)) or isinstance(diagonal, bool):
        raise TypeError(f"diag(): argument 'diagonal' (position 2) must be int, not "
                        f"{type_name(diagonal)}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return (DiagEmbed if input.ndim == 1 else Diagonal).apply(input, int(diagonal))
