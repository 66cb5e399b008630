"""Reductions: sum, mean, var, std, max, min, logsumexp, and the normalizations built on them,
softmax and log_softmax. `dim` is None (all), an int or a tuple; `keepdim` as in PyTorch, which
also accepts NumPy's `axis=` and `keepdims=` (softmax and log_softmax take dim only).
"""
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._util import accepts_numpy_names, normalize_dim, normalize_dims
from .elementwise import maximum, minimum, sqrt

Dims = int | Sequence[int] | None
MinMax = namedtuple("MinMax", ["values", "indices"])


def _count(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> int:
    """How many elements each output of a reduction over dims summarizes."""
    return math.prod(shape) if dims is None else math.prod(shape[d] for d in dims)


def _expand_back(gy: np.ndarray, dims: tuple[int, ...] | None, keepdim: bool,
                 shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast the gradient of a reduction back over the reduced dimensions."""
    if dims is not None and not keepdim:
        gy = np.expand_dims(gy, dims)
    return np.broadcast_to(gy, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return np.sum(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy, ctx.dims, ctx.keepdim, ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = _count(x.shape, dims)
        return np.mean(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy / ctx.count, ctx.dims, ctx.keepdim, ctx.shape)


class Var(Function):
    """var = sum((x - mean)^2) / (N - correction);  d var / dx = 2 (x - mean) / (N - correction)."""

    @staticmethod
    def forward(ctx, x, dims=None, correction=1, keepdim=False):
        count = _count(x.shape, dims)
        centered = x - np.mean(x, axis=dims, keepdims=True)
        ctx.save_for_backward(centered)
        ctx.dims, ctx.keepdim, ctx.dof = dims, keepdim, builtins.max(count - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(centered * centered, axis=dims, keepdims=keepdim) / ctx.dof

    @staticmethod
    def backward(ctx, gy):
        (centered,) = ctx.saved_tensors
        gy = _expand_back(gy, ctx.dims, ctx.keepdim, centered.shape)
        return gy * centered * (2 / ctx.dof)


class Extremum(Function):
    """max or min over all elements (ties share the gradient evenly) or along one dim (the
    gradient goes to the first extremal index, which is also what `indices` reports)."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, largest=True):
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if x.size == 0:
            raise RuntimeError("max()/min() of an empty tensor has no identity; pass a non-empty "
                               "tensor")
        if dim is None:
            y = np.max(x) if largest else np.min(x)
            ctx.save_for_backward((x == y) | (np.isnan(x) & np.isnan(y)))  # NaN is the extremum
            return y
        pick = np.argmax if largest else np.argmin
        index = np.expand_dims(pick(x, axis=dim), dim)
        ctx.save_for_backward(index)
        y = np.take_along_axis(x, index, dim)
        return y if keepdim else np.squeeze(y, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        (where,) = ctx.saved_tensors
        if ctx.dim is None:
            return gy * where / np.count_nonzero(where)
        gx = np.zeros(ctx.shape, dtype=gy.dtype)
        gy = gy if ctx.keepdim else np.expand_dims(gy, ctx.dim)
        np.put_along_axis(gx, where, gy, ctx.dim)
        return gx


class LogSumExp(Function):
    """logsumexp = m + log(sum(e^(x - m))), m = max(x);  d/dx = softmax(x)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim=False):
        shift = np.max(x, axis=dims, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0)
        y = np.log(np.sum(np.exp(x - shift), axis=dims, keepdims=True)) + shift
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keepdim = dims, keepdim
        return y if keepdim else np.squeeze(y, axis=dims)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        gy = gy if ctx.keepdim else np.expand_dims(gy, ctx.dims)
        return gy * np.exp(x - y)


class Softmax(Function):
    """y = e^(x - max) / sum(e^(x - max));  dx = y * (dy - sum(dy * y))."""

    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(x - np.max(x, axis=dim, keepdims=True))
        y = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return y * (gy - np.sum(gy * y, axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x);  dx = dy - softmax(x) * sum(dy)."""

    @staticmethod
    def forward(ctx, x, dim):
        shifted = x - np.max(x, axis=dim, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy - np.exp(y) * np.sum(gy, axis=ctx.dim, keepdims=True)


# ------------------------------------------------------------------------------ public functions


@accepts_numpy_names
def sum(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    return Sum.apply(input, dims=normalize_dims(dim, input.ndim), keepdim=keepdim)


@accepts_numpy_names
def mean(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    if input._array.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype; input dtype {input.dtype} is "
                           "not floating point, convert it with .float()")
    return Mean.apply(input, dims=normalize_dims(dim, input.ndim), keepdim=keepdim)


@accepts_numpy_names
def var(input: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    """Variance with Bessel's correction by default (correction=1, i.e. unbiased=True)."""
    if unbiased is not None and correction is not None:
        raise ValueError("var: pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return Var.apply(input, dims=normalize_dims(dim, input.ndim), correction=correction,
                     keepdim=keepdim)


@accepts_numpy_names
def std(input: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction))


def _extremum(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum, as in PyTorch
        return maximum(input, dim) if largest else minimum(input, dim)
    if dim is None:
        return Extremum.apply(input, largest=largest)
    dim = normalize_dim(dim, input.ndim)
    values = Extremum.apply(input, dim=dim, keepdim=keepdim, largest=largest)
    pick = np.argmax if largest else np.argmin
    indices = pick(input._array, axis=dim, keepdims=keepdim) if input.ndim else np.asarray(0)
    return MinMax(values, Tensor._make(np.asarray(indices, dtype=np.int64)))


@accepts_numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """max over everything (a tensor), or along dim: (values, indices) as in PyTorch."""
    return _extremum(input, dim, keepdim, largest=True)


@accepts_numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """min over everything (a tensor), or along dim: (values, indices) as in PyTorch."""
    return _extremum(input, dim, keepdim, largest=False)


@accepts_numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return Tensor._make(np.asarray(np.argmax(input._array, axis=dim, keepdims=keepdim), np.int64))


@accepts_numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return Tensor._make(np.asarray(np.argmin(input._array, axis=dim, keepdims=keepdim), np.int64))


@accepts_numpy_names
def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    return LogSumExp.apply(input, dims=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _softmax_dim(ndim: int, dim: int | None, name: str) -> int:
    if dim is None:  # PyTorch's legacy implicit choice, with its warning
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                      "to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return normalize_dim(dim, ndim)


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    return Softmax.apply(input, dim=_softmax_dim(input.ndim, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    return LogSoftmax.apply(input, dim=_softmax_dim(input.ndim, dim, "log_softmax"))
