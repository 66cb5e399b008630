"""Module and Parameter: PyTorch's containers of parameters, buffers and submodules.

Attributes are sorted on assignment: a Parameter goes to `_parameters`, a Module to `_modules`, a
tensor registered with `register_buffer` to `_buffers`. Everything else (state_dict, train/eval,
named_* iterators) walks those three dicts, recursively, with dotted names as in PyTorch; the
state dict is collected and loaded in `_state_dict.py`.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from ..tensor import Tensor, inferred_array
from ..tensor_methods import parse_to
from ..hooks import RemovableHandle
from . import _module_hooks, _state_dict
from ._checks import type_name


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter (requires grad by default)."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        array = np.empty(0, np.float32) if data is None else inferred_array(data)
        self._init_leaf(array, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model; subclasses define `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign attributes before Module.__init__() is called")
        if isinstance(value, (Parameter, Module)):
            store = self._parameters if isinstance(value, Parameter) else self._modules
            if name not in store:  # a replacement keeps its place in the order
                self._forget(name)
            store[name] = value
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} "
                                "(Tensor or None expected)")
            self._buffers[name] = value
        elif name in self._parameters or name in self._modules:
            if value is not None:
                kind = "parameter" if name in self._parameters else "child module"
                raise TypeError(f"cannot assign {type(value).__name__} as {kind} {name!r}")
            (self._parameters if name in self._parameters else self._modules)[name] = None
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Remove name from every store, so that one name means one thing."""
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        for store in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def _check_new_name(self, kind: str, name: Any, store: dict) -> None:
        """PyTorch's rules for a registered name: a str, not empty, without a dot, and not
        already an attribute of another kind (TypeError, KeyError)."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type_name(name)}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain \".\", got: {name!r}")
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type_name(param)}' object to parameter '{name}' "
                            "(Parameter or None required)")
        if param is None:
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state (in state_dict if persistent) but not a parameter."""
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type_name(tensor)}' object to buffer '{name}' "
                            "(Tensor or None required)")
        self._forget(name)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type_name(module)} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        if module is None:
            self._modules[name] = None
        else:
            setattr(self, name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of add_module (PyTorch's)."""
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path ('' is self); AttributeError naming the missing step."""
        module = self
        for step in target.split(".") if target else []:
            if not hasattr(module, step):
                raise AttributeError(f"{type(module).__name__} has no attribute `{step}`")
            module = getattr(module, step)
            if not isinstance(module, Module):
                raise AttributeError(f"`{step}` is not an nn.Module")
        return module

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call hook(module, args) before each forward; a value it returns replaces the input
        (the forms are in _module_hooks.py)."""
        return _module_hooks.register(self, True, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call hook(module, args, output) after each forward; a value it returns replaces the
        output."""
        return _module_hooks.register(self, False, hook, prepend, with_kwargs, always_call)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """self and every submodule, depth first, with dotted names; a module reached twice
        is yielded once unless remove_duplicate=False (memo: the modules already yielded)."""
        stack = [(prefix, self)]
        seen = set() if memo is None else memo
        while stack:
            name, module = stack.pop()
            if module in seen:
                continue
            if remove_duplicate:
                seen.add(module)
            yield name, module
            children = [(f"{name}.{child}" if name else child, m)
                        for child, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        return (m for _, m in self.named_children())

    def _named_members(self, store: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    # ------------------------------------------------------------------ modes and helpers
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._array[...] = 0

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call fn on every submodule (children first) and on self, as PyTorch."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast floating-point parameters and buffers (and their grads) to a floating dtype, in
        place; devices are accepted and ignored (only the CPU exists). The forms of Tensor.to:
        to(dtype), to(device), to("cpu"), to(tensor), to(device, dtype), keywords; not copy=."""
        if "copy" in kwargs:
            raise RuntimeError(".to() does not accept copy argument")
        _, dtype, _, _ = parse_to(*args, **kwargs)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype=minigrad.{dtype}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t._array.dtype.kind == "f":
                t._array = t._array.astype(dtype)
                if t.grad is not None:
                    t.grad._array = t.grad._array.astype(dtype)
        return self

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises: minigrad runs on the CPU only."""
        return self.to("cuda" if device is None else device)

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    # ------------------------------------------------------------------ state
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (sharing memory, detached)."""
        return _state_dict.collect(self, prefix, keep_vars)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> _state_dict._IncompatibleKeys:
        """Copy values (Tensors or NumPy arrays) into parameters and buffers: all or nothing.

        Every key, shape and dtype kind is checked before anything is copied, so a failed load
        leaves the module exactly as it was.
        """
        return _state_dict.load(self, state_dict, strict)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ")
                 for name, module in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
