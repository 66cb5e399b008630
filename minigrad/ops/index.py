"""Indexing along a dim: gather, scatter / scatter_add (and their in-place forms), masked_fill,
and the orderings built on gather: sort, argsort, topk.

`index` is an int64 tensor with as many dims as the input; out[i][j] = x[i][index[i][j]] for
gather along dim 1. An index may be smaller than the input in the other dims (PyTorch's rule):
`_positions` turns it into a full NumPy index, so one fancy-indexing expression gathers and
np.add.at scatters (accumulating where an index repeats).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor, mark_changed
from ._util import index_tensor, normalize_dim, tensor_input

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _positions(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index of the elements that `index` along dim points at: index itself on dim,
    each element's own coordinate on the other dims."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


class Gather(Function):
    """y = x[positions];  dx = zeros with gy added at the positions."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.positions = x.shape, _positions(index, dim)
        return x[ctx.positions]

    @staticmethod
    def backward(ctx, gy):
        gx = np.zeros(ctx.shape, gy.dtype)
        np.add.at(gx, ctx.positions, gy)
        return gx, None


def _leading(shape: tuple[int, ...]) -> tuple:
    """The index of an array's leading part of the given shape (scatter reads src's leading part
    of the index's shape, as PyTorch does)."""
    return tuple(slice(0, n) for n in shape)


def _write(target: np.ndarray, positions: tuple, src: np.ndarray, accumulate: bool) -> None:
    """target[positions] = src (or += src, repeated positions adding up), in place."""
    if accumulate:
        np.add.at(target, positions, src)
    else:
        target[positions] = src


class Scatter(Function):
    """y = x with src written (or added, when accumulate) at the positions;
    dx = gy (with zeros at the written positions when not accumulating), dsrc = gy[positions]."""

    @staticmethod
    def forward(ctx, x, index, src, dim, accumulate):
        ctx.positions, ctx.accumulate = _positions(index, dim), accumulate
        ctx.src_shape, ctx.index_shape = src.shape, index.shape
        y = x.copy()
        _write(y, ctx.positions, src[_leading(index.shape)], accumulate)
        return y

    @staticmethod
    def backward(ctx, gy):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = gy
            if not ctx.accumulate:
                gx = gy.copy()
                gx[ctx.positions] = 0
        if ctx.needs_input_grad[2]:  # src's part beyond the index's shape was not read: zeros
            gsrc = np.zeros(ctx.src_shape, gy.dtype)
            gsrc[_leading(ctx.index_shape)] = gy[ctx.positions]
        return gx, None, gsrc


class MaskedFill(Function):
    """y = mask ? value : x;  dx = mask ? 0 : gy."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return np.where(mask, np.asarray(value).astype(x.dtype), x)

    @staticmethod
    def backward(ctx, gy):
        return np.where(ctx.mask, np.zeros((), gy.dtype), gy), None


# ------------------------------------------------------------------------------ checks


def _checked_index(function: str, input: Tensor, dim: int, index: Any) -> tuple[int, np.ndarray]:
    """dim normalized and index as an int64 array, in range for input (PyTorch's errors)."""
    dim = normalize_dim(dim, input.ndim)
    index = index_tensor(function, index, input.ndim)
    if input.ndim == 0:
        return 0, index.reshape(())
    size = input.shape[dim]
    outside = (index < 0) | (index >= size)
    if outside.any():
        raise RuntimeError(f"index {index[outside].flat[0]} is out of bounds for dimension {dim} "
                           f"with size {size}")
    for d, (n, limit) in enumerate(zip(index.shape, input.shape)):
        if d != dim and n > limit:
            raise RuntimeError(f"Size does not match at dimension {d} expected index "
                               f"{list(index.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {dim}")
    return dim, index


def _source(input: Tensor, index: np.ndarray, src: Any, value: Any) -> Any:
    """scatter's src: a tensor of input's dtype at least as large as index, or a number."""
    if src is None and value is None:
        raise TypeError("scatter() missing the src tensor or the value to write")
    if not isinstance(src, Tensor):
        number = src if value is None else value
        return np.broadcast_to(np.asarray(number, input._array.dtype), index.shape)
    if src._array.dtype != input._array.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype "
                           f"({input.dtype} vs {src.dtype})")
    if src.ndim != index.ndim or any(n > s for n, s in zip(index.shape, src.shape)):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as src tensor "
                           f"and be no larger (index {list(index.shape)}, src {list(src.shape)})")
    return src


def _boolean_mask(mask: Any) -> np.ndarray:
    array = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{array.dtype}")
    return array


def _fill_value(value: Any) -> Any:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return value._array
    return value


def _order(x: np.ndarray, dim: int, descending: bool, stable: bool) -> np.ndarray:
    """The indices that sort x along dim (NaN counts as the largest value, as in PyTorch)."""
    if not descending:
        return np.argsort(x, axis=dim, kind="stable" if stable else None)
    # descending and stable: sort the reversed array ascending, stably, and reverse the result;
    # equal elements then keep their original order
    n = x.shape[dim]
    ascending = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return n - 1 - np.flip(ascending, dim)


def _indices_tensor(indices: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(indices, np.int64))


# ------------------------------------------------------------------------------ public functions


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[i][index[i][j]] along dim 1 (likewise for any dim)."""
    dim, index = _checked_index("gather", input, dim, index)
    return Gather.apply(input, index, dim=dim)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *,
            value: Any = None) -> Tensor:
    """A copy of input with src (a tensor, or a number: `value`) written at index along dim."""
    dim, index = _checked_index("scatter", input, dim, index)
    return Scatter.apply(input, index, _source(input, index, src, value), dim=dim,
                         accumulate=False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with src added at index along dim (repeated indices add up)."""
    tensor_input("scatter_add", src, "src", 3)
    dim, index = _checked_index("scatter_add", input, dim, index)
    return Scatter.apply(input, index, _source(input, index, src, None), dim=dim,
                         accumulate=True)


def _scatter_in_place(input: Tensor, dim: int, index: Any, src: Any, value: Any,
                      accumulate: bool) -> Tensor:
    input._check_inplace()
    dim, index = _checked_index("scatter_", input, dim, index)
    src = _source(input, index, src, value)
    src = src._array if isinstance(src, Tensor) else src
    _write(input._array, _positions(index, dim), src[_leading(index.shape)], accumulate)
    mark_changed((input,))
    return input


def scatter_(input: Tensor, dim: int, index: Tensor, src: Any = None, *,
             value: Any = None) -> Tensor:
    """In-place scatter (outside the graph, like every in-place op here)."""
    return _scatter_in_place(input, dim, index, src, value, accumulate=False)


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    tensor_input("scatter_add_", src, "src", 3)
    return _scatter_in_place(input, dim, index, src, None, accumulate=True)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """input with value (a number or a 0-d tensor, cast to input's dtype) where mask is True."""
    return MaskedFill.apply(input, _boolean_mask(mask), value=_fill_value(value))


def masked_fill_(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    mask, value = _boolean_mask(mask), _fill_value(value)
    try:
        np.broadcast_to(mask, input.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill_: the mask of shape {list(mask.shape)} does not "
                           f"broadcast to the tensor's shape {list(input.shape)}") from None
    input._check_inplace()
    np.copyto(input._array, value, casting="unsafe", where=mask)
    mark_changed((input,))
    return input


def sort(input: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> SortResult:
    """(values, indices) sorted along dim; stable keeps equal elements in their order."""
    if input.ndim == 0:
        return SortResult(input * 1, _indices_tensor(np.zeros((), np.int64)))
    dim = normalize_dim(dim, input.ndim)
    indices = _order(input._array, dim, descending, stable)
    return SortResult(Gather.apply(input, indices, dim=dim), _indices_tensor(indices))


def argsort(input: Tensor, dim: int = -1, descending: bool = False,
            stable: bool = False) -> Tensor:
    """The indices that sort input along dim."""
    if input.ndim == 0:
        return _indices_tensor(np.zeros((), np.int64))
    dim = normalize_dim(dim, input.ndim)
    return _indices_tensor(_order(input._array, dim, descending, stable))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> TopkResult:
    """The k largest (or smallest) elements along dim, as (values, indices), largest first
    (always sorted: PyTorch leaves the order unspecified when sorted=False)."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range: k = {k}, but dimension {dim} has "
                           f"size {size}")
    array = input._array.reshape(1) if input.ndim == 0 else input._array
    indices = np.take(_order(array, dim, largest, stable=True), np.arange(k), axis=dim)
    values = Gather.apply(input.reshape(array.shape), indices, dim=dim)
    if input.ndim == 0:
        return TopkResult(values.reshape(()), _indices_tensor(indices.reshape(())))
    return TopkResult(values, _indices_tensor(indices))
