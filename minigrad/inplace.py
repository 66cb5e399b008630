"""The bodies of Tensor's in-place methods (`add_`, `fill_`, `copy_`, `clamp_`, `uniform_`, ...),
outside the graph, with PyTorch's rules:

- a leaf that requires grad refuses them while grad mode is on (wrap in no_grad, or change
  `t.data`, which is what `.data` is for);
- the result must keep the tensor's shape (the other operand broadcasts to it, never the tensor
  to the other) and its dtype: a float result cannot go into an integer tensor, an integer into a
  bool one ("result type Float can't be cast to the desired output type Long"); within a category
  it is cast (float64 values into a float32 tensor);
- the random fills draw from the global generator or `generator=`, and only fill floating-point
  tensors (except random_ and bernoulli_, as in PyTorch).

Each change is counted by Tensor._mark_changed for the engine's check of saved arrays.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._shapes import broadcast_shape
from .dtypes import SCALAR_TYPE_NAMES, category, true_division_dtype
from .ops.elementwise import result_dtype
from .random import Generator, numpy_rng
from .tensor import Tensor


def _values(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


def _check_result(t: Tensor, result: np.dtype, other_shape: tuple) -> None:
    """The result of an op on t must fit t: its dtype's category and its shape."""
    if category(result) > category(t._array.dtype):
        raise RuntimeError(f"result type {SCALAR_TYPE_NAMES.get(result, result)} can't be cast "
                           "to the desired output type "
                           f"{SCALAR_TYPE_NAMES.get(t._array.dtype, t._array.dtype)}")
    broadcast = broadcast_shape(t.shape, other_shape)
    if broadcast != t.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast "
                           f"shape {list(broadcast)}")


def _shape_of(x: Any) -> tuple:
    return np.shape(_values(x))


def _check_alpha(t: Tensor, other: Any, alpha: Any) -> None:
    integral = category(result_dtype(t, other)) < 2
    if integral and isinstance(alpha, (float, np.floating)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if isinstance(alpha, (bool, np.bool_)) and t._array.dtype != np.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


def arithmetic_(ufunc: np.ufunc, t: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """t = ufunc(t, alpha * other) in place: add_, sub_, mul_ (alpha 1)."""
    t._check_inplace()
    if alpha != 1:
        _check_alpha(t, other, alpha)
    _check_result(t, result_dtype(t, other), _shape_of(other))
    if ufunc is np.subtract and t._array.dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    operand = _values(other) if alpha == 1 else np.multiply(_values(other), alpha)
    ufunc(t._array, operand, out=t._array, casting="unsafe")  # the dtype was checked above
    t._mark_changed()
    return t


def div_(t: Tensor, other: Any, rounding_mode: str | None = None) -> Tensor:
    """t = t / other in place; rounding_mode None (true division), 'trunc' or 'floor'."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    t._check_inplace()
    result = result_dtype(t, other)
    _check_result(t, true_division_dtype(result) if rounding_mode is None else result,
                  _shape_of(other))
    if rounding_mode == "floor":
        np.floor_divide(t._array, _values(other), out=t._array, casting="unsafe")
    else:
        quotient = np.true_divide(t._array, _values(other))
        t._array[...] = quotient if rounding_mode is None else np.trunc(quotient)
    t._mark_changed()
    return t


def fill_(t: Tensor, value: Any) -> Tensor:
    """Every element = value (a number or a 0-d tensor), cast to t's dtype."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        value = value._array
    elif not isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"fill_(): value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    t._check_inplace()
    t._array[...] = value
    t._mark_changed()
    return t


def copy_(t: Tensor, src: Any) -> Tensor:
    """t's elements = src's (a tensor or an ndarray), broadcast to t's shape and cast to its
    dtype (any cast, float to int truncating, as PyTorch's copy_)."""
    if not isinstance(src, (Tensor, np.ndarray)):
        raise TypeError(f"copy_(): argument 'src' must be Tensor (or an ndarray), not "
                        f"{type(src).__name__}")
    t._check_inplace()
    _check_result(t, t._array.dtype, _shape_of(src))
    np.copyto(t._array, _values(src), casting="unsafe")
    t._mark_changed()
    return t


def clamp_(t: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's)
    """t's elements limited to [min, max] (numbers or tensors); NaN stays NaN; where min > max
    every element becomes max, as in PyTorch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    t._check_inplace()
    bounds = [b for b in (min, max) if b is not None]
    _check_result(t, result_dtype(t, *bounds), broadcast_shape(*map(_shape_of, bounds)))
    np.clip(t._array, _values(min), _values(max), out=t._array, casting="unsafe")
    t._mark_changed()
    return t


# ------------------------------------------------------------------------------- random fills

def _random_fill(t: Tensor, kernel: str, samples: Any) -> Tensor:
    """t = samples(rng, shape) for a floating-point t, after the checks (nothing drawn before)."""
    if t._array.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{SCALAR_TYPE_NAMES.get(t._array.dtype, t._array.dtype)}'")
    return _fill_with(t, samples)


def _fill_with(t: Tensor, samples: Any) -> Tensor:
    t._check_inplace()
    t._array[...] = samples(t.shape)
    t._mark_changed()
    return t


def uniform_(t: Tensor, low: float, high: float, generator: Generator | None) -> Tensor:
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={low:g} > to={high:g}")
    rng = numpy_rng(generator)
    return _random_fill(t, "check_uniform_bounds", lambda shape: rng.uniform(low, high, shape))


def normal_(t: Tensor, mean: float, std: float, generator: Generator | None) -> Tensor:
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    rng = numpy_rng(generator)
    return _random_fill(t, "normal_kernel_cpu", lambda shape: rng.normal(mean, std, shape))


def exponential_(t: Tensor, lambd: float, generator: Generator | None) -> Tensor:
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    rng = numpy_rng(generator)
    return _random_fill(t, "exponential_cpu",
                        lambda shape: rng.exponential(1.0 / lambd, shape))


def random_(t: Tensor, low: int | None, high: int | None, generator: Generator | None) -> Tensor:
    """Integers from [low, high): random_() the whole range of t's dtype (floats: the integers
    their mantissa holds exactly, [0, 2^24] for float32), random_(high), random_(low, high)."""
    if low is not None and high is None:
        low, high = 0, low
    if high is None:
        dtype = t._array.dtype
        low, high = 0, (2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f"
                        else int(np.iinfo(dtype).max) + 1 if dtype.kind in "iu" else 2)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    rng = numpy_rng(generator)
    return _fill_with(t, lambda shape: rng.integers(low, high, shape))


def bernoulli_(t: Tensor, p: Any, generator: Generator | None) -> Tensor:
    """Each element 1 with probability p (a number or a tensor broadcast to t), else 0."""
    probabilities = np.asarray(_values(p), dtype=np.float64)
    if not np.all((probabilities >= 0) & (probabilities <= 1)):
        shown = f"p={p:g}" if probabilities.ndim == 0 else "some elements of p"
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got {shown}")
    _check_result(t, t._array.dtype, probabilities.shape)
    rng = numpy_rng(generator)
    return _fill_with(t, lambda shape: rng.random(shape) < probabilities)
