"""Devices as in PyTorch, where the CPU is the only one: `minigrad.device("cpu")`, `Tensor.device`.

Programs written for PyTorch name a device in their set-up lines (`device = "cuda" if
torch.cuda.is_available() else "cpu"`); here that is always the CPU, and naming another raises.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import dtype


class device:
    """A device: `device("cpu")`, `device("cpu:0")`, `device("cpu", 0)` (torch.device)."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 (PyTorch's name)
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if isinstance(type, int) and not isinstance(type, bool):  # an accelerator's index
            raise RuntimeError(f"minigrad runs on the CPU only: device {type} names an "
                               "accelerator, and none is available (use 'cpu')")
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name != "cpu":
            raise RuntimeError(f"minigrad runs on the CPU only: device {type!r} is not available "
                               "(use 'cpu', or pick it with minigrad.cuda.is_available())")
        if number:
            index = int(number)
        if index is not None and index != 0:
            raise RuntimeError(f"CPU device index must be 0 (or None), got {index}")
        self.type, self.index = name, index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            other = device(other) if other.startswith("cpu") else None
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check(value: Any) -> None:
    """Validate a `device=` argument (None, 'cpu', 'cpu:0' or a device): raise for any other."""
    if value is not None and value is not CPU:
        device(value)


def is_dtype(value: Any) -> bool:
    """A minigrad dtype, a NumPy dtype or a NumPy scalar type (np.float64); not a string, which
    to() reads as a device."""
    return isinstance(value, (dtype, np.dtype)) or (
        isinstance(value, type) and issubclass(value, np.generic))
