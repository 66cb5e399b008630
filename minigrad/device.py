"""Devices as in PyTorch, where the CPU is the only one: `minigrad.device("cpu")`, `Tensor.device`.

Programs written for PyTorch name a device in their set-up lines (`device = "cuda" if
torch.cuda.is_available() else "cpu"`); here that is always the CPU, and naming another raises.
"""
from __future__ import annotations

from typing import Any

import numpy as np


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


def parse_to(*args: Any, **kwargs: Any) -> tuple:
    """(device, dtype, non_blocking, copy) from the argument forms of `Tensor.to` and `Module.to`:
    to(device=None, dtype=None, non_blocking=False, copy=False), to(dtype, non_blocking=False,
    copy=False), to(other_tensor, non_blocking=False, copy=False). dtype is a NumPy dtype or None;
    a NumPy dtype is accepted where PyTorch takes a minigrad (torch) dtype."""
    from .tensor import Tensor

    first = args[0] if args else None
    if isinstance(first, Tensor):
        names = ("other", "non_blocking", "copy")
    elif is_dtype(first):
        names = ("dtype", "non_blocking", "copy")
    else:
        names = ("device", "dtype", "non_blocking", "copy")
    if len(args) > len(names):
        raise TypeError(f"to() takes at most {len(names)} positional arguments in the form "
                        f"to({', '.join(names)}), got {len(args)}")
    for name in kwargs:
        if name not in names[len(args):] or name == "other":
            raise TypeError(f"to() got an unexpected keyword argument '{name}' in the form "
                            f"to({', '.join(names)})")
    options = {"device": None, "dtype": None, "non_blocking": False, "copy": False,
               **dict(zip(names, args)), **kwargs}
    if "other" in options:  # to(other_tensor): other's device and dtype
        other = options.pop("other")
        options["device"], options["dtype"] = other.device, other._array.dtype
    for flag in ("non_blocking", "copy"):
        if not isinstance(options[flag], bool):
            raise TypeError(f"to(): {flag} must be a bool, got {options[flag]!r}")
    if options["device"] is not None:
        options["device"] = device(options["device"])
    if options["dtype"] is not None:
        if not is_dtype(options["dtype"]):
            raise TypeError(f"to(): dtype must be a minigrad dtype, got {options['dtype']!r}")
        options["dtype"] = np.dtype(options["dtype"])
    return options["device"], options["dtype"], options["non_blocking"], options["copy"]


def is_dtype(value: Any) -> bool:
    """A minigrad dtype, a NumPy dtype or a NumPy scalar type (np.float64); not a string, which
    to() reads as a device."""
    from .dtypes import dtype

    return isinstance(value, (dtype, np.dtype)) or (
        isinstance(value, type) and issubclass(value, np.generic))
