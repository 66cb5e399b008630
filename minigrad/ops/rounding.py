"""Piecewise-constant functions: sign, round (to `decimals`), floor, ceil, trunc.

Their derivative is zero wherever it exists, and PyTorch takes it as zero everywhere: backward
returns zeros, so a graph through them still reaches the inputs (with no gradient to give).
Integer tensors pass through unchanged (sign gives -1, 0, 1 in their dtype); round(decimals=) of
an integer tensor raises NotImplementedError, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Tensor


class Step(Function):
    """y = step(x) for a piecewise-constant step;  dx = 0."""

    @staticmethod
    def forward(ctx, x, step):
        ctx.shape = x.shape
        return step(x)

    @staticmethod
    def backward(ctx, gy):
        return np.zeros(ctx.shape, gy.dtype)


def _rounded(decimals: int):
    """NumPy's round half to even at `decimals` places, as torch.round(decimals=) does."""
    return lambda x: np.round(x, decimals)


def _integer_unchanged(input: Tensor, step) -> Tensor:
    if input._array.dtype.kind in "biu":
        return Step.apply(input, step=np.copy)
    return Step.apply(input, step=step)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (NaN stays NaN); bool stays bool."""
    return Step.apply(input, step=np.copy if input._array.dtype == np.bool_ else np.sign)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, to `decimals` decimal places."""
    if decimals != 0 and input._array.dtype.kind in "biu":
        raise NotImplementedError(f'"round_cpu" not implemented for {input.dtype}: '
                                  "round(decimals=) needs a floating point tensor")
    return _integer_unchanged(input, np.round if decimals == 0 else _rounded(decimals))


def floor(input: Tensor) -> Tensor:
    return _integer_unchanged(input, np.floor)


def ceil(input: Tensor) -> Tensor:
    return _integer_unchanged(input, np.ceil)


def trunc(input: Tensor) -> Tensor:
    return _integer_unchanged(input, np.trunc)
