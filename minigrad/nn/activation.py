"""The activations as modules (PyTorch's names and arguments), over minigrad.ops."""
from __future__ import annotations

from typing import Any

from .. import ops
from ..creation import full
from ..tensor import Tensor
from . import _checks
from .module import Module, Parameter


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("relu", input)
        return ops.relu(input)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = _checks.number("negative_slope", negative_slope)

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("leaky_relu", input)
        return ops.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = _checks.number("alpha", alpha)

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("elu", input)
        return ops.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """scale * ELU(x, alpha) with the self-normalizing constants."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("selu", input)
        return ops.selu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("sigmoid", input)
        return ops.sigmoid(input)


class Tanh(Module):
    """tanh x."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("tanh", input)
        return ops.tanh(input)


class Softmax(Module):
    """e^x / sum e^x along dim."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = _checks.integer("dim", dim)

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("softmax", input)
        return ops.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along dim."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("log_softmax", input)
        return ops.log_softmax(input, self.dim)


class PReLU(Module):
    """x for x > 0, a x otherwise, with a learned slope a: one shared (num_parameters=1) or one
    per channel (dim 1 of the input), initialized to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = _checks.size("num_parameters", num_parameters)
        self.weight = Parameter(full((num_parameters,), _checks.number("init", init),
                                     dtype=dtype))

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("prelu", input)
        channels = input._array.shape[1] if input.ndim >= 2 else 1
        if self.num_parameters > 1 and channels != self.num_parameters:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {self.num_parameters} and channel size = "
                               f"{channels} (input of shape {input._array.shape}).")
        slope = self.weight
        if self.num_parameters > 1:  # one slope per channel: (C,) -> (C, 1, ..., 1)
            slope = slope.reshape((self.num_parameters,) + (1,) * (input.ndim - 2))
        return ops.where(input > 0, input, slope * input)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
