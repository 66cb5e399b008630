"""meshgrid: coordinate grids, made of views (reshape, then expand) of the given vectors."""
from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor
from .shape import expand, reshape


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-d or 1-d tensors: output i varies along tensor i ("ij", matrix
    indexing, the default) or with the first two axes swapped ("xy", Cartesian indexing).
    PyTorch warns when indexing is not given; so does minigrad."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t!r}")
        if t._array.dtype != tensors[0]._array.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    # tensor i varies along axis i of every grid; "xy" swaps the roles of the first two axes
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    grid_shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        grid_shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        along_axis = [1] * len(tensors)
        along_axis[axis] = -1
        grids.append(expand(reshape(t, tuple(along_axis)), tuple(grid_shape)))
    return tuple(grids)
