"""Arguments of the STREAM triad (csrc/stream.pyx and its twin)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import float_array, integer, real, thread_count, writeable_vector


def triad_arguments(a: Any, b: Any, c: Any, scalar: Any, repeats: Any,
                    num_threads: Any) -> tuple:
    """(a, b, c, scalar, repeats, num_threads): a (n,) written in place (writeable, contiguous),
    b and c (n,) of a's dtype, neither overlapping a in memory (the triad must not read what it
    writes), scalar a real number, repeats an int >= 1, num_threads an int >= 1."""
    a = writeable_vector("a", a)
    b, c = (float_array(name, array, 1, a.dtype) for name, array in (("b", b), ("c", c)))
    for name, array in (("b", b), ("c", c)):
        if array.shape != a.shape:
            raise ValueError(f"{name} has shape {array.shape}, expected a's shape {a.shape}")
        if np.may_share_memory(a, array):
            raise ValueError(f"{name} overlaps a in memory (the triad must not read what it "
                             f"writes)")
    return (a, b, c, real("scalar", scalar), integer("repeats", repeats, 1, 2 ** 63),
            thread_count(num_threads))
