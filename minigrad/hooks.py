"""Tensor hooks: register_hook (a function called with a tensor's gradient, which may replace it)
and retain_grad (a non-leaf tensor keeps its gradient in .grad), as in PyTorch.

Hooks live on the leaf Tensor or on the node (autograd.Context) that made a non-leaf, in a `_hooks`
slot left unset until one is registered. The engine looks for them only when some hook was ever
registered (HOOKS.registered > 0), so backward costs nothing extra in programs without hooks.
"""
from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .tensor import Size, Tensor

if TYPE_CHECKING:
    from .function import Context


class HookCount:
    """How many tensor hooks are registered (retain_grad counts as one, for good)."""

    __slots__ = ("registered",)

    def __init__(self) -> None:
        self.registered = 0


HOOKS = HookCount()
_hook_ids = itertools.count()


class RemovableHandle:
    """What register_hook (and a Module's register_forward_hook) returns: `remove()` unregisters
    the hook (a second call does nothing) and then calls on_removed, if given."""

    def __init__(self, hooks: dict[int, Any], key: int,
                 on_removed: Callable[[], None] | None = None) -> None:
        self.hooks, self.key, self.on_removed = hooks, key, on_removed

    def remove(self) -> None:
        if self.hooks.pop(self.key, None) is not None and self.on_removed is not None:
            self.on_removed()


def _one_tensor_hook_fewer() -> None:
    HOOKS.registered -= 1


def next_hook_id() -> int:
    """A key for a new hook: increasing, so that hooks run in the order they were registered."""
    return next(_hook_ids)


def hook_owner(tensor: Tensor) -> Tensor | Context:
    """Where tensor's hooks live: on a leaf itself, on the node that made a non-leaf."""
    return tensor if tensor._node is None else tensor._node


def register_hook(tensor: Tensor, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
    """Call hook(gradient) whenever the gradient of tensor is computed; a Tensor it returns
    replaces the gradient (Tensor.register_hook)."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    owner = hook_owner(tensor)
    hooks = getattr(owner, "_hooks", None)
    if hooks is None:
        hooks = owner._hooks = {}
    key = next_hook_id()
    hooks[key] = hook
    HOOKS.registered += 1
    return RemovableHandle(hooks, key, _one_tensor_hook_fewer)


def retain_grad(tensor: Tensor) -> None:
    """Keep the gradient of a non-leaf tensor in its .grad (leaves keep theirs anyway)."""
    if not tensor.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if tensor._node is not None and not retains_grad(tensor):
        tensor._node._retained = weakref.ref(tensor)
        HOOKS.registered += 1


def retains_grad(tensor: Tensor) -> bool:
    return tensor._node is not None and getattr(tensor._node, "_retained", None) is not None


def run_hooks(owner: Tensor | Context, grad: np.ndarray) -> np.ndarray:
    """The gradient after owner's hooks, run in the order they were registered."""
    for hook in list(getattr(owner, "_hooks", {}).values()):
        replaced = hook(Tensor._make(grad))
        if replaced is not None:
            if not isinstance(replaced, Tensor) or replaced._array.shape != grad.shape:
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} must return None "
                                   f"or a Tensor of the gradient's shape {Size(grad.shape)}")
            grad = replaced._array.astype(grad.dtype, copy=False)
    return grad


def retained_by(owner: Tensor | Context) -> Tensor | None:
    """The non-leaf tensor that keeps the gradient of owner (a node) in its .grad, if any."""
    retained = getattr(owner, "_retained", None)
    return None if retained is None else retained()
