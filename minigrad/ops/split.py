"""Splitting a tensor into pieces along a dim: chunk, split (a size or a list of sizes), unbind.

Each piece is a slice of the input through the Index op, so the gradient of every piece flows
back into its part of the input (pieces that get no gradient contribute zeros).
"""
from __future__ import annotations

from typing import Sequence

from ..tensor import Tensor
from ._util import normalize_dim
from .shape import index


def _piece(input: Tensor, dim: int, start: int, stop: int) -> Tensor:
    return index(input, (slice(None),) * dim + (slice(start, stop),))


def _pieces(input: Tensor, dim: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    return tuple(_piece(input, dim, a, b) for a, b in zip(starts, starts[1:]))


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int],
          dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of split_size along dim (the last may be smaller), or pieces of the listed sizes
    (which must add up to the size of dim)."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = normalize_dim(dim, tensor.ndim)
    length = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got {size}")
        if size == 0 and length != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {length}")
        count = -(-length // size) if size else 1
        return _pieces(tensor, dim, [min(size, length - i * size) for i in range(count)])
    sizes = list(split_size_or_sections)
    if sum(sizes) != length or any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} "
                           f"(input tensor's size at dimension {dim}), but got "
                           f"split_sizes={sizes}")
    return _pieces(tensor, dim, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` pieces of equal size ceil(size / chunks) along dim (the last smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    length = input.shape[normalize_dim(dim, input.ndim)]
    return split(input, -(-length // chunks), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along dim, each without that dim."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim(dim, input.ndim)
    return tuple(index(input, (slice(None),) * dim + (i,)) for i in range(input.shape[dim]))
