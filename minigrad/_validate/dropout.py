"""Arguments of the dropout kernels (csrc/dropout.pyx and its twin)."""
from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from . import array_of_shape, float_array, integer, real, thread_count


def dropout_probability(p: Any, upper_open: bool = False) -> float:
    """p a number in [0, 1] (or [0, 1) where p = 1 has no finite formula): TypeError for a
    non-number (as PyTorch), ValueError outside the range (NaN included)."""
    bound = "[0, 1)" if upper_open else "[0, 1]"
    if not isinstance(p, Real):
        raise TypeError(f"dropout probability must be a number in {bound}, got "
                        f"{type(p).__name__} {p!r}")
    if not (0 <= p < 1 if upper_open else 0 <= p <= 1):
        raise ValueError(f"dropout probability has to be in {bound}, but got {p}")
    return float(p)


def dropout_arguments(x: Any, p: Any, seed: Any, num_threads: Any) -> tuple:
    """(x, p, seed, num_threads) of a dropout forward: x flat (n,), p in [0, 1), seed a uint64,
    num_threads an int >= 1."""
    return (float_array("input", x, 1), dropout_probability(p, upper_open=True),
            integer("seed", seed, 0, 2 ** 64), thread_count(num_threads))


def masked_scale_arguments(grad_output: Any, mask: Any, scale: Any, num_threads: Any) -> tuple:
    """grad_output (n,); mask (n,) keep flags (uint8) or noise of grad_output's dtype; scale;
    num_threads an int >= 1."""
    grad_output = float_array("grad_output", grad_output, 1)
    mask = array_of_shape("mask", mask, grad_output.shape)
    if mask.dtype == np.uint8:
        mask = np.ascontiguousarray(mask)
    else:
        mask = float_array("mask", mask, 1, grad_output.dtype)
    return grad_output, mask, real("scale", scale), thread_count(num_threads)
