"""Argument checks for the public constructors and calls of minigrad.nn and minigrad.data.

Each raises PyTorch's exception type for the same mistake, with a message that names the
argument, what it got and what it expected; modules call them before they create any state.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from ..ops._util import tensor_input, type_name  # noqa: F401  (the modules' input check)
from ..tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def integer(name: str, value: Any) -> int:
    """An int (not a bool, not a float), TypeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type_name(value)} {value!r}")
    return int(value)


def size(name: str, value: Any) -> int:
    """A dimension size: an int >= 0 (RuntimeError for a negative one, as PyTorch)."""
    value = integer(name, value)
    if value < 0:
        raise RuntimeError(f"{name} must be >= 0 (a tensor dimension), got {value}")
    return value


def number(name: str, value: Any) -> float:
    """A real number, TypeError otherwise (a str, None, a tensor)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type_name(value)} {value!r}")
    return float(value)


def positive(name: str, value: Any) -> float:
    """A number > 0 (which also rejects NaN), ValueError otherwise."""
    if not number(name, value) > 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return float(value)


def boolean(name: str, value: Any) -> bool:
    """True or False, ValueError otherwise (PyTorch's DataLoader: 'should be a boolean')."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} should be a boolean value, but got {name}={value!r}")
    return value


def reduction(value: Any, allowed: Sequence[str] = REDUCTIONS) -> str:
    """One of the loss reductions, ValueError otherwise."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{value!r} is not a valid value for reduction (expected one of "
                         f"{', '.join(map(repr, allowed))})")
    return value


def optional_tensor(name: str, value: Any) -> Any:
    """None or a Tensor, TypeError otherwise (loss weights)."""
    if value is not None and not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor or None, got {type_name(value)}")
    return value


WINDOW_MINIMUM_MESSAGES = {"kernel_size": "kernel size should be greater than zero",
                           "stride": "non-positive stride is not supported",
                           "padding": "negative padding is not supported",
                           "dilation": "non-positive dilation is not supported"}


def window_pair(name: str, value: Any, minimum: int) -> tuple[int, int]:
    """kernel_size, stride, padding or dilation: an int or a pair of ints, each >= minimum
    (TypeError for other types, ValueError for another length, RuntimeError below minimum)."""
    if isinstance(value, str):
        raise ValueError(f"{name}={value!r} is not supported: give an int or a pair of ints")
    values = (value, value) if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of 2 ints, got {type_name(value)} "
                        f"{value!r}")
    if len(values) != 2:
        raise ValueError(f"{name} must be an int or a tuple of 2 ints, got {value!r}")
    values = tuple(integer(name, v) for v in values)
    if min(values) < minimum:
        raise RuntimeError(f"{WINDOW_MINIMUM_MESSAGES[name]}, but got {name}={value!r} "
                           f"(expected values >= {minimum})")
    return values
