"""Dropout, AlphaDropout and GaussianDropout modules: active in train(), the identity in eval()."""
from __future__ import annotations

from .. import ops
from .._validate.dropout import dropout_probability
from ..tensor import Tensor
from . import _checks
from .module import Module


class _DropoutBase(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        dropout_probability(p)
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutBase):
    """Inverted dropout: zero with probability p, scale the kept elements by 1/(1 - p)."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("dropout", input)
        return ops.dropout(input, self.p, self.training)


class AlphaDropout(_DropoutBase):
    """Dropout that keeps SELU's self-normalizing mean 0 and variance 1."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("alpha_dropout", input)
        return ops.alpha_dropout(input, self.p, self.training)


class GaussianDropout(_DropoutBase):
    """Multiplicative noise N(1, p / (1 - p)) (minigrad's addition, as Keras' GaussianDropout)."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("gaussian_dropout", input)
        return ops.gaussian_dropout(input, self.p, self.training)
