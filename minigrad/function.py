"""Function, the base class of every differentiable op, and Context, the node it records.

An op is a subclass of Function with two static methods working on NumPy arrays:

    forward(ctx, *arrays, **options) -> ndarray
    backward(ctx, grad_output) -> one gradient (or None) per positional argument of forward

`Function.apply` unwraps Tensors, runs forward, and, when grad mode is on and some input requires
grad, records the context as the output's node; autograd.py walks these nodes backward.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._printing import node_name
from .grad_mode import is_grad_enabled
from .tensor import INPLACE_CLOCK, Tensor


class Context:
    """What one recorded op keeps for backward: the Function, its parents and saved arrays.

    Ops may also store plain attributes on it (shapes, options). `parents` holds one entry per
    positional argument of forward: the input Tensor, or None for a non-tensor argument.
    """

    # _hooks and _retained (unset until register_hook / retain_grad on the node's output tensor)
    __slots__ = ("function", "parents", "needs_input_grad", "saved_tensors", "released",
                 "version", "changed_outputs", "_hooks", "_retained", "__dict__")

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
        """The node's name as PyTorch prints it in grad_fn=<...> (MulBackward0, AddmmBackward0)."""
        return node_name(self.function.__name__)

    def __repr__(self) -> str:
        return f"<{self.name} object at {id(self):#x}>"


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
