"""A Module's forward hooks, as PyTorch's: `register_forward_pre_hook` and `register_forward_hook`.

    pre-hook:      hook(module, args) -> None, or the new input (a tuple, or one value)
                   with_kwargs: hook(module, args, kwargs) -> None, or (new args, new kwargs)
    forward hook:  hook(module, args, output) -> None, or the new output
                   with_kwargs: hook(module, args, kwargs, output)

Hooks run in the order they were registered (prepend=True puts one first). The first hook of a
module puts a HookedForward in its instance's `forward` (Module.__call__ calls self.forward), and
removing the last takes it out again: a module without hooks is called exactly as before, at no
cost, and Sequential runs a Linear+ReLU pair unfused while either has hooks (it never fuses a
module whose forward is replaced on the instance), so the hooks see each module's own values.
Unlike PyTorch, calling `module.forward(x)` directly also runs the hooks. (`module` is an
nn.Module, typed Any: module.py imports this file, so this one names no Module.)
"""
from __future__ import annotations

from typing import Any, Callable

from ..hooks import RemovableHandle, next_hook_id


class HookedForward:
    """A module's forward with its pre-hooks before and its hooks after (in module.forward)."""

    def __init__(self, module: Any) -> None:
        self.module, self.forward = module, module.forward
        self.replaced = "forward" in module.__dict__  # a forward of the instance's (weight_norm)
        self.pre_hooks: dict[int, tuple[Callable, bool]] = {}
        self.hooks: dict[int, tuple[Callable, bool]] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        module = self.module
        for hook, with_kwargs in list(self.pre_hooks.values()):
            if with_kwargs:
                result = hook(module, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(module, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self.hooks.values()):
            result = (hook(module, args, kwargs, output) if with_kwargs
                      else hook(module, args, output))
            if result is not None:
                output = result
        return output

    def remove_if_unused(self) -> None:
        """Give the module its own forward back once its last hook is removed."""
        if not self.pre_hooks and not self.hooks and self.module.__dict__.get("forward") is self:
            if self.replaced:
                self.module.__dict__["forward"] = self.forward
            else:
                del self.module.__dict__["forward"]


def hooked_forward(module: Any) -> HookedForward:
    """The module's HookedForward, put in its forward by the first hook."""
    forward = module.__dict__.get("forward")
    if not isinstance(forward, HookedForward):
        forward = HookedForward(module)
        object.__setattr__(module, "forward", forward)
    return forward


def register(module: Any, pre: bool, hook: Callable, prepend: bool, with_kwargs: bool,
             always_call: bool = False) -> RemovableHandle:
    """Add hook to the module's pre-hooks (pre) or hooks; the handle removes it."""
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    if always_call:
        raise NotImplementedError("register_forward_hook(always_call=True) is not supported: "
                                  "minigrad runs forward hooks only after forward returns")
    hooked = hooked_forward(module)
    hooks = hooked.pre_hooks if pre else hooked.hooks
    key = next_hook_id()
    if prepend:  # in place: the handles hold this dict
        others = list(hooks.items())
        hooks.clear()
        hooks[key] = (hook, with_kwargs)
        hooks.update(others)
    else:
        hooks[key] = (hook, with_kwargs)
    return RemovableHandle(hooks, key, hooked.remove_if_unused)
