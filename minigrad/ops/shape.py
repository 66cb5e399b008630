"""Shape ops: reshape/view, transpose, permute, flatten, squeeze, unsqueeze, expand, repeat,
flip, indexing, cat and stack (chunk / split / unbind are in ops/split.py). Forward
returns NumPy views where NumPy can; backward moves the gradient back into the input's layout.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._util import normalize_dim
from .elementwise import result_dtype, to_dtype


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"shape {list(shape)} is invalid for input of size {x.size}") \
                from None

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, gy):
        return np.transpose(gy, ctx.inverse)


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy  # the engine sums the gradient back over the expanded dimensions


class Repeat(Function):
    """y = x tiled `repeats` times along each dim;  dx = the sum of gy's tiles."""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.shape, ctx.repeats = x.shape, repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, gy):
        # view gy as (tiles_0, size_0, tiles_1, size_1, ...) and sum over the tiles axes
        sizes = (1,) * (len(ctx.repeats) - len(ctx.shape)) + ctx.shape
        tiled = [n for pair in zip(ctx.repeats, sizes) for n in pair]
        tiles_axes = tuple(range(0, 2 * len(sizes), 2))
        return gy.reshape(tiled).sum(axis=tiles_axes).reshape(ctx.shape)


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()  # a copy, as PyTorch's flip

    @staticmethod
    def backward(ctx, gy):
        return np.flip(gy, ctx.dims)


class Index(Function):
    """x[index] for basic (ints, slices, None, ...) and integer-array / boolean indices."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        ctx.advanced = any(isinstance(i, np.ndarray) for i in index)
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        gx = np.zeros(ctx.shape, dtype=gy.dtype)
        if ctx.advanced:
            np.add.at(gx, ctx.index, gy)  # repeated indices accumulate
        else:
            gx[ctx.index] = gy
        return gx


class Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.bounds = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return tuple(np.split(gy, ctx.bounds, axis=ctx.dim))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return tuple(np.moveaxis(gy, ctx.dim, 0))


# ------------------------------------------------------------------------------ public functions


def _shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) both mean (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    return Reshape.apply(input, shape=_shape_arg(shape))


view = reshape


def permute(input: Tensor, *dims: Any) -> Tensor:
    dims = tuple(normalize_dim(d, input.ndim) for d in _shape_arg(dims))
    if sorted(dims) != list(range(input.ndim)):
        raise RuntimeError(f"permute(): dims {dims} are not a permutation of the "
                           f"{input.ndim} dimensions")
    return Permute.apply(input, dims=dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    dims = list(range(input.ndim))
    a, b = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(input, dims=tuple(dims)) if input.ndim > 1 else input


swapaxes = transpose


def t(input: Tensor) -> Tensor:
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but got {input.ndim}")
    return transpose(input, 0, -1)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._array.shape
    merged = math.prod(shape[start:end + 1])
    return Reshape.apply(input, shape=shape[:start] + (merged,) + shape[end + 1:])


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    if dim is None:
        shape = tuple(s for s in input._array.shape if s != 1)
    else:
        dims = {normalize_dim(d, input.ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(s for i, s in enumerate(input._array.shape) if not (i in dims and s == 1))
    return Reshape.apply(input, shape=shape)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    dim = normalize_dim(dim, input.ndim + 1)
    return Reshape.apply(input, shape=input._array.shape[:dim] + (1,) + input._array.shape[dim:])


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to sizes; -1 keeps a dimension's size (a view, as in PyTorch)."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({input.ndim})")
    shape = tuple(input._array.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    try:
        np.broadcast_shapes(input._array.shape, shape)
    except ValueError:
        raise RuntimeError(f"expand: the shape {input.shape} cannot be expanded to "
                           f"{list(sizes)}") from None
    return Expand.apply(input, shape=shape)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other.shape)


reshape_as = view_as


def numel(input: Tensor) -> int:
    """The number of elements."""
    return int(input._array.size)


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """input tiled sizes[d] times along each dim d (leading sizes add new dims)."""
    repeats = _shape_arg(sizes)
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor ({len(repeats)} < {input.ndim})")
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats {repeats}")
    return Repeat.apply(input, repeats=repeats)


def flip(input: Tensor, *dims: Any) -> Tensor:
    """input with the order of elements reversed along each of dims."""
    dims = tuple(normalize_dim(d, input.ndim) for d in _shape_arg(dims))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dims {dims}: a dim appears multiple times in the list of dims")
    return Flip.apply(input, dims=dims)


def as_index(index: Any) -> Any:
    """An index with every Tensor (or list) in it turned into an ndarray."""
    def convert(part: Any) -> Any:
        if isinstance(part, Tensor):
            return part._array
        if isinstance(part, list):
            return np.asarray(part)
        return part

    return tuple(convert(p) for p in index) if isinstance(index, tuple) else (convert(index),)


def index(input: Tensor, idx: Any) -> Tensor:
    return Index.apply(input, index=as_index(idx))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    dim = normalize_dim(dim, tensors[0].ndim)
    reference = tensors[0]._array.shape
    for i, t in enumerate(tensors):
        if t.ndim != len(reference) or any(
                a != b for d, (a, b) in enumerate(zip(t._array.shape, reference)) if d != dim):
            raise ValueError(f"cat(): sizes of tensors must match except in dimension {dim}; "
                             f"tensor 0 has shape {reference}, tensor {i} has shape {t.shape}")
    return Cat.apply(*_one_dtype(tensors), dim=dim)


concatenate = concat = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    shapes = {t._array.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack expects each tensor to be equal size, got shapes {sorted(shapes)}")
    return Stack.apply(*_one_dtype(tensors), dim=normalize_dim(dim, tensors[0].ndim + 1))


def _one_dtype(tensors: Sequence[Tensor]) -> Sequence[Tensor]:
    """The tensors in their promoted dtype (PyTorch's rule: cat of int64 and float32 is float32),
    through casts the gradient flows back through."""
    first = tensors[0]._array.dtype
    if all(t._array.dtype == first for t in tensors):
        return tensors
    dtype = result_dtype(*tensors)
    return [t if t._array.dtype == dtype else to_dtype(t, dtype) for t in tensors]
