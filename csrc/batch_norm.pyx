# Batch normalization, forward and backward (layer norm: layer_norm.pyx).
#
# Design notes
# - Batch norm views its input as x (N, C, L): channel c's statistics run over the M = N*L values
#   x[:, c, :] (L = 1 for (N, C) input, L = H*W for images).
# - Statistics take one pass and accumulate in double the shifted sums S1 = sum(x - k) and
#   S2 = sum((x - k)^2), k being the first value of the channel: mean = k + S1/M and
#   var = (S2 - S1^2/M) / M. The shift keeps float32 data with a large mean (1e4 + noise) exact
#   enough; without it S2 - S1^2/M cancels catastrophically.
# - Normalizing writes y = (x - mean) * scale + shift with per-channel scale = weight * invstd, in
#   double with the double mean: float32 data with mean 1e4 then loses nothing (a float32 mean
#   would be off by up to 5e-4, and x * scale + (shift - mean * scale) would cancel).
# - Every reduction (a channel's statistics) is done by one thread in a fixed order, so results
#   are bit-identical for any thread count.
# - Reductions walk blocks of channels: a thread takes channels [c0, c1) and sweeps the batch,
#   reading x[i, c0:c1, :], which is contiguous. Blocks hold at least 64 values per row
#   (CHANNEL_BLOCK) so that (N, C) input, where a channel's values are C apart, is read in runs.
# - Threads: the caller's num_threads, in a prange with a static schedule over samples or
#   channel blocks, only when the tensor is large enough to pay for them (_norm.pxd).
# - The public defs validate (minigrad._validate.batch_norm, shared with the twin) and allocate
#   outputs and per-channel coefficients with the GIL; each calls one private def over fused-typed
#   memoryviews (Cython picks float or double), whose prange releases the GIL around the cdef
#   helpers.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport NAN, isfinite

import numpy as np

from _norm cimport threads_for
from _sums cimport centered_sums

from minigrad._validate.batch_norm import (batch_norm_apply_arguments,
                                           batch_norm_backward_arguments,
                                           batch_norm_stats_arguments)

cdef enum:
    CHANNEL_BLOCK = 64    # values per row of a channel block


cdef void _block_stats(const floating[:, :, ::1] x,  # IN  (N, C, L), N*L > 0
                       Py_ssize_t c0, Py_ssize_t c1,   # the block: channels [c0, c1)
                       double[::1] mean,               # OUT (C,)
                       double[::1] var) noexcept nogil:  # OUT (C,) biased
    # Shifted one-pass sums over the block's channels; the arrays are this call's own, so each
    # thread running a block has private accumulators. With L = 1 the loop runs across the
    # block's channels (contiguous, independent sums: it vectorizes); otherwise along each run.
    cdef Py_ssize_t n = x.shape[0], length = x.shape[2], width = c1 - c0, i, c
    cdef double s1[CHANNEL_BLOCK]
    cdef double s2[CHANNEL_BLOCK]
    cdef double shift[CHANNEL_BLOCK]
    cdef double count = n * length, d, a, b
    cdef const floating* row
    for c in range(width):
        shift[c] = x[0, c0 + c, 0]
        s1[c] = 0
        s2[c] = 0
    for i in range(n):
        row = &x[i, c0, 0]
        if length == 1:
            for c in range(width):
                d = row[c] - shift[c]
                s1[c] += d
                s2[c] += d * d
        else:
            for c in range(width):
                centered_sums(row + c * length, row + c * length, length, shift[c], shift[c],
                               &a, &b)
                s1[c] += a
                s2[c] += b
    for c in range(width):  # a non-finite value makes s1 non-finite: NaN mean, as PyTorch
        mean[c0 + c] = shift[c] + s1[c] / count if isfinite(s1[c]) else NAN
        var[c0 + c] = max((s2[c] - s1[c] * s1[c] / count) / count, 0)


cdef void _block_grad_sums(const floating[:, :, ::1] gy,  # IN  (N, C, L)
                           const floating[:, :, ::1] x,   # IN  (N, C, L)
                           Py_ssize_t c0, Py_ssize_t c1,  # the block: channels [c0, c1)
                           const double[::1] mean,        # IN  (C,)
                           const double[::1] invstd,      # IN  (C,)
                           double[::1] sum_gy,            # OUT (C,)
                           double[::1] sum_gy_xhat) noexcept nogil:  # OUT (C,)
    # The same walk as _block_stats: sum gy and sum gy (x - mean), then scaled by invstd.
    cdef Py_ssize_t n = x.shape[0], length = x.shape[2], width = c1 - c0, i, c
    cdef double s1[CHANNEL_BLOCK]
    cdef double s2[CHANNEL_BLOCK]
    cdef double a, b
    cdef const floating* g
    cdef const floating* values
    for c in range(width):
        s1[c] = 0
        s2[c] = 0
    for i in range(n):
        g = &gy[i, c0, 0]
        values = &x[i, c0, 0]
        if length == 1:
            for c in range(width):
                s1[c] += g[c]
                s2[c] += g[c] * (values[c] - mean[c0 + c])
        else:
            for c in range(width):
                centered_sums(g + c * length, values + c * length, length, 0, mean[c0 + c],
                               &a, &b)
                s1[c] += a
                s2[c] += b
    for c in range(width):
        sum_gy[c0 + c] = s1[c]
        sum_gy_xhat[c0 + c] = s2[c] * invstd[c0 + c]


def _stats(const floating[:, :, ::1] x,  # IN  (N, C, L), N*L > 0
           double[::1] mean,             # OUT (C,)
           double[::1] var,              # OUT (C,) biased
           Py_ssize_t block, int threads):
    cdef Py_ssize_t channels = x.shape[1], blocks = (channels + block - 1) // block, j
    for j in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        _block_stats(x, j * block, min(j * block + block, channels), mean, var)


def _grad_sums(const floating[:, :, ::1] gy,  # IN  (N, C, L), N*L > 0
               const floating[:, :, ::1] x,   # IN  (N, C, L)
               const double[::1] mean,        # IN  (C,)
               const double[::1] invstd,      # IN  (C,)
               double[::1] sum_gy,            # OUT (C,)
               double[::1] sum_gy_xhat,       # OUT (C,)
               Py_ssize_t block, int threads):
    cdef Py_ssize_t channels = x.shape[1], blocks = (channels + block - 1) // block, j
    for j in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        _block_grad_sums(gy, x, j * block, min(j * block + block, channels), mean, invstd,
                         sum_gy, sum_gy_xhat)


cdef void _normalize_row(const floating* x,   # IN  (C, L): one sample
                         const double* mean,  # IN  (C,)
                         const double* scale,  # IN  (C,) weight * invstd
                         const double* shift,  # IN  (C,) bias
                         floating* y,          # OUT (C, L)
                         Py_ssize_t channels, Py_ssize_t length) noexcept nogil:
    # y = (x - mean) * scale + shift. A plain function, not a prange body, so that its locals
    # are locals (OpenMP's lastprivate copies keep the compiler from vectorizing).
    cdef Py_ssize_t c, l
    if length == 1:  # across channels: contiguous, vectorizes
        for c in range(channels):
            y[c] = (x[c] - mean[c]) * scale[c] + shift[c]
        return
    for c in range(channels):
        for l in range(c * length, c * length + length):
            y[l] = (x[l] - mean[c]) * scale[c] + shift[c]


cdef void _grad_input_row(const floating* gy,  # IN  (C, L): one sample
                          const floating* x,   # IN  (C, L)
                          const double* mean,  # IN  (C,)
                          const double* scale,  # IN  (C,) weight * invstd
                          const double* offset,  # IN  (C,) mean of gy (training only)
                          const double* slope,  # IN  (C,) mean(gy xhat) invstd
                          floating* gx,         # OUT (C, L)
                          Py_ssize_t channels, Py_ssize_t length) noexcept nogil:
    # gx = scale * (gy - offset - (x - mean) * slope)
    cdef Py_ssize_t c, l
    if length == 1:
        for c in range(channels):
            gx[c] = scale[c] * (gy[c] - offset[c] - (x[c] - mean[c]) * slope[c])
        return
    for c in range(channels):
        for l in range(c * length, c * length + length):
            gx[l] = scale[c] * (gy[l] - offset[c] - (x[l] - mean[c]) * slope[c])


def _scale_and_shift(const floating[:, :, ::1] x,  # IN  (N, C, L), not empty
                    const double[::1] mean,       # IN  (C,)
                    const double[::1] scale,      # IN  (C,) weight * invstd
                    const double[::1] shift,      # IN  (C,) bias
                    floating[:, :, ::1] y,        # OUT (N, C, L)
                    int threads):
    cdef Py_ssize_t i
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _normalize_row(&x[i, 0, 0], &mean[0], &scale[0], &shift[0], &y[i, 0, 0], x.shape[1],
                       x.shape[2])


def _input_gradient(const floating[:, :, ::1] gy,  # IN  (N, C, L), not empty
                    const floating[:, :, ::1] x,   # IN  (N, C, L)
                    const double[::1] mean,        # IN  (C,)
                    const double[::1] scale,       # IN  (C,)
                    const double[::1] offset,      # IN  (C,)
                    const double[::1] slope,       # IN  (C,)
                    floating[:, :, ::1] gx,        # OUT (N, C, L)
                    int threads):
    cdef Py_ssize_t i
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _grad_input_row(&gy[i, 0, 0], &x[i, 0, 0], &mean[0], &scale[0], &offset[0], &slope[0],
                        &gx[i, 0, 0], x.shape[1], x.shape[2])


def _channel_block(Py_ssize_t length):
    return max(1, min(CHANNEL_BLOCK // max(length, 1), CHANNEL_BLOCK))


def _gamma(weight, channels):
    return np.ones(channels) if weight is None else weight.astype(np.float64)


def batch_norm_stats(x, *, num_threads):
    """Per-channel mean and biased variance of x (N, C, L), in float64."""
    x, num_threads = batch_norm_stats_arguments(x, num_threads)
    channels = x.shape[1]
    mean, var = np.empty(channels), np.empty(channels)
    if x.shape[0] * x.shape[2] == 0:
        mean.fill(np.nan)
        var.fill(np.nan)
        return mean, var
    _stats(x, mean, var, _channel_block(x.shape[2]), threads_for(x.size, num_threads))
    return mean, var


def batch_norm_apply(x, mean, var, weight, bias, eps, *, num_threads):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel, for x (N, C, L)."""
    x, mean, var, weight, bias, eps, num_threads = batch_norm_apply_arguments(
        x, mean, var, weight, bias, eps, num_threads)
    channels = x.shape[1]
    scale = _gamma(weight, channels) / np.sqrt(var + eps)
    shift = np.zeros(channels) if bias is None else bias.astype(np.float64)
    y = np.empty_like(x)
    if x.size == 0:
        return y
    _scale_and_shift(x, mean, scale, shift, y, threads_for(x.size, num_threads))
    return y


def batch_norm_backward(grad_output, x, mean, var, weight, eps, training, *, input_grad,
                        weight_grad, bias_grad, num_threads):
    """(grad_input, grad_weight, grad_bias) of batch_norm_apply, None where not asked for.
    Training: gx = weight invstd / M (M gy - sum gy - xhat sum(gy xhat)), M = N*L; evaluation:
    gx = weight invstd gy (the running mean does not enter gx, as in PyTorch);
    grad_weight = sum gy xhat, grad_bias = sum gy."""
    (grad_output, x, mean, var, weight, eps, training, input_grad, weight_grad, bias_grad,
     num_threads) = batch_norm_backward_arguments(grad_output, x, mean, var, weight, eps,
                                                  training, input_grad, weight_grad, bias_grad,
                                                  num_threads)
    channels = x.shape[1]
    invstd = 1 / np.sqrt(var + eps)
    sum_gy, sum_gy_xhat = np.zeros(channels), np.zeros(channels)
    grad_input = np.empty_like(x) if input_grad else None
    count = x.shape[0] * x.shape[2]
    threads = threads_for(x.size, num_threads)
    # (no work, and no &x[0, 0, 0], for an empty batch, channel or position)
    if x.size > 0 and (weight_grad or bias_grad or input_grad and training):
        _grad_sums(grad_output, x, mean, invstd, sum_gy, sum_gy_xhat, _channel_block(x.shape[2]),
                   threads)
    if x.size > 0 and input_grad:
        scale = _gamma(weight, channels) * invstd
        if training:
            _input_gradient(grad_output, x, mean, scale, sum_gy / count,
                            sum_gy_xhat / count * invstd, grad_input, threads)
        else:  # gx = scale gy: the forward's pass over gy with mean 0 and shift 0
            zeros = np.zeros(channels)
            _scale_and_shift(grad_output, zeros, scale, zeros, grad_input, threads)
    return (grad_input, sum_gy_xhat.astype(x.dtype) if weight_grad else None,
            sum_gy.astype(x.dtype) if bias_grad else None)
