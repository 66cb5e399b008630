"""Elementwise arithmetic and math: + - * / **, neg, exp, log, sqrt, abs, sin, cos, clamp,
maximum, minimum, where, and the comparisons (which return boolean tensors outside the graph).

Most ops are one row of the table below (forward, what it saves, each input's gradient; see
_rules.py); clamp, where and the dtype cast are classes. Broadcasting happens in forward (NumPy's
rules, whose ValueError names both shapes); the engine sums each gradient back to its input's
shape, so backward here returns gradients of the broadcast shape.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ..dtypes import default_float, promote, scalar_dtype, true_division_dtype
from ._rules import (keeping_each_other, keeping_inputs, keeping_inputs_and_output,
                     keeping_nothing, keeping_output, rule)
from ._util import type_name


def promoted(*operands: Any) -> tuple:
    """The operands of an elementwise op in PyTorch's result dtype (dtypes.promote): a tensor of
    another dtype through a cast the gradient flows back through, a scalar or array as an array.
    The usual case, tensors of one dtype or a float tensor with a Python number, passes as is
    (NumPy keeps the tensor's dtype for a Python number, as PyTorch does)."""
    if _already_promoted(operands):
        return operands
    dtype = result_dtype(*operands)
    return tuple(_as_operand(x, dtype) for x in operands)


def _already_promoted(operands: tuple) -> bool:
    """Tensors of one dtype, with Python numbers that NumPy treats as PyTorch does: ints with any
    tensor, floats with a float tensor (an int tensor times 2.5 is float32, not NumPy's float64)."""
    dtype, any_float_scalar = None, False
    for x in operands:
        if isinstance(x, Tensor):
            if dtype is None:
                dtype = x._array.dtype
            elif x._array.dtype != dtype:
                return False
        elif type(x) is float:
            any_float_scalar = True
        elif type(x) is not int:
            return False
    return dtype is not None and (dtype.kind == "f" or not any_float_scalar)


def result_dtype(*operands: Any) -> np.dtype:
    """PyTorch's result dtype of operands: tensors, arrays, Python and NumPy scalars."""
    groups: tuple[list, list, list] = ([], [], [])
    for x in operands:
        if isinstance(x, (Tensor, np.ndarray)):
            array = x._array if isinstance(x, Tensor) else x
            groups[0 if array.ndim else 1].append(array.dtype)
        elif isinstance(x, (bool, int, float, np.generic)):
            groups[2].append(scalar_dtype(x))
        else:
            raise TypeError(f"unsupported operand of type {type_name(x)}: expected a Tensor or a "
                            "number")
    return promote(*groups)


def floating(input: Tensor) -> Tensor:
    """input for float math (exp, log, sin, sigmoid, ...): itself when floating point, else cast
    to the default float dtype, as PyTorch computes integer and bool tensors' float math."""
    if input._array.dtype.kind in "fc":
        return input
    return ToDtype.apply(input, default_float())


def _as_operand(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, Tensor):
        return x if x._array.dtype == dtype else to_dtype(x, dtype)
    return Tensor._make(np.asarray(x, dtype))


# ---------------------------------------------------------------------------------- the rules
# Each op: its forward (a NumPy call and what it saves for backward), then its inputs' gradients
# from gy = dL/dy and what was saved (x the input, a and b the inputs, y the output); _rules.py
# makes the Function. Clamp, Where and ToDtype, below, take options and are written out.

Neg = rule("Neg", keeping_nothing(operator.neg), lambda gy: -gy)
Exp = rule("Exp", keeping_output(np.exp), lambda gy, y: gy * y)
Log = rule("Log", keeping_inputs(np.log, quiet=True), lambda gy, x: gy / x)
Sqrt = rule("Sqrt", keeping_output(np.sqrt), lambda gy, y: gy / (2 * y))
Abs = rule("Abs", keeping_inputs(np.abs), lambda gy, x: gy * np.sign(x))  # PyTorch's: 0 at 0
Sin = rule("Sin", keeping_inputs(np.sin), lambda gy, x: gy * np.cos(x))
Cos = rule("Cos", keeping_inputs(np.cos), lambda gy, x: -gy * np.sin(x))
Clone = rule("Clone", keeping_nothing(np.ndarray.copy), lambda gy: gy)

Add = rule("Add", keeping_nothing(operator.add),
           lambda gy: gy,
           lambda gy: gy)
Sub = rule("Sub", keeping_nothing(operator.sub),
           lambda gy: gy,
           lambda gy: -gy)
Mul = rule("Mul", keeping_each_other(operator.mul),
           lambda gy, a, b: gy * b,
           lambda gy, a, b: gy * a)
Div = rule("Div", keeping_inputs(operator.truediv, quiet=True),
           lambda gy, a, b: gy / b,
           lambda gy, a, b: -gy * a / (b * b))  # d(a/b)/db = -a / b^2
Pow = rule("Pow", keeping_inputs_and_output(operator.pow),
           lambda gy, a, b, y: gy * b * a ** (b - 1),  # d(a^b)/da = b a^(b-1)
           lambda gy, a, b, y: _exponent_gradient(gy, a, y))  # d(a^b)/db = a^b log a
Maximum = rule("Maximum", keeping_inputs(np.maximum),
               lambda gy, a, b: gy * _share(a > b, a == b),
               lambda gy, a, b: gy * (1 - _share(a > b, a == b)))
Minimum = rule("Minimum", keeping_inputs(np.minimum),
               lambda gy, a, b: gy * _share(a < b, a == b),
               lambda gy, a, b: gy * (1 - _share(a < b, a == b)))


def _share(wins: np.ndarray, ties: np.ndarray) -> np.ndarray:
    """The first input's share of max's or min's gradient: all where it wins, half on ties (PyTorch
    splits the gradient evenly), none where it loses or either is NaN."""
    return wins + 0.5 * ties


def _exponent_gradient(gy: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """gy * y log a for y = a^b, taken as 0 where y is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0, gy * y * np.log(np.where(y == 0, 1, a)))


class Clamp(Function):
    @staticmethod
    def forward(ctx, x, min=None, max=None):
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        return np.clip(x, min, max)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(x.shape, dtype=bool)  # PyTorch passes the gradient at the bounds
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return gy * inside


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, gy):
        (condition,) = ctx.saved_tensors
        zero = np.zeros((), gy.dtype)
        return None, np.where(condition, gy, zero), np.where(condition, zero, gy)


class ToDtype(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.source_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return gy.astype(ctx.source_dtype), None


# ------------------------------------------------------------------------------ public functions


def add(input: Any, other: Any, alpha: float = 1) -> Tensor:
    return Add.apply(*promoted(input, other if alpha == 1 else mul(other, alpha)))


def sub(input: Any, other: Any, alpha: float = 1) -> Tensor:
    if any(isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x._array.dtype == np.bool_)
           for x in (input, other)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return Sub.apply(*promoted(input, other if alpha == 1 else mul(other, alpha)))


def mul(input: Any, other: Any) -> Tensor:
    return Mul.apply(*promoted(input, other))


def div(input: Any, other: Any) -> Tensor:
    """True division; integers and bools divide into the default float dtype, as in PyTorch."""
    dtype = true_division_dtype(result_dtype(input, other))  # straight to it: uint8 / -1 is -1.
    return Div.apply(*(_as_operand(x, dtype) for x in (input, other)))


def pow(input: Any, exponent: Any) -> Tensor:
    return Pow.apply(*promoted(input, exponent))


def neg(input: Tensor) -> Tensor:
    return Neg.apply(input)


def exp(input: Tensor) -> Tensor:
    return Exp.apply(floating(input))


def log(input: Tensor) -> Tensor:
    return Log.apply(floating(input))


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(floating(input))


def abs(input: Tensor) -> Tensor:
    return Abs.apply(input)


def sin(input: Tensor) -> Tensor:
    return Sin.apply(floating(input))


def cos(input: Tensor) -> Tensor:
    return Cos.apply(floating(input))


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max")
    return Clamp.apply(input, min=min, max=max)


clip = clamp


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return Maximum.apply(*promoted(input, other))


def minimum(input: Tensor, other: Tensor) -> Tensor:
    return Minimum.apply(*promoted(input, other))


def where(condition: Any, input: Any, other: Any) -> Tensor:
    condition = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where expects a boolean condition, got {condition.dtype}")
    return Where.apply(condition, *promoted(input, other))


def to_dtype(input: Tensor, dtype: np.dtype) -> Tensor:
    return ToDtype.apply(input, dtype)


def clone(input: Tensor) -> Tensor:
    return Clone.apply(input)


def _compare(ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    """a < b and the like, in the operands' promoted dtype (float32 0.1 == np.float64(0.1))."""
    a, b = (x._array if isinstance(x, Tensor) else x for x in promoted(a, b))
    return Tensor._make(np.asarray(ufunc(a, b)))


def lt(input: Any, other: Any) -> Tensor: return _compare(np.less, input, other)
def le(input: Any, other: Any) -> Tensor: return _compare(np.less_equal, input, other)
def gt(input: Any, other: Any) -> Tensor: return _compare(np.greater, input, other)
def ge(input: Any, other: Any) -> Tensor: return _compare(np.greater_equal, input, other)
def eq(input: Any, other: Any) -> Tensor: return _compare(np.equal, input, other)
def ne(input: Any, other: Any) -> Tensor: return _compare(np.not_equal, input, other)
