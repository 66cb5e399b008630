# Dropout, alpha dropout and Gaussian dropout over flat arrays: mask, scale and multiply fused.
#
# Design notes
# - Random numbers come from a counter-based generator: u_i = splitmix64(seed + (i + 1) * golden)
#   scaled to [0, 1) in double. Element i's number depends only on (seed, i), so the loop runs in
#   parallel chunks with the same result on any thread count, and the NumPy twin computes the
#   very same numbers with uint64 array arithmetic. The seed is drawn from minigrad's generator
#   once per call (minigrad/ops/dropout.py), so mg.manual_seed makes masks repeatable.
# - Forward writes the output and the mask (keep flags as uint8, or the Gaussian noise) in one
#   pass; backward is grad * mask * scale in one pass.
# - The public defs validate (minigrad._validate, shared with the twin) and allocate with the
#   GIL; a private def on fused-typed memoryviews (Cython picks float or double from the arrays)
#   releases it and runs the loop. The thread count comes from the caller (num_threads); arrays
#   below PARALLEL_MIN run on one thread.
cimport cython
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport cos, log1p, sqrt, M_PI
from libc.math cimport ceil
from libc.stdint cimport int64_t, uint8_t, uint64_t

import numpy as np

from minigrad._validate.dropout import (dropout_arguments, dropout_probability,
                                        masked_scale_arguments)

cdef enum:
    PARALLEL_MIN = 65536  # elements below which one thread does the whole array
    CHUNK = 8192          # elements per parallel task

cdef double ALPHA_PRIME = -1.7580993408473766  # SELU's saturation value -lambda * alpha


@cython.overflowcheck(False)  # the hash multiplies modulo 2^64 on purpose (debug builds check)
cdef inline uint64_t _bits(uint64_t seed, uint64_t i) noexcept nogil:
    """The generator's output number i (counting from 0): 53 random bits, below 2^53."""
    cdef uint64_t z = seed + (i + 1) * <uint64_t>0x9E3779B97F4A7C15
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return (z ^ (z >> 31)) >> 11


cdef inline double _uniform(uint64_t seed, uint64_t i) noexcept nogil:
    """Output number i as a double in [0, 1): bits * 2^-53 (below 2^53, so the signed
    conversion is exact and takes one instruction)."""
    return <double><int64_t>_bits(seed, i) * (1.0 / 9007199254740992.0)


cdef void _bernoulli_chunk(const floating* x, floating* y, uint8_t* keep, Py_ssize_t start,
                           Py_ssize_t stop, uint64_t threshold, double kept_scale,
                           double dropped_value, double shift, uint64_t seed) noexcept nogil:
    # k_i = 1 if u_i >= p, compared as integers: bits_i >= threshold = ceil(p 2^53), branch-free.
    # y_i = (x_i k_i + dropped_value (1 - k_i)) * kept_scale + shift, a product rather than a
    # select, so that a NaN input stays NaN even where dropped (PyTorch).
    cdef Py_ssize_t i
    cdef uint8_t kept
    cdef floating k
    for i in range(start, stop):
        kept = _bits(seed, i) >= threshold  # an integer flag (setcc), then converted: no branch
        keep[i] = kept
        k = kept
        y[i] = <floating>((x[i] * k + dropped_value * (1 - k)) * kept_scale + shift)


cdef void _bernoulli(const floating[::1] x, floating[::1] y, uint8_t[::1] keep,
                     uint64_t threshold, double kept_scale, double dropped_value, double shift,
                     uint64_t seed, int threads) noexcept nogil:
    # Dropout: kept_scale = 1/(1-p), dropped_value = 0, shift = 0;
    # alpha dropout: kept_scale = a, dropped_value = alpha', shift = b.
    cdef Py_ssize_t n = x.shape[0], chunks = (n + CHUNK - 1) // CHUNK, j
    for j in prange(chunks, nogil=True, schedule="static", num_threads=threads):
        _bernoulli_chunk(&x[0], &y[0], &keep[0], j * CHUNK, min(j * CHUNK + CHUNK, n),
                         threshold, kept_scale, dropped_value, shift, seed)


cdef void _gaussian(const floating[::1] x, floating[::1] y, floating[::1] noise, double std,
                    uint64_t seed, int threads) noexcept nogil:
    # noise_i = 1 + std * sqrt(-2 ln(1 - u_2i)) cos(2 pi u_2i+1)  (Box-Muller), y_i = x_i noise_i
    cdef Py_ssize_t i
    cdef double normal
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        normal = sqrt(-2 * log1p(-_uniform(seed, 2 * i))) * cos(2 * M_PI * _uniform(seed, 2 * i + 1))
        noise[i] = <floating>(1 + std * normal)
        y[i] = x[i] * noise[i]


cdef void _masked_scale(const floating[::1] grad, const floating[::1] mask, floating scale,
                        floating[::1] out, int threads) noexcept nogil:
    cdef Py_ssize_t i
    for i in prange(grad.shape[0], nogil=True, schedule="static", num_threads=threads):
        out[i] = grad[i] * mask[i] * scale


cdef void _keep_scale(const floating[::1] grad, const uint8_t[::1] keep, floating scale,
                      floating[::1] out, int threads) noexcept nogil:
    cdef Py_ssize_t i
    for i in prange(grad.shape[0], nogil=True, schedule="static", num_threads=threads):
        out[i] = grad[i] * keep[i] * scale  # a product: NaN gradients stay NaN, as in PyTorch


cdef int _threads(Py_ssize_t size, int num_threads) noexcept:
    return num_threads if size >= PARALLEL_MIN else 1


def _run_bernoulli(const floating[::1] x, floating[::1] y, uint8_t[::1] keep, double p,
                   uint64_t seed, double kept_scale, double dropped_value, double shift,
                   int threads):
    cdef uint64_t threshold = <uint64_t>ceil(p * 9007199254740992.0)  # u >= p <=> bits >= this
    with nogil:
        _bernoulli(x, y, keep, threshold, kept_scale, dropped_value, shift, seed, threads)


def _run_gaussian(const floating[::1] x, floating[::1] y, floating[::1] noise, double std,
                  uint64_t seed, int threads):
    with nogil:
        _gaussian(x, y, noise, std, seed, threads)


def _run_masked_scale(const floating[::1] grad, const floating[::1] mask, double scale,
                      floating[::1] out, int threads):
    with nogil:
        _masked_scale(grad, mask, <floating>scale, out, threads)


def _run_keep_scale(const floating[::1] grad, const uint8_t[::1] keep, double scale,
                    floating[::1] out, int threads):
    with nogil:
        _keep_scale(grad, keep, <floating>scale, out, threads)


def _bernoulli_forward(x, p, seed, kept_scale, dropped_value, shift, num_threads):
    """(y, keep) of dropout and alpha dropout (validated arguments): the output and keep flags."""
    y, keep = np.empty_like(x), np.empty(x.shape[0], np.uint8)
    if x.size == 0:
        return y, keep
    _run_bernoulli(x, y, keep, p, seed, kept_scale, dropped_value, shift,
                   _threads(x.size, num_threads))
    return y, keep


def alpha_coefficients(p):
    """(a, b) with out = a * (x if kept else alpha') + b keeping SELU's mean 0 and variance 1;
    0 <= p < 1."""
    p = dropout_probability(p, upper_open=True)
    a = ((1 - p) * (1 + p * ALPHA_PRIME ** 2)) ** -0.5
    return a, -a * ALPHA_PRIME * p


def dropout_forward(x, p, seed, *, num_threads):
    """(y, keep): keep_i = u_i >= p (probability 1 - p), y = x * keep / (1 - p); 0 <= p < 1."""
    x, p, seed, num_threads = dropout_arguments(x, p, seed, num_threads)
    return _bernoulli_forward(x, p, seed, 1 / (1 - p), 0.0, 0.0, num_threads)


def alpha_dropout_forward(x, p, seed, *, num_threads):
    """(y, keep): y = a * (x if kept else alpha') + b; 0 <= p < 1."""
    x, p, seed, num_threads = dropout_arguments(x, p, seed, num_threads)
    a, b = alpha_coefficients(p)
    return _bernoulli_forward(x, p, seed, a, ALPHA_PRIME, b, num_threads)


def gaussian_dropout_forward(x, p, seed, *, num_threads):
    """(y, noise): y = x * noise, noise ~ N(1, p / (1 - p)) by Box-Muller from u_2i, u_2i+1."""
    x, p, seed, num_threads = dropout_arguments(x, p, seed, num_threads)
    y, noise = np.empty_like(x), np.empty_like(x)
    _run_gaussian(x, y, noise, sqrt(p / (1 - p)), seed, _threads(x.size, num_threads))
    return y, noise


def masked_scale(grad_output, mask, scale, *, num_threads):
    """grad_output * mask * scale: the backward of every dropout (mask: keep flags or noise)."""
    grad_output, mask, scale, num_threads = masked_scale_arguments(grad_output, mask, scale,
                                                                   num_threads)
    out = np.empty_like(grad_output)
    threads = _threads(out.size, num_threads)
    if mask.dtype == np.uint8:
        _run_keep_scale(grad_output, mask, scale, out, threads)
    else:
        _run_masked_scale(grad_output, mask, scale, out, threads)
    return out
