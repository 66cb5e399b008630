"""Containers of modules: Sequential, ModuleList and ModuleDict (PyTorch's
torch/nn/modules/container.py)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from .. import ops
from ._checks import type_name
from .activation import LeakyReLU, ReLU
from .linear import Linear
from .module import Module


class _Container(Module):
    """Children indexable (a slice gives a container of the same kind), countable and iterable
    in the order they were added."""

    def _key(self, index: int) -> str:
        """The name of the child at a position (negative counts from the end), or IndexError."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range")
        return list(self._modules)[index]

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return self._sliced(list(self._modules.items())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _sliced(self, items: list[tuple[str, Module]]) -> _Container:
        raise NotImplementedError


def _fused_activation(layer: Module, activation: Module) -> tuple[str, float] | None:
    """(activation, negative_slope) when layer then activation can run as one fused_linear call
    with the same results: a plain Linear followed by ReLU or a LeakyReLU with a slope >= 0,
    neither with a forward replaced on the instance (as weight_norm and forward hooks do)."""
    if type(layer) is not Linear or "forward" in layer.__dict__ or "forward" in activation.__dict__:
        return None
    if type(activation) is ReLU:
        return "relu", 0.01
    if type(activation) is LeakyReLU and activation.negative_slope >= 0:
        return "leaky_relu", activation.negative_slope
    return None


class Sequential(_Container):
    """Modules applied in order; indexable and iterable as PyTorch's.

    Fusion (minigrad's addition, invisible in the results): a Linear directly followed by a ReLU,
    or by a LeakyReLU with negative_slope >= 0, runs as one ops.fused_linear call, the bias and
    activation applied in the gemm's output pass: the same output and gradients, bit for bit, as
    the two modules one after the other, with one graph node and one pass over the output less.
    Both modules stay children as written: repr, model[i], named_modules() and state_dict() see
    them. A pair is not fused when either module is of a subclass or has its forward replaced
    on the instance (as weight_norm does), so that the replacement is called.

    Opt out with `Sequential.fuse_linear_activation = False` (every Sequential) or
    `model.fuse_linear_activation = False` (one model): each module then runs on its own.
    """

    fuse_linear_activation: bool = True

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):  # names given
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def _sliced(self, items: list[tuple[str, Module]]) -> Sequential:
        return Sequential(OrderedDict(items))  # the children keep their names, as in PyTorch

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        modules = list(self._modules.values())
        fuse = self.fuse_linear_activation
        i = 0
        while i < len(modules):
            module = modules[i]
            fused = _fused_activation(module, modules[i + 1]) \
                if fuse and i + 1 < len(modules) else None
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

    def _sliced(self, items: list[tuple[str, Module]]) -> ModuleList:
        return ModuleList(module for _, module in items)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index]
        self._renumber(modules)

    def _renumber(self, modules: list[Module]) -> None:
        """Children named 0, 1, ... again after an insertion or deletion (PyTorch's)."""
        for module in modules:
            if not isinstance(module, Module):
                raise TypeError(f"{type_name(module)} is not a Module subclass")
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def extend(self, modules: Any) -> ModuleList:
        for module in modules:
            self.append(module)
        return self


class ModuleDict(Module):
    """Modules by name, registered as children, in insertion order (PyTorch's ModuleDict)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        """Add (name, module) pairs from a mapping or an iterable of pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module
