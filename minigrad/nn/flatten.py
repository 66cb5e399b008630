"""Flatten: dims start_dim..end_dim into one (PyTorch's torch/nn/modules/flatten.py)."""
from __future__ import annotations

from .. import ops
from ..tensor import Tensor
from . import _checks
from .module import Module


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one (PyTorch's defaults keep the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = _checks.integer("start_dim", start_dim)
        self.end_dim = _checks.integer("end_dim", end_dim)

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("flatten", input)
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
