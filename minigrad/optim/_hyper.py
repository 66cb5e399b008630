"""Checks of optimizer and scheduler hyperparameters, shared by the constructors, add_param_group
and load_state_dict: a wrong type is a TypeError, a value out of range (NaN included, since every
range test is written `not low <= x`) a ValueError, and both messages say what was expected:
"lr must be a non-negative float, got '0.001' (str)". A ValueError starts with PyTorch's words
("Invalid learning rate: -1"), so code that matches them keeps working."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def is_real(value: Any) -> bool:
    """A Python or NumPy int or float; bools are flags, not numbers."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _shown(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


PYTORCH_LABELS = {"lr": "learning rate", "eps": "epsilon value"}  # the rest: "<name> value"


def out_of_range(name: str, value: Any, expected: str, label: str | None = None) -> ValueError:
    """PyTorch's "Invalid <label>: <value>", then what was expected."""
    label = label or PYTORCH_LABELS.get(name, f"{name} value")
    return ValueError(f"Invalid {label}: {value!r} ({name} must be {expected})")


def real(name: str, value: Any, expected: str, inside: Callable[[Any], bool]) -> None:
    """TypeError unless value is a real number, ValueError unless inside(value); `expected`
    describes both ("a float in (0, 1]")."""
    if not is_real(value):
        raise TypeError(f"{name} must be {expected}, got {_shown(value)}")
    if not inside(value):
        raise out_of_range(name, value, expected)


def non_negative(name: str, value: Any) -> None:
    real(name, value, "a non-negative float", lambda x: 0.0 <= x)


def positive(name: str, value: Any) -> None:
    real(name, value, "a positive float", lambda x: 0.0 < x < float("inf"))


def unit_interval(name: str, value: Any) -> None:
    real(name, value, "a float in [0, 1]", lambda x: 0.0 <= x <= 1.0)


def below_one(name: str, value: Any) -> None:
    real(name, value, "a float in [0, 1)", lambda x: 0.0 <= x < 1.0)


def any_real(name: str, value: Any) -> None:
    real(name, value, "a finite float", lambda x: abs(x) < float("inf"))


def flag(name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {_shown(value)}")


def betas(name: str, value: Any) -> None:
    """A pair (beta1, beta2), each in [0, 1)."""
    expected = "a pair of floats in [0, 1)"
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(map(is_real, value)):
        raise TypeError(f"{name} must be {expected}, got {_shown(value)}")
    for i, beta in enumerate(value):
        if not 0.0 <= beta < 1.0:
            raise out_of_range(name, beta, expected, f"beta parameter at index {i}")


def integer(name: str, value: Any, minimum: int) -> None:
    """A Python or NumPy int >= minimum. A float is a ValueError (a number, but not a count),
    as in PyTorch's OneCycleLR; anything else a TypeError."""
    expected = f"an int >= {minimum}"
    if not is_real(value):
        raise TypeError(f"{name} must be {expected}, got {_shown(value)}")
    if not isinstance(value, (int, np.integer)) or not value >= minimum:
        raise out_of_range(name, value, expected)


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise out_of_range(name, value, f"one of {allowed}")
