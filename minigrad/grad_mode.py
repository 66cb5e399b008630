"""Grad mode: whether operations are recorded for backward (per thread, as in PyTorch).

`no_grad`, `enable_grad` and `inference_mode` are context managers that are also decorators
(`@mg.no_grad()` and `@mg.no_grad` both work); `set_grad_enabled(mode)` also works as a plain call.
Inference mode is no_grad with a name of its own: minigrad keeps no per-tensor bookkeeping that
it could skip, so it is exactly as fast as no_grad.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_grad_mode = threading.local()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward (per thread, as in PyTorch)."""
    return getattr(_grad_mode, "enabled", True)


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` (per thread)."""
    return getattr(_grad_mode, "inference", False)


class set_grad_enabled:
    """Turn gradient recording on or off; usable as a function, context manager or decorator."""

    def __init__(self, mode: bool) -> None:
        self.previous = is_grad_enabled()
        self.mode = bool(mode)
        _grad_mode.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.previous

    def __call__(self, fn: F) -> F:
        mode = self.mode
        _grad_mode.enabled = self.previous  # decorating must not change the current mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _ModeContext:
    """A context manager that is also a decorator, with or without parentheses.

    Subclasses set the modes in `_enter`; `__exit__` restores both flags as they were.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]):  # bare @decorator
            return cls()(args[0])
        return super().__new__(cls)

    def _enter(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        self.previous = (is_grad_enabled(), is_inference_mode_enabled())
        self._enter()

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled, _grad_mode.inference = self.previous

    def _clone(self) -> _ModeContext:
        return self.__class__()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._clone():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_ModeContext):
    """Context manager and decorator that disables gradient recording."""

    def _enter(self) -> None:
        _grad_mode.enabled = False


class enable_grad(_ModeContext):
    """Context manager and decorator that enables gradient recording (e.g. inside no_grad)."""

    def _enter(self) -> None:
        _grad_mode.enabled = True


class inference_mode(_ModeContext):
    """no_grad for code that will never backpropagate (PyTorch's inference_mode).

    inference_mode(False) leaves inference mode without turning grad mode back on, as in PyTorch.
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _enter(self) -> None:
        _grad_mode.inference = self.mode
        if self.mode:
            _grad_mode.enabled = False

    def _clone(self) -> inference_mode:
        return inference_mode(self.mode)
