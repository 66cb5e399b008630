"""What a FLOP/byte count is made of (counts.py): a kernel call's arguments by name, an array
argument as its shape and item size, and the (flops, bytes) pair a count gives."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Array(NamedTuple):
    """What a count needs of an array argument: its shape and the byte size of one element."""

    shape: tuple
    itemsize: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize


Call = dict[str, Any]    # a kernel's parameters by name: Array, scalar or None
Count = tuple[int, int]  # (flops, bytes)


def nbytes(array: Array | None) -> int:
    """The bytes of an optional array argument (0 for None)."""
    return 0 if array is None else array.nbytes
