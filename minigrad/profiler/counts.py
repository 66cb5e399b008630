"""FLOPs and bytes of every kernel call, counted from its arguments (docs/profiling.md, "Counting
rules").

`count(name, call)` gives (flops, bytes) for the kernel "<stem>.<function>" called with `call`,
its parameters by name: an `Array` (shape, itemsize) for each array argument, the value itself
for the scalar options (activation, gradient flags, stride, hyperparameters). The formulas are
in counts_products.py (linear, convolution, pooling) and counts_passes.py (norms, losses,
dropout, optimizers), one per kernel function, each with its formula as its docstring. The ops
that run in NumPy and call no kernel are counted by the same rules in counts_ops.py.

One FLOP is one add, multiply, divide, compare (max, select) or one transcendental function
(exp, log, log1p, tanh, sqrt, cos); integer work (the dropout generator, indexing) is not
counted. Bytes are a lower bound, a minimum traffic model: every array the requested results
need is read once, every result written once, a state array updated in place read and written
(twice), and the intermediate matrices the algorithm materializes (linear backward's gz under an
activation, convolution's columns) written once and read once; all at the arrays' itemsize.
Caches, re-reads by blocked gemms and the kernels' scratch buffers are not counted.
"""
from __future__ import annotations

import functools
import importlib
import inspect
from typing import Callable

import numpy as np

from . import counts_passes, counts_products
from .countable import Array, Call, Count
from .events import Event


@functools.cache
def counts() -> dict[str, Callable[[Call], Count]]:
    """"<stem>.<function>" -> its count, for every kernel function with one."""
    return {f"{stem}.{formula.__name__}": formula
            for module in (counts_products, counts_passes)
            for stem, formulas in module.KERNELS.items() for formula in formulas}


def formula_of(name: str) -> Callable[[Call], Count]:
    """The count of kernel `name`; LookupError when it has none."""
    formula = counts().get(name)
    if formula is None:
        raise LookupError(f"no FLOP/byte count for kernel {name!r}: every kernel function needs "
                          f"one in minigrad/profiler/counts_products.py or counts_passes.py")
    return formula


def count(name: str, call: Call) -> Count:
    """(flops, bytes) of one call of the kernel `name` ("linear.linear_forward")."""
    flops, moved = formula_of(name)(call)
    return int(flops), int(moved)


@functools.cache
def parameter_names(name: str) -> tuple[str, ...]:
    """The parameters of kernel `name`, in order, from its NumPy twin (the kernel contract:
    compiled and twin have the same signature)."""
    stem, function = name.split(".", 1)
    twin = importlib.import_module(f"minigrad._reference.{stem}")
    return tuple(inspect.signature(getattr(twin, function)).parameters)


def event_call(event: Event) -> Call:
    """A kernel event's arguments by parameter name: its recorded arrays (positional ones, then
    keyword ones, see kernel_proxy) as Arrays, the other arguments from its scalars."""
    if event.input_shapes is None:
        raise ValueError(f"kernel event {event.name!r} has no recorded arrays to count")
    keywords = event.args.get("keywords", ())
    scalars = event.args.get("scalars", {})
    positional = len(event.input_shapes) - len(keywords)
    names = parameter_names(event.name)
    call: Call = {}
    for index, (shape, dtype) in enumerate(zip(event.input_shapes, event.input_dtypes)):
        key = index if index < positional else keywords[index - positional]
        parameter = names[index] if index < positional else key
        call[parameter] = (scalars.get(key) if shape is None
                           else Array(tuple(shape), np.dtype(dtype).itemsize))
    return call


def count_event(event: Event) -> Count:
    """(flops, bytes) of one recorded kernel call."""
    formula_of(event.name)  # no count: LookupError before reading the arguments
    return count(event.name, event_call(event))


def data_dtype(event: Event) -> str | None:
    """The name of the first floating-point dtype among a kernel event's arrays (the dtype whose
    peak bounds it), or None."""
    for dtype in event.input_dtypes or ():
        if dtype is not None and np.dtype(dtype).kind == "f":
            return dtype
    return None
