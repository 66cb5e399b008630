"""The autograd engine: Function, its context, grad mode, and the backward graph walk.

An op is a subclass of Function with two static methods working on NumPy arrays:

    forward(ctx, *arrays, **options) -> ndarray
    backward(ctx, grad_output) -> one gradient (or None) per positional argument of forward

`Function.apply` unwraps Tensors, runs forward, and, when grad mode is on and some input requires
grad, records the context as the output's node. `run_backward` walks the recorded graph in reverse
topological order without recursion, sums the gradients flowing into each node, reduces broadcast
dimensions, accumulates into the leaves' `.grad`, and frees the saved arrays unless retain_graph.
Before a node's backward runs, it checks that nothing it saved was changed in place since it was
recorded (PyTorch's saved-tensor version check), so a changed input never gives a wrong gradient.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

import numpy as np

from .tensor import INPLACE_CLOCK, Tensor

F = TypeVar("F", bound=Callable[..., Any])

# --------------------------------------------------------------------------------------- grad mode

_grad_mode = threading.local()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward (per thread, as in PyTorch)."""
    return getattr(_grad_mode, "enabled", True)


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


class _GradModeContext:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    mode = True

    def __enter__(self) -> None:
        self.previous = is_grad_enabled()
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Context manager and decorator that disables gradient recording."""

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that enables gradient recording (e.g. inside no_grad)."""

    mode = True


# --------------------------------------------------------------------------------------- Function


class Context:
    """What one recorded op keeps for backward: the Function, its parents and saved arrays.

    Ops may also store plain attributes on it (shapes, options). `parents` holds one entry per
    positional argument of forward: the input Tensor, or None for a non-tensor argument.
    """

    __slots__ = ("function", "parents", "needs_input_grad", "saved_tensors", "released",
                 "version", "changed_outputs", "__dict__")

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()
        self.released = False
        self.changed_outputs: tuple = ()  # (array, version) of the output, changed in place

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays

    def release(self) -> None:
        """Free what forward saved; a second backward through this node then raises."""
        self.saved_tensors = self.changed_outputs = ()
        self.__dict__.clear()
        self.released = True

    @property
    def name(self) -> str:
        return self.function.__name__ + "Backward"


class Function:
    """Base class of every differentiable op (see the module docstring for the contract)."""

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad_output: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        ctx = Context()
        arrays, parents, needs_input_grad = [], [], []
        for a in args:  # one pass: this is the hot path of every op
            if isinstance(a, Tensor):
                arrays.append(a._array)
                parents.append(a)
                needs_input_grad.append(a.requires_grad)
            else:
                arrays.append(a)
                parents.append(None)
                needs_input_grad.append(False)
        record = True in needs_input_grad and is_grad_enabled()
        if record:
            ctx.needs_input_grad = tuple(needs_input_grad)
            ctx.version = INPLACE_CLOCK.now
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        result = Tensor._make(out)
        if out.base is not None:  # a view: it shares its parent's memory and version counter
            result._base = _viewed_parent(out, parents)
        if record:
            ctx.function = cls
            ctx.parents = tuple(parents)
            result.requires_grad = True
            result._node = ctx
        return result


def _viewed_parent(view: np.ndarray, parents: list) -> Tensor | None:
    """The owner tensor of the memory that view (an op's output) looks into, if it is a parent's."""
    for parent in parents:
        if parent is not None and (parent._array is view.base or parent._array.base is view.base):
            return parent._owner()
    return None


# --------------------------------------------------------------------------------------- backward


def check_saved_unchanged(node: Context) -> None:
    """Raise if an array that node saved for backward was changed in place after node was
    recorded: its inputs (their memory changed later than node.version on the in-place clock)
    or its output (noted on the node by the in-place op). A changed array that node did not save
    (add keeps no inputs, say) is fine, as in PyTorch."""
    saved = [a for a in (*node.saved_tensors, *node.__dict__.values())
             if isinstance(a, np.ndarray)]
    changed = [(p._array, p._version) for p in node.parents
               if p is not None and p._owner()._changed_at > node.version]
    for array, version in changed + list(node.changed_outputs):
        if any(np.may_share_memory(array, s) for s in saved):
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{array.dtype} tensor of shape {list(array.shape)}], saved "
                f"by {node.name}, is at version {version}; it was changed after {node.name} "
                "saved it. Hint: do the in-place change after backward, or on a clone().")


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum grad over the dimensions that were broadcast to reach its shape."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _topological_order(root: Context) -> list[Context]:
    """Nodes reachable from root, each after all nodes that consume it (iterative DFS)."""
    post_order: list[Context] = []
    visited: set[int] = set()
    stack: list[tuple[Context, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            post_order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if parent is not None and parent._node is not None and id(parent._node) not in visited:
                stack.append((parent._node, False))
    post_order.reverse()
    return post_order


def _accumulate_leaf(leaf: Tensor, grad: np.ndarray) -> None:
    """leaf.grad += grad, in place when a grad buffer exists (it may live in an optimizer arena).

    A first gradient is copied: into the parameter's arena buffer when an optimizer gave it one
    (so the arena stays where the optimizer reads), else into a new array; also when the leaf
    has changed dtype since (model.double()), and the optimizer re-packs at its next step.
    """
    if leaf.grad is None:
        buffer = getattr(leaf, "_grad_buffer", None)
        if buffer is None or buffer.dtype != leaf._array.dtype:
            buffer = np.empty(leaf._array.shape, leaf._array.dtype)
        np.copyto(buffer, grad, casting="unsafe")
        leaf.grad = Tensor._make(buffer)
    else:
        np.add(leaf.grad._array, grad, out=leaf.grad._array, casting="unsafe")


def run_backward(root: Tensor, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Propagate grad (d output / d root) from root to every leaf that requires grad."""
    if root._node is None:  # root is itself a leaf
        _accumulate_leaf(root, grad)
        return
    pending: dict[Context, np.ndarray] = {root._node: grad}
    for node in _topological_order(root._node):
        grad_out = pending.pop(node, None)
        if grad_out is None:  # no gradient reached this node
            continue
        if node.released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({node.name}): its saved "
                "arrays were freed. Specify retain_graph=True on the first backward call.")
        if node.version != INPLACE_CLOCK.now:  # some tensor changed in place since node was made
            check_saved_unchanged(node)
        grads = node.function.backward(node, grad_out)
        if not isinstance(grads, tuple):
            grads = (grads,)
        for parent, needs, g in zip(node.parents, node.needs_input_grad, grads):
            if not needs or g is None:
                continue
            if type(g) is not np.ndarray:
                g = np.asarray(g)
            if g.shape != parent._array.shape:  # broadcast in forward: sum it away
                g = sum_to_shape(g, parent._array.shape)
            if g.dtype != parent._array.dtype:  # a gradient has its tensor's dtype, always
                g = g.astype(parent._array.dtype)
            if parent._node is None:
                _accumulate_leaf(parent, g)
            elif parent._node in pending:
                pending[parent._node] = pending[parent._node] + g
            else:
                pending[parent._node] = g
        if not retain_graph:
            node.release()
