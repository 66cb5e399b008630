"""NumPy twin of csrc/dropout.pyx: dropout masks from a counter-based generator, fused scaling.

Every function works on flat (1-D) arrays; num_threads is checked and unused here (the compiled
kernel's OpenMP threads). Random numbers are a pure function of (seed, element
index): u_i = splitmix64(seed + (i + 1) * golden) / 2^64, in double. The compiled kernel computes
the same numbers, so both backends draw identical masks for a seed (taken from minigrad's
generator per call), on any thread count.
"""
from __future__ import annotations

import numpy as np

from .._validate.dropout import dropout_arguments, dropout_probability, masked_scale_arguments

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# SELU's negative saturation value -lambda * alpha, which alpha dropout gives to dropped units.
ALPHA_PRIME = -1.7580993408473766


def _random_bits(seed: int, count: int) -> np.ndarray:
    """The generator's first count outputs: 53 random bits each (uint64 below 2^53)."""
    index = np.arange(1, count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + index * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z >> np.uint64(11)


def _uniforms(seed: int, count: int) -> np.ndarray:
    """The first count outputs as doubles in [0, 1): bits * 2^-53."""
    return _random_bits(seed, count).astype(np.float64) * 2.0 ** -53


def _keep_mask(seed: int, count: int, p: float) -> np.ndarray:
    """u_i >= p, compared as integers: bits_i >= ceil(p 2^53)."""
    return _random_bits(seed, count) >= np.uint64(np.ceil(p * 2.0 ** 53))


def alpha_coefficients(p: float) -> tuple[float, float]:
    """(a, b) with out = a * (x if kept else alpha') + b keeping SELU's mean 0 and variance 1;
    0 <= p < 1."""
    p = dropout_probability(p, upper_open=True)
    a = ((1 - p) * (1 + p * ALPHA_PRIME ** 2)) ** -0.5
    return a, -a * ALPHA_PRIME * p


def dropout_forward(x: np.ndarray, p: float, seed: int, *,
                    num_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """(y, keep): keep_i = u_i >= p (probability 1 - p), y = x * keep / (1 - p); 0 <= p < 1."""
    x, p, seed, _ = dropout_arguments(x, p, seed, num_threads)
    keep = _keep_mask(seed, x.size, p)
    return (x * keep * (1 / (1 - p))).astype(x.dtype), keep.astype(np.uint8)


def alpha_dropout_forward(x: np.ndarray, p: float, seed: int, *,
                          num_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """(y, keep): y = a * (x if kept else alpha') + b; 0 <= p < 1."""
    x, p, seed, _ = dropout_arguments(x, p, seed, num_threads)
    keep = _keep_mask(seed, x.size, p)
    a, b = alpha_coefficients(p)
    return (a * (x * keep + ALPHA_PRIME * ~keep) + b).astype(x.dtype), keep.astype(np.uint8)


def gaussian_dropout_forward(x: np.ndarray, p: float, seed: int, *,
                             num_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """(y, noise): y = x * noise, noise ~ N(1, p / (1 - p)) by Box-Muller from u_2i, u_2i+1."""
    x, p, seed, _ = dropout_arguments(x, p, seed, num_threads)
    u = _uniforms(seed, 2 * x.size)
    normal = np.sqrt(-2 * np.log1p(-u[0::2])) * np.cos(2 * np.pi * u[1::2])
    noise = (1 + np.sqrt(p / (1 - p)) * normal).astype(x.dtype)
    return x * noise, noise


def masked_scale(grad_output: np.ndarray, mask: np.ndarray, scale: float, *,
                 num_threads: int) -> np.ndarray:
    """grad_output * mask * scale: the backward of every dropout (mask: keep flags or noise)."""
    grad_output, mask, scale, _ = masked_scale_arguments(grad_output, mask, scale, num_threads)
    return (grad_output * mask * scale).astype(grad_output.dtype)
