"""Installing the profiler's wrappers while a span records, and restoring what was there.

Nothing here runs when no profile records: `install` replaces, and `Installation.restore` puts
back exactly the objects that were in place (the same classmethod, staticmethods, functions),
so an unprofiled step pays nothing. What is wrapped:

- `Function.apply` (one classmethod for every op): an "op" event named after the Function class;
- each Function subclass's `backward`: an "op" event named as PyTorch's node (MulBackward0),
  phase "backward", whose input shapes are the incoming gradients;
- the events of the ops with a count (counts_ops.OPS: elementwise, reductions, matmul) keep
  their operands' shapes and dtypes and their options, whatever record_shapes says;
- `autograd.backpropagate` (the graph walk): the range "autograd::backward", which sets the phase
  to "backward" for what runs inside;
- `Optimizer.step` wherever a class defines it: the range "Optimizer.step#SGD.step", phase
  "optimizer";
- the kernel modules (kernel_proxy.py).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import numpy as np

from .. import autograd, function
from .._printing import node_name
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from . import counts_ops, kernel_proxy
from .kernel_proxy import describe_arrays
from .events import OP, RANGE, Recorder

_now = time.perf_counter_ns
_thread = threading.get_ident


def describe_tensors(args: tuple) -> tuple:
    """Per positional argument of an op: (shape, dtype) when it is a Tensor, else None."""
    return tuple((a._array.shape, a._array.dtype) if isinstance(a, Tensor) else None
                 for a in args)


def describe_operands(args: tuple) -> tuple:
    """Per positional argument of a counted op: (shape, dtype) of a Tensor or an array (where's
    condition, masked_fill's mask), else None."""
    return tuple([(a._array.shape, a._array.dtype) if isinstance(a, Tensor)
                  else (a.shape, a.dtype) if isinstance(a, np.ndarray) else None for a in args])


def _timed_apply(recorder: Recorder, apply: Callable) -> classmethod:
    """Function.apply, recording one op event per call; an op with a count (counts_ops.OPS)
    also records its operands, the result and its options, after the timed interval."""
    raw = recorder.raw
    rules = counts_ops.forward_rules()

    def profiled_apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        arrays = describe_tensors(args) if recorder.record_shapes else None
        result = None
        start = _now()
        try:
            result = apply(cls, *args, **kwargs)
            return result
        finally:
            end = _now()
            rule = rules.get(cls)
            operands = None if rule is None or result is None else (
                rule, describe_operands(args), ((result._array.shape, result._array.dtype),),
                kwargs)
            raw.append((cls.__name__, OP, recorder.phase, start, end, _thread(), arrays, None,
                        operands))

    return classmethod(profiled_apply)


def _timed_backward(recorder: Recorder, name: str, backward: Callable) -> staticmethod:
    """A Function's backward, recording one op event per call under its node's name."""
    raw = recorder.raw

    def profiled_backward(ctx: Any, *grads: Any) -> Any:
        arrays = describe_arrays(grads) if recorder.record_shapes else None
        start = _now()
        try:
            return backward(ctx, *grads)
        finally:
            raw.append((name, OP, "backward", start, _now(), _thread(), arrays, None))

    return staticmethod(profiled_backward)


def _counted_backward(recorder: Recorder, name: str, backward: Callable,
                      rule: Callable) -> staticmethod:
    """_timed_backward of an op with a count: its event also keeps (gy, *the saved arrays), the
    gradients returned and the context's attributes (dim, bounds), described outside the timed
    interval."""
    raw = recorder.raw

    def profiled_backward(ctx: Any, *grads: Any) -> Any:
        arrays = describe_arrays(grads) if recorder.record_shapes else None
        read = describe_arrays((*grads, *ctx.saved_tensors))
        options = ctx.__dict__.copy()
        result = None
        start = _now()
        try:
            result = backward(ctx, *grads)
            return result
        finally:
            end = _now()
            operands = None if result is None else (
                rule, read, describe_arrays(result if type(result) is tuple else (result,)),
                options)
            raw.append((name, OP, "backward", start, end, _thread(), arrays, None, operands))

    return staticmethod(profiled_backward)


def _ranged(recorder: Recorder, function: Callable, phase: str,
            name_of: Callable[[tuple], str]) -> Callable:
    """function, recorded as a range that sets the recorder's phase while it runs."""
    raw = recorder.raw

    def profiled(*args: Any, **kwargs: Any) -> Any:
        outer_phase, recorder.phase = recorder.phase, phase
        start = _now()
        try:
            return function(*args, **kwargs)
        finally:
            recorder.phase = outer_phase
            raw.append((name_of(args), RANGE, phase, start, _now(), _thread(), None, None))

    return profiled


def _subclasses(cls: type) -> list[type]:
    """Every subclass of cls, at any depth, each once."""
    found: dict[type, None] = {}
    pending = list(cls.__subclasses__())
    while pending:
        sub = pending.pop()
        if sub not in found:
            found[sub] = None
            pending.extend(sub.__subclasses__())
    return list(found)


class Installation:
    """The wrappers of one recording span; `restore` undoes them."""

    def __init__(self, recorder: Recorder) -> None:
        # (owner, attribute, what was in owner.__dict__, or _ABSENT when it was inherited)
        self._replaced: list[tuple[Any, str, Any]] = []
        self._kernels = kernel_proxy.install(recorder)
        try:
            self._wrap_engine(recorder)
        except BaseException:  # leave nothing half-installed
            self.restore()
            raise

    def _wrap_engine(self, recorder: Recorder) -> None:
        Function = function.Function
        apply = Function.__dict__["apply"]
        self._set(Function, "apply", _timed_apply(recorder, apply.__func__))
        # each class's own or inherited backward, read before any of them is wrapped
        backwards = {cls: cls.backward for cls in _subclasses(Function)}
        for cls, backward in backwards.items():
            self._set(cls, "backward", _wrapped_backward(recorder, cls, backward))
        self._set(autograd, "backpropagate",
                  _ranged(recorder, autograd.backpropagate, "backward",
                          lambda args: "autograd::backward"))
        for cls in [Optimizer, *_subclasses(Optimizer)]:
            if "step" in cls.__dict__:
                self._set(cls, "step", _ranged(recorder, cls.__dict__["step"], "optimizer",
                                               _optimizer_step_name))

    def _set(self, owner: Any, attribute: str, value: Any) -> None:
        self._replaced.append((owner, attribute, vars(owner).get(attribute, _ABSENT)))
        setattr(owner, attribute, value)

    def restore(self) -> None:
        """Put back every replaced attribute (in reverse order) and the kernel modules."""
        for owner, attribute, original in reversed(self._replaced):
            if original is _ABSENT:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
        self._replaced.clear()
        self._kernels.restore()


_ABSENT = object()


def _wrapped_backward(recorder: Recorder, cls: type, backward: Callable) -> staticmethod:
    """cls's backward, timed, with its operands when cls has a count."""
    rule = counts_ops.backward_rule(cls)
    if rule is None:
        return _timed_backward(recorder, node_name(cls.__name__), backward)
    return _counted_backward(recorder, node_name(cls.__name__), backward, rule)


def _optimizer_step_name(args: tuple) -> str:
    """PyTorch's name of the range of an optimizer's step: Optimizer.step#SGD.step."""
    return f"Optimizer.step#{type(args[0]).__name__}.step"


def install(recorder: Recorder) -> Installation:
    """Wrap the ops, the graph walk, the optimizers and the kernels to record into recorder."""
    return Installation(recorder)
