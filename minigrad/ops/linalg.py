"""minigrad.linalg (torch.linalg): norm and vector_norm.

linalg.norm with ord=None is the 2-norm of the flattened input (or along dim); with an ord it is
a vector norm when the input is 1-D or dim is an int, and for matrices only ord="fro" (the
2-norm of all elements) is implemented.
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .vector_norm import Dims, vector_norm

__all__ = ["norm", "vector_norm"]


def norm(A: Tensor, ord: Any = None, dim: Dims = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """torch.linalg.norm for vectors, and the Frobenius norm of matrices."""
    if ord is None or ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(dim, int) or (dim is None and A.ndim == 1):
        return vector_norm(A, ord, dim, keepdim, dtype=dtype)
    raise NotImplementedError(f"linalg.norm(ord={ord!r}) of a matrix is not implemented in "
                              "minigrad; ord=None, 'fro', or a vector norm (an int dim) are")
