"""Functions made from one-line rules, for ops whose forward is one NumPy call and whose backward
is one formula per input (the table in ops/elementwise.py):

    Exp = rule("Exp", keeping_output(np.exp), lambda gy, y: gy * y)

reads: forward y = np.exp(x), keeping y for backward; the input's gradient is gy * y. A
`keeping_*` function wraps the NumPy call into forward(ctx, *inputs) and says what it saves;
each gradient is called as gradient(gy, *saved) (gy = dL/dy), only for an input that needs one.
The forwards made here call NumPy directly, so a rule costs Function.apply no extra call level.
"""
from __future__ import annotations

import sys
from typing import Callable

import numpy as np

from ..autograd import Function
from ._util import kept_for_each_other


def rule(name: str, forward: Callable, *gradients: Callable) -> type[Function]:
    """The Function named name (its node prints as <nameBackward0>) with this forward and one
    gradient formula per positional input (one or two inputs)."""
    if len(gradients) == 1:
        (gradient,) = gradients

        def backward(ctx, gy):  # one input: it needs its gradient, or there is no node
            return gradient(gy, *ctx.saved_tensors)
    else:
        gradient_a, gradient_b = gradients

        def backward(ctx, gy):
            saved = ctx.saved_tensors
            needs_a, needs_b = ctx.needs_input_grad
            return ((gradient_a(gy, *saved) if needs_a else None),
                    (gradient_b(gy, *saved) if needs_b else None))

    # the module writing the rule owns the class (as collections.namedtuple does)
    module = sys._getframe(1).f_globals["__name__"]
    return type(name, (Function,), {"forward": staticmethod(forward),
                                    "backward": staticmethod(backward), "__module__": module})


def keeping_nothing(compute: Callable) -> Callable:
    """forward = compute(*inputs), saving nothing for backward."""
    def forward(ctx, *inputs):
        return compute(*inputs)
    return forward


def keeping_inputs(compute: Callable, quiet: bool = False) -> Callable:
    """forward = compute(*inputs), saving the inputs; quiet: inf and nan without NumPy's
    warnings (log 0, 1 / 0), as in PyTorch."""
    def forward(ctx, *inputs):
        ctx.save_for_backward(*inputs)
        return compute(*inputs)

    def quiet_forward(ctx, *inputs):
        ctx.save_for_backward(*inputs)
        with np.errstate(divide="ignore", invalid="ignore"):
            return compute(*inputs)
    return quiet_forward if quiet else forward


def keeping_output(compute: Callable) -> Callable:
    """forward = y = compute(*inputs), saving y (when the derivative is cheaper from it)."""
    def forward(ctx, *inputs):
        y = compute(*inputs)
        ctx.save_for_backward(y)
        return y
    return forward


def keeping_inputs_and_output(compute: Callable) -> Callable:
    """forward = y = compute(*inputs), saving the inputs, then y."""
    def forward(ctx, *inputs):
        y = compute(*inputs)
        ctx.save_for_backward(*inputs, y)
        return y
    return forward


def keeping_each_other(compute: Callable) -> Callable:
    """forward = compute(a, b) of a bilinear op, saving a only for b's gradient and b only for
    a's (see _util.kept_for_each_other); the saved pair is (a or None, b or None)."""
    def forward(ctx, a, b):
        ctx.save_for_backward(*kept_for_each_other(ctx, a, b))
        return compute(a, b)
    return forward
