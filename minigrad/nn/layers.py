"""Layers without a kernel family of their own: Linear (on the fused linear kernel) and
containers."""
from __future__ import annotations

from typing import Any

from .. import ops
from .._validate.linear import activation_code
from ..creation import empty
from ..tensor import Tensor
from . import _checks, init
from .activation import LeakyReLU, ReLU
from .module import Module, Parameter


class Linear(Module):
    """y = x W^T + b with weight (out_features, in_features), PyTorch's layout and default init:
    W ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _checks.size("in_features", in_features)
        self.out_features = _checks.size("out_features", out_features)
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
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
    `FusedLinear(784, 1024, activation="relu")` equals `Sequential(Linear(784, 1024), ReLU())`."""

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


class _Container(Module):
    """Children indexable, countable and iterable in the order they were added."""

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


def _fused_activation(layer: Module, activation: Module) -> tuple[str, float] | None:
    """(activation, negative_slope) when layer then activation can run as one fused_linear call
    with the same results: a plain Linear followed by ReLU or a LeakyReLU with a slope >= 0,
    neither with a forward replaced on the instance (as weight_norm does)."""
    if type(layer) is not Linear or "forward" in layer.__dict__ or "forward" in activation.__dict__:
        return None
    if type(activation) is ReLU:
        return "relu", 0.01
    if type(activation) is LeakyReLU and activation.negative_slope >= 0:
        return "leaky_relu", activation.negative_slope
    return None


class Sequential(_Container):
    """Modules applied in order; indexable and iterable as PyTorch's.

    A Linear directly followed by a ReLU (or LeakyReLU) runs as one fused kernel call
    (ops.fused_linear): the same output and gradients as the two modules one after the other,
    without a separate pass and graph node for the activation.
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        modules = list(self._modules.values())
        i = 0
        while i < len(modules):
            module = modules[i]
            fused = _fused_activation(module, modules[i + 1]) if i + 1 < len(modules) else None
            if fused is None:
                input = module(input)
                i += 1
            else:
                input = ops.fused_linear(input, module.weight, module.bias, *fused)
                i += 2
        return input


class ModuleList(_Container):
    """A list of modules, registered as children (indexable, iterable, appendable)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        for module in modules or []:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Any) -> ModuleList:
        for module in modules:
            self.append(module)
        return self


class Identity(Module):
    """Returns its input (a placeholder, as PyTorch's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input
