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
# - The def wrappers validate (minigrad._validate, shared with the twin) and allocate with the GIL.
cimport cython
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport cos, log1p, sqrt, M_PI
from libc.math cimport ceil
from libc.stdint cimport int64_t, uint8_t, uint64_t

import numpy as np

from minigrad._validate.dropout import (dropout_arguments, dropout_probability,
                                        masked_scale_arguments)
from minigrad.kernels import get_num_threads

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


def _threads(Py_ssize_t size):
    return get_num_threads() if size >= PARALLEL_MIN else 1


def _bernoulli_forward(x, double p, uint64_t seed, double kept_scale, double dropped_value,
                       double shift):
    y, keep = np.empty_like(x), np.empty(x.shape[0], np.uint8)
    if x.size == 0:
        return y, keep
    cdef uint64_t threshold = <uint64_t>ceil(p * 9007199254740992.0)  # u >= p <=> bits >= this
    if x.dtype == np.float32:
        _bernoulli[float](x, y, keep, threshold, kept_scale, dropped_value, shift, seed,
                          _threads(x.size))
    else:
        _bernoulli[double](x, y, keep, threshold, kept_scale, dropped_value, shift, seed,
                           _threads(x.size))
    return y, keep


def alpha_coefficients(p):
    """(a, b) with out = a * (x if kept else alpha') + b keeping SELU's mean 0 and variance 1;
    0 <= p < 1."""
    p = dropout_probability(p, upper_open=True)
    a = ((1 - p) * (1 + p * ALPHA_PRIME ** 2)) ** -0.5
    return a, -a * ALPHA_PRIME * p


def dropout_forward(x, p, seed):
    """(y, keep): keep_i = u_i >= p (probability 1 - p), y = x * keep / (1 - p); 0 <= p < 1."""
    x, p, seed = dropout_arguments(x, p, seed)
    return _bernoulli_forward(x, p, seed, 1 / (1 - p), 0.0, 0.0)


def alpha_dropout_forward(x, p, seed):
    """(y, keep): y = a * (x if kept else alpha') + b; 0 <= p < 1."""
    x, p, seed = dropout_arguments(x, p, seed)
    a, b = alpha_coefficients(p)
    return _bernoulli_forward(x, p, seed, a, ALPHA_PRIME, b)


def gaussian_dropout_forward(x, p, seed):
    """(y, noise): y = x * noise, noise ~ N(1, p / (1 - p)) by Box-Muller from u_2i, u_2i+1."""
    x, p, seed = dropout_arguments(x, p, seed)
    y, noise = np.empty_like(x), np.empty_like(x)
    std = sqrt(p / (1 - p))
    if x.dtype == np.float32:
        _gaussian[float](x, y, noise, std, seed, _threads(x.size))
    else:
        _gaussian[double](x, y, noise, std, seed, _threads(x.size))
    return y, noise


def masked_scale(grad_output, mask, scale):
    """grad_output * mask * scale: the backward of every dropout (mask: keep flags or noise)."""
    grad_output, mask, scale = masked_scale_arguments(grad_output, mask, scale)
    out = np.empty_like(grad_output)
    threads = _threads(out.size)
    if mask.dtype == np.uint8:
        if out.dtype == np.float32:
            _keep_scale[float](grad_output, mask, <float>scale, out, threads)
        else:
            _keep_scale[double](grad_output, mask, scale, out, threads)
        return out
    if out.dtype == np.float32:
        _masked_scale[float](grad_output, mask, <float>scale, out, threads)
    else:
        _masked_scale[double](grad_output, mask, scale, out, threads)
    return out
