"""Linear (on the fused linear kernel), FusedLinear (Linear with its activation in the same
kernel call) and Identity, as in PyTorch's torch/nn/modules/linear.py."""
from __future__ import annotations

from typing import Any

from .. import ops
from .._validate.linear import activation_code
from ..creation import empty
from ..tensor import Tensor
from . import _checks, init
from .module import Module, Parameter


def add_weight_and_bias(layer: Module, weight_shape: tuple[int, ...], bias: bool,
                        dtype: Any) -> None:
    """Give layer PyTorch's `weight` parameter of weight_shape (out first) and a `bias` of size
    out, or a bias registered as None; uninitialized until the layer's reset_parameters()."""
    layer.weight = Parameter(empty(*weight_shape, dtype=dtype))
    if bias:
        layer.bias = Parameter(empty(weight_shape[0], dtype=dtype))
    else:
        layer.register_parameter("bias", None)


class Linear(Module):
    """y = x W^T + b with weight (out_features, in_features), PyTorch's layout and default init:
    W ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _checks.size("in_features", in_features)
        self.out_features = _checks.size("out_features", out_features)
        add_weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return ops.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class FusedLinear(Linear):
    """Linear followed by an activation, computed by one fused kernel call (minigrad's addition):
    `FusedLinear(784, 1024, activation="relu")` equals `Sequential(Linear(784, 1024), ReLU())`,
    which Sequential itself runs as this one call unless its fusion is switched off (see
    Sequential.fuse_linear_activation); FusedLinear is the pair as one module, always fused."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 activation: str = "relu", negative_slope: float = 0.01, dtype: Any = None) -> None:
        activation_code(activation, _checks.number("negative_slope", negative_slope))
        super().__init__(in_features, out_features, bias, dtype)
        self.activation, self.negative_slope = activation, negative_slope

    def forward(self, input: Tensor) -> Tensor:
        return ops.fused_linear(input, self.weight, self.bias, self.activation,
                                self.negative_slope)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", activation={self.activation!r}"


class Identity(Module):
    """Returns its input (a placeholder, as PyTorch's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input
