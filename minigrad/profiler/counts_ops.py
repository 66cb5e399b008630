"""FLOPs and bytes of the ops that run in NumPy and call no kernel: elementwise arithmetic and
math, the activations, the reductions and matmul (the rules: counts.py and docs/profiling.md,
"Counting rules").

OPS is the table: per Function class, the count of its forward and of its backward, each a
function of an OpCall (the shapes and item sizes of what the op read and wrote, and its options);
the comment on each row gives the formulas, per element of the result (the broadcast shape) for
the elementwise ops. n is the number of input elements of a reduction, m of its result, r the
number of rows along its dim (n / size of the dim). Bytes are the floor of counts.py: every
operand read once, every result written once, at its itemsize; a gradient that is gy itself (or
a broadcast view of it) is not written. An op event is counted only when it ran no kernel
(table.py): a kernel's rows count its work once. A Function not in OPS shows "-".
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np

from ..function import Function
from ..ops import activation, elementwise, reduce
from ..ops.index import MaskedFill
from ..ops.linear import Matmul
from ..ops.rounding import Step
from ..ops.scan import Cumsum, Prod
from ..ops.vector_norm import VectorNorm
from .countable import Array, Count, nbytes
from .events import Event


class OpCall(NamedTuple):
    """What an op's count needs: forward, the positional operands (Array, or None for a number
    or option) and (the result,); backward, (gy, *the arrays forward saved) and the gradients
    returned (None where not asked); options: forward's keyword arguments, or the attributes
    forward set on the context (dim, bounds, ord, ...)."""

    inputs: tuple
    outputs: tuple
    options: dict


Rule = Callable[[OpCall], Count]


def _size(array: Array | None) -> int:
    return 0 if array is None else array.size


def moved(c: OpCall) -> int:
    """Every operand read once, every result written once."""
    return sum(map(nbytes, c.inputs)) + sum(map(nbytes, c.outputs))


def per_element(flops: int) -> Rule:
    """flops per element of the result; the operands read, the result written."""
    return lambda c: (flops * _size(c.outputs[0]), moved(c))


def gradients(*flops: int | None) -> Rule:
    """Backward: flops[i] per element of input i's gradient when it is returned; None where that
    gradient is gy itself (nothing computed, nothing written); gy and the saved arrays read."""
    def count(c: OpCall) -> Count:
        computed = [(k, g) for k, g in zip(flops, c.outputs) if k is not None and g is not None]
        if not computed:
            return 0, 0
        total = sum(k * g.size for k, g in computed)
        return total, sum(map(nbytes, c.inputs)) + sum(g.nbytes for _, g in computed)
    return count


def reduction(flops: Callable[[int, int], int]) -> Rule:
    """A reduction's forward: flops(n, m); x read, the result written."""
    return lambda c: (flops(c.inputs[0].size, _size(c.outputs[0])), moved(c))


def along_dim(flops: Callable[[int, int], int], array: int) -> Rule:
    """flops(n, r) for the r rows along options["dim"] of c.inputs[array] (None: all in one row);
    the operands read, the results written."""
    def count(c: OpCall) -> Count:
        shape, dim = c.inputs[array].shape, c.options.get("dim")
        n = int(np.prod(shape, dtype=np.int64))
        rows = n // shape[dim] if dim is not None and shape and shape[dim] else 1
        return flops(n, rows), moved(c)
    return count


def nothing(c: OpCall) -> Count:
    """A gradient that is a view of gy (sum's broadcast): no FLOPs, no bytes."""
    return 0, 0


def mean_backward(c: OpCall) -> Count:
    """gy / count: m divides, gy read and the quotient written (the gradient is its broadcast)."""
    gy = c.inputs[0]
    return gy.size, 2 * gy.nbytes


def zeros_gradient(c: OpCall) -> Count:
    """A piecewise-constant op's gradient, zeros: no FLOPs, the zeros written (gy not read)."""
    return 0, sum(map(nbytes, c.outputs))


def div_backward(c: OpCall) -> Count:
    """ga = gy / b: 1; gb = -gy a / (b b): 3 per element + b b at b's size."""
    _, _, b = c.inputs
    ga, gb = c.outputs
    flops = _size(ga) + (3 * gb.size + _size(b) if gb is not None else 0)
    return flops, moved(c)


def pow_backward(c: OpCall) -> Count:
    """ga = gy b a^(b-1): 3 per element + b - 1 at b's size (a per-call scalar for a number b);
    gb = where(y == 0, 0, gy y log(where(y == 0, 1, a))): 7 per element."""
    _, _, b, _ = c.inputs
    ga, gb = c.outputs
    flops = (3 * ga.size + _size(b) if ga is not None else 0) + 7 * _size(gb)
    return flops, moved(c)


def clamp_forward(c: OpCall) -> Count:
    """One compare per element and given bound (min, max)."""
    bounds = (c.options.get("min") is not None) + (c.options.get("max") is not None)
    return bounds * _size(c.outputs[0]), moved(c)


def clamp_backward(c: OpCall) -> Count:
    """gy where lo <= x <= hi: one compare per element and bound, 1 multiply; gy, x read."""
    bounds = sum(bound is not None for bound in c.options["bounds"])
    return (bounds + 1) * _size(c.outputs[0]), moved(c)


# round(decimals=d) is x 10^d, rint, / 10^d; an integer input is copied
_STEP_FLOPS = {np.copy: 0, np.sign: 1, np.round: 1, np.floor: 1, np.ceil: 1, np.trunc: 1}


def step_forward(c: OpCall) -> Count:
    """sign, round, floor, ceil, trunc: 1 per element (round to decimals: 3; a copy: 0)."""
    return _STEP_FLOPS.get(c.options["step"], 3) * _size(c.outputs[0]), moved(c)


def extremum_forward(c: OpCall) -> Count:
    """max / min over everything: n - 1 compares + the tie mask x == y, isnan(x) (2n); along a
    dim: argmax's n - m compares (the gather of the values is integer work)."""
    n, m = c.inputs[0].size, _size(c.outputs[0])
    return (n - m + (2 * n if c.options.get("dim") is None else 0)), moved(c)


def extremum_backward(c: OpCall) -> Count:
    """Over everything: gy mask / count: 2n; along a dim: gy put at the index into zeros: 0
    FLOPs, gy and the index read, the gradient (n) written."""
    per_input = 2 if c.options["dim"] is None else 0
    return per_input * _size(c.outputs[0]), moved(c)


def vector_norm_forward(c: OpCall) -> Count:
    """|x| n + p: |x|^p n, sum n - m, ^(1/p) m; inf: max n - m; 0: != 0 n (the count of
    nonzeros is integer work)."""
    n, m, order = c.inputs[0].size, _size(c.outputs[0]), c.options["ord"]
    if np.isinf(order):
        return 2 * n - m, moved(c)
    return (2 * n if order == 0 else 3 * n), moved(c)


def vector_norm_backward(c: OpCall) -> Count:
    """p: sign(x) (|x| / y)^(p-1), y == 0, select, gy *: 8n; inf: |x|, == y, / count, sign,
    two multiplies: 6n; 0: zeros (no FLOPs)."""
    order, n = c.options["ord"], _size(c.outputs[0])
    if order == 0:
        return zeros_gradient(c)
    return (6 if np.isinf(order) else 8) * n, moved(c)


def matmul_forward(c: OpCall) -> Count:
    """2 k per output element (2 M N K), k = a's last dim."""
    a = c.inputs[0]
    return 2 * _size(c.outputs[0]) * a.shape[-1], moved(c)


def matmul_backward(c: OpCall) -> Count:
    """ga = gy b^T: 2 per element of ga and column of b (1 for a vector b); gb = a^T gy: 2 per
    element of gb and row of a (1 for a vector a); gy, the saved a, b read."""
    _, a, b = c.inputs
    ga, gb = c.outputs
    flops = 0
    if ga is not None:
        flops += 2 * ga.size * (b.shape[-1] if len(b.shape) > 1 else 1)
    if gb is not None:
        flops += 2 * gb.size * (a.shape[-2] if len(a.shape) > 1 else 1)
    return flops, moved(c)


E, A, R = elementwise, activation, reduce
# class: (forward, backward)             forward; backward, per element of each gradient
OPS: dict[type[Function], tuple[Rule, Rule]] = {
    E.Neg: (per_element(1), gradients(1)),              # -x; -gy
    E.Exp: (per_element(1), gradients(1)),              # e^x; gy y
    E.Log: (per_element(1), gradients(1)),              # ln x; gy / x
    E.Sqrt: (per_element(1), gradients(2)),             # sqrt x; gy / (2 y)
    E.Abs: (per_element(1), gradients(2)),              # |x|; gy sign(x)
    E.Sin: (per_element(1), gradients(2)),              # sin x; gy cos x
    E.Cos: (per_element(1), gradients(3)),              # cos x; -gy sin x
    E.Clone: (per_element(0), gradients(None)),         # a copy; gy itself
    E.Add: (per_element(1), gradients(None, None)),     # a + b; gy, gy
    E.Sub: (per_element(1), gradients(None, 1)),        # a - b; gy, -gy
    E.Mul: (per_element(1), gradients(1, 1)),           # a b; gy b, gy a
    E.Div: (per_element(1), div_backward),              # a / b; see div_backward
    E.Pow: (per_element(1), pow_backward),              # a^b; see pow_backward
    E.Maximum: (per_element(1), gradients(5, 6)),       # max; gy (a>b + 0.5 (a==b)), gy (1 - ..)
    E.Minimum: (per_element(1), gradients(5, 6)),       # min; the same with a<b
    E.Clamp: (clamp_forward, clamp_backward),           # a compare per bound; + gy *
    E.Where: (per_element(1), gradients(None, 1, 1)),   # select; two selects of gy and 0
    E.ToDtype: (per_element(0), gradients(0, None)),    # a cast; a cast back
    MaskedFill: (per_element(1), gradients(1, None)),   # select; select of 0 and gy
    A.ReLU: (per_element(1), gradients(2)),             # max(x, 0); gy (y > 0)
    A.LeakyReLU: (per_element(3), gradients(3)),        # x > 0, s x, select; gy select(x > 0)
    A.ELU: (per_element(6), gradients(5)),              # min, expm1, a *, >, select, scale *;
    #                                                     negative + a, >, select, 2 multiplies
    A.Softplus: (per_element(7), gradients(7)),         # b x, >, log(1 + e^bx) 3, / b, select;
    #                                                     b x, >, sigmoid 3, select, gy *
    A.Sigmoid: (per_element(3), gradients(3)),          # 1 / (1 + e^-x); gy y (1 - y)
    A.Tanh: (per_element(1), gradients(3)),             # tanh x; gy (1 - y y)
    Step: (step_forward, zeros_gradient),               # sign, round, ...: 1; zeros
    R.Sum: (reduction(lambda n, m: n - m), nothing),    # n - m adds; gy broadcast (a view)
    R.Mean: (reduction(lambda n, m: n), mean_backward),  # n - m adds + m divides; gy / count
    R.Var: (reduction(lambda n, m: 4 * n), gradients(2)),  # mean n, x - mean, square,
    #                                                     sum n - m, / dof m; gy (x - mean) 2/dof
    R.Extremum: (extremum_forward, extremum_backward),  # compares (+ the tie mask); a gather
    R.LogSumExp: (reduction(lambda n, m: 4 * n + 2 * m), gradients(3)),  # max, finite, select,
    #                                                     x - m, exp, sum, log, + m; gy e^(x - y)
    R.Softmax: (along_dim(lambda n, r: 5 * n - 2 * r, 0),   # max, x - max, exp, sum, divide;
                along_dim(lambda n, r: 4 * n - r, 1)),      # gy y, sum, gy -, y *
    R.LogSoftmax: (along_dim(lambda n, r: 5 * n - r, 0),    # max, -, exp, sum, log, -;
                   along_dim(lambda n, r: 4 * n - r, 0)),   # e^y, sum gy, *, gy -
    Prod: (reduction(lambda n, m: n - m),                # n - m multiplies;
           along_dim(lambda n, r: 4 * n - 2 * r, 1)),    # two cumprods, before after, gy *
    Cumsum: (along_dim(lambda n, r: n - r, 0),           # n - r adds; a reversed cumsum
             along_dim(lambda n, r: n - r, 0)),
    VectorNorm: (vector_norm_forward, vector_norm_backward),  # by ord: see the functions
    Matmul: (matmul_forward, matmul_backward),           # 2 M N K; one product per gradient
}


@functools.cache
def forward_rules() -> dict[type, Rule]:
    """Function class -> the count of its forward (what instrument.py records operands for)."""
    return {cls: rules[0] for cls, rules in OPS.items()}


def backward_rule(cls: type) -> Rule | None:
    """The count of cls's backward, or None when cls is not in the table."""
    rules = OPS.get(cls)
    return None if rules is None else rules[1]


def _array(described: tuple | None) -> Array | None:
    return None if described is None else Array(tuple(described[0]), described[1].itemsize)


def op_call(operands: tuple) -> OpCall:
    """The OpCall of a recorded op's operands (rule, inputs, outputs, options), inputs and
    outputs as (shape, dtype) or None per value (instrument.py)."""
    _, inputs, outputs, options = operands
    return OpCall(tuple(map(_array, inputs)), tuple(map(_array, outputs)), options)


def count_op_event(event: Event) -> Count | None:
    """(flops, bytes) of an op event that recorded operands and ran no kernel, else None."""
    if event.operands is None or event.kernel_ns:
        return None
    flops, moved_bytes = event.operands[0](op_call(event.operands))
    return int(flops), int(moved_bytes)


def data_dtype(event: Event) -> str | None:
    """The name of the first floating-point dtype among an op event's operands, or None."""
    _, inputs, outputs, _ = event.operands
    for described in (*inputs, *outputs):
        if described is not None and described[1].kind == "f":
            return described[1].name
    return None

