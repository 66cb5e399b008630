"""Elementwise arithmetic and math: + - * / **, neg, exp, log, sqrt, abs, sin, cos, clamp,
maximum, minimum, where, and the comparisons (which return boolean tensors outside the graph).

Broadcasting happens in forward (NumPy's rules, whose ValueError names both shapes); the engine sums each gradient back to its
input's shape, so backward here returns gradients of the broadcast shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ..dtypes import default_float, promote, scalar_dtype, true_division_dtype
from ._util import kept_for_each_other, needs, type_name


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


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, gy):
        return gy, gy


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, gy):
        return gy, (-gy if needs(ctx, 1) else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*kept_for_each_other(ctx, a, b))
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return (gy * b if needs(ctx, 0) else None), (gy * a if needs(ctx, 1) else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # inf and nan quietly, as PyTorch
            return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = gy / b if needs(ctx, 0) else None
        gb = -gy * a / (b * b) if needs(ctx, 1) else None  # d(a/b)/db = -a / b^2
        return ga, gb


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        # d(a^b)/da = b a^(b-1);  d(a^b)/db = a^b log a  (taken as 0 where a^b is 0)
        ga = gy * b * a ** (b - 1) if needs(ctx, 0) else None
        gb = None
        if needs(ctx, 1):
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where(y == 0, 0, gy * y * np.log(np.where(y == 0, 1, a)))
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return -gy


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # -inf and nan quietly, as PyTorch
            return np.log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy / (2 * y)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * np.sign(x)  # PyTorch's subgradient: 0 at x == 0


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * np.cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * np.sin(x)


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


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)  # ties split the gradient evenly, as in PyTorch
        return gy * share_a, gy * (1 - share_a)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        share_a = (a < b) + 0.5 * (a == b)
        return gy * share_a, gy * (1 - share_a)


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


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, gy):
        return gy


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
