"""NumPy twin of csrc/stream.pyx: the STREAM triad a[i] = b[i] + s * c[i].

num_threads is checked and unused here (the compiled kernel's OpenMP threads). The product is
rounded to the arrays' dtype before the sum, as the compiled kernel (no FMA) rounds it.
"""
from __future__ import annotations

import numpy as np

from .._validate.stream import triad_arguments


def triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, scalar: float, repeats: int, *,
          num_threads: int) -> None:
    """a[i] = b[i] + scalar * c[i] in place, `repeats` times over (the same result each time);
    a writeable, contiguous and apart from b and c in memory, all three (n,) of one float dtype."""
    a, b, c, scalar, repeats, _ = triad_arguments(a, b, c, scalar, repeats, num_threads)
    for _ in range(repeats):
        np.add(b, c * a.dtype.type(scalar), out=a)
