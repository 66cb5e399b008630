# Batch normalization, forward and backward (layer norm: layer_norm.pyx).
#
# Design notes
# - Batch norm views its input as x (N, C, L): channel c's statistics run over the M = N*L values
#   x[:, c, :] (L = 1 for (N, C) input, L = H*W for images).
# - Statistics take one pass and accumulate in double the shifted sums S1 = sum(x - k) and
#   S2 = sum((x - k)^2) (image runs through csrc/_sums.pxd: 8 values per lane summed in the
#   data's precision first), k being the first value of the channel: mean = k + S1/M and
#   var = (S2 - S1^2/M) / M. The shift keeps float32 data with a large mean (1e4 + noise) exact
#   enough; without it S2 - S1^2/M cancels catastrophically.
# - The elementwise passes (normalizing y = (x - mean) * scale + shift with scale = weight *
#   invstd, and the input gradient) run in the data's precision on a per-channel table
#   (_table_column): the double mean split in two, high (rounded) and low (the rest), so that
#   (x - high) - low is accurate for float32 data with mean 1e4 (a float32 mean alone would be off
#   by up to 5e-4, and x * scale + (shift - mean * scale) would cancel). In float32 that is 8
#   lanes per AVX2 instruction and no conversions: 1.7-2x faster than the same pass in double.
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
from cython.parallel cimport parallel, prange
from libc.math cimport NAN, isfinite

import numpy as np

from _norm cimport threads_for
from _sums cimport GROUP, centered_sums

from minigrad._validate.batch_norm import (batch_norm_apply_arguments,
                                           batch_norm_backward_arguments,
                                           batch_norm_stats_arguments)

cdef enum:
    CHANNEL_BLOCK = 64    # values per row of a channel block


cdef void _centered_column_sums(const floating* u,  # IN  rows of `width` values, `stride` apart
                                const floating* v,  # IN  the same layout
                                Py_ssize_t rows, Py_ssize_t stride, Py_ssize_t width,
                                const double* kv,             # IN  (width,) shifts of v
                                double* s1,                   # IN/OUT (width,) sum(u)
                                double* s2) noexcept nogil:   # IN/OUT sum(u (v - kv))
    # The gradient sums of (N, C) input, channel c in column c: the loop runs across the
    # columns (contiguous, independent sums: it vectorizes) and takes four rows at a time, so
    # each accumulator is loaded and stored once per four values (once per value, the stores
    # bound the loop: 1.2-1.3x slower), adding ((a0 + a1) + (a2 + a3)): a fixed order.
    cdef Py_ssize_t i, c
    cdef const floating* u0
    cdef const floating* v0
    for i in range(0, rows - rows % 4, 4):
        u0 = u + i * stride
        v0 = v + i * stride
        for c in range(width):
            s1[c] += (u0[c] + u0[stride + c]) + (u0[2 * stride + c] + u0[3 * stride + c])
            s2[c] += ((u0[c] * (v0[c] - kv[c]) + u0[stride + c] * (v0[stride + c] - kv[c]))
                      + (u0[2 * stride + c] * (v0[2 * stride + c] - kv[c])
                         + u0[3 * stride + c] * (v0[3 * stride + c] - kv[c])))
    for i in range(rows - rows % 4, rows):
        for c in range(width):
            s1[c] += u[i * stride + c]
            s2[c] += u[i * stride + c] * (v[i * stride + c] - kv[c])


cdef void _block_stats(const floating[:, :, ::1] x,  # IN  (N, C, L), N*L > 0
                       Py_ssize_t c0, Py_ssize_t c1,   # the block: channels [c0, c1)
                       double[::1] mean,               # OUT (C,)
                       double[::1] var) noexcept nogil:  # OUT (C,) biased
    # Shifted one-pass sums over the block's channels; the arrays are this call's own, so each
    # thread running a block has private accumulators. With L = 1 the loop runs across the
    # block's channels (contiguous, independent sums: it vectorizes), GROUP rows summed in the
    # data's precision before each double add (as _sums.pxd does along a run); otherwise along
    # each run.
    cdef Py_ssize_t n = x.shape[0], length = x.shape[2], width = c1 - c0, i, group, first, c
    cdef double s1[CHANNEL_BLOCK]
    cdef double s2[CHANNEL_BLOCK]
    cdef double shift[CHANNEL_BLOCK]
    cdef floating p1[CHANNEL_BLOCK]
    cdef floating p2[CHANNEL_BLOCK]
    cdef floating k[CHANNEL_BLOCK]
    cdef double count = n * length, a, b
    cdef floating d
    cdef const floating* row
    for c in range(width):
        k[c] = x[0, c0 + c, 0]
        shift[c] = k[c]
        s1[c] = 0
        s2[c] = 0
    for group in range((n + GROUP - 1) // GROUP if length == 1 else 0):
        first = group * GROUP
        for c in range(width):
            p1[c] = 0
            p2[c] = 0
        for i in range(first, min(first + GROUP, n)):
            row = &x[i, c0, 0]
            for c in range(width):
                d = row[c] - k[c]
                p1[c] += d
                p2[c] += d * d
        for c in range(width):
            s1[c] += p1[c]
            s2[c] += p2[c]
    for i in range(n if length > 1 else 0):
        row = &x[i, c0, 0]
        for c in range(width):
            centered_sums(row + c * length, row + c * length, length, shift[c], shift[c], &a, &b)
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
    if length == 1:
        _centered_column_sums(&gy[0, c0, 0], &x[0, c0, 0], n, x.shape[1], width, &mean[c0],
                              s1, s2)
    for i in range(n if length > 1 else 0):
        g = &gy[i, c0, 0]
        values = &x[i, c0, 0]
        for c in range(width):
            centered_sums(g + c * length, values + c * length, length, 0, mean[c0 + c], &a, &b)
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


cdef enum:  # rows of the per-channel table of the elementwise passes, in the data's precision
    MEAN_HIGH, MEAN_LOW, SCALE, SHIFT, SLOPE, TABLE_ROWS


cdef inline void _table_column(floating[:, ::1] table,  # OUT (TABLE_ROWS, C): column c
                               Py_ssize_t c, double mean, double scale, double shift,
                               double slope) noexcept nogil:
    # The mean split in two, high = mean rounded to the data's precision and low = the rest, so
    # that (x - high) - low is x - mean to within the data's rounding even for x far from 0
    # (float32 data with mean 1e4); the other coefficients rounded to that precision.
    table[MEAN_HIGH, c] = <floating>mean
    table[MEAN_LOW, c] = <floating>(mean - table[MEAN_HIGH, c])
    table[SCALE, c] = <floating>scale
    table[SHIFT, c] = <floating>shift
    table[SLOPE, c] = <floating>(scale * slope)


cdef void _normalize_row(const floating* x,      # IN  (C, L): one sample
                         const floating* table,  # IN  (TABLE_ROWS, C) from _table_column
                         floating* y,            # OUT (C, L)
                         Py_ssize_t channels, Py_ssize_t length) noexcept nogil:
    # y = ((x - mean_high) - mean_low) * scale + shift, in the data's precision (8 float32 lanes
    # per AVX2 instruction; in double, with conversions, it ran 2.5x slower). A plain function,
    # not a prange body, so that its locals are locals (OpenMP's lastprivate copies keep the
    # compiler from vectorizing).
    cdef const floating* high = table + MEAN_HIGH * channels
    cdef const floating* low = table + MEAN_LOW * channels
    cdef const floating* scale = table + SCALE * channels
    cdef const floating* shift = table + SHIFT * channels
    cdef Py_ssize_t c, l
    if length == 1:  # across channels: contiguous, vectorizes
        for c in range(channels):
            y[c] = ((x[c] - high[c]) - low[c]) * scale[c] + shift[c]
        return
    for c in range(channels):
        for l in range(c * length, c * length + length):
            y[l] = ((x[l] - high[c]) - low[c]) * scale[c] + shift[c]


cdef void _grad_input_row(const floating* gy,     # IN  (C, L): one sample
                          const floating* x,      # IN  (C, L)
                          const floating* table,  # IN  (TABLE_ROWS, C): shift = mean of gy
                          floating* gx,           # OUT (C, L)
                          Py_ssize_t channels, Py_ssize_t length) noexcept nogil:
    # gx = scale (gy - offset - (x - mean) slope) = scale (gy - offset) - (scale slope) (x - mean),
    # with the table's split mean, offset in its shift row and scale * slope in its slope row.
    cdef const floating* high = table + MEAN_HIGH * channels
    cdef const floating* low = table + MEAN_LOW * channels
    cdef const floating* scale = table + SCALE * channels
    cdef const floating* offset = table + SHIFT * channels
    cdef const floating* slope = table + SLOPE * channels
    cdef Py_ssize_t c, l
    if length == 1:
        for c in range(channels):
            gx[c] = scale[c] * (gy[c] - offset[c]) - slope[c] * ((x[c] - high[c]) - low[c])
        return
    for c in range(channels):
        for l in range(c * length, c * length + length):
            gx[l] = scale[c] * (gy[l] - offset[c]) - slope[c] * ((x[l] - high[c]) - low[c])


def _scale_and_shift(const floating[:, :, ::1] x,  # IN  (N, C, L), not empty
                    const double[::1] mean,       # IN  (C,)
                    const double[::1] scale,      # IN  (C,) weight * invstd
                    const double[::1] shift,      # IN  (C,) bias
                    floating[:, ::1] table,       # SCRATCH (TABLE_ROWS, C)
                    floating[:, :, ::1] y,        # OUT (N, C, L)
                    int threads):
    cdef Py_ssize_t i, c
    for c in range(x.shape[1]):  # (the slope row is not read)
        _table_column(table, c, mean[c], scale[c], shift[c], 0)
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _normalize_row(&x[i, 0, 0], &table[0, 0], &y[i, 0, 0], x.shape[1], x.shape[2])


def _training_gradients(const floating[:, :, ::1] gy,  # IN  (N, C, L), not empty
                        const floating[:, :, ::1] x,   # IN  (N, C, L)
                        const double[::1] mean,        # IN  (C,)
                        const double[::1] invstd,      # IN  (C,)
                        const double[::1] gamma,       # IN  (C,) the weight (ones without)
                        double[::1] sum_gy,            # OUT (C,)
                        double[::1] sum_gy_xhat,       # OUT (C,)
                        floating[:, ::1] table,        # SCRATCH (TABLE_ROWS, C)
                        floating[:, :, ::1] gx,        # OUT (N, C, L)
                        Py_ssize_t block, int threads):
    # The sums, the per-channel table and gx in one parallel region (each prange ends in a
    # barrier): the threads are woken once, not twice (a wake-up of a passively waiting thread
    # costs tens of microseconds on a virtual machine). With M = N*L:
    # offset = sum gy / M, slope = sum(gy xhat) / M * invstd, scale = weight * invstd.
    cdef Py_ssize_t channels = x.shape[1], blocks = (channels + block - 1) // block, j, c, i
    cdef double count = x.shape[0] * x.shape[2]
    with nogil, parallel(num_threads=threads):
        for j in prange(blocks, schedule="static"):
            _block_grad_sums(gy, x, j * block, min(j * block + block, channels), mean, invstd,
                             sum_gy, sum_gy_xhat)
        for c in prange(channels, schedule="static"):
            _table_column(table, c, mean[c], gamma[c] * invstd[c], sum_gy[c] / count,
                          sum_gy_xhat[c] / count * invstd[c])
        for i in prange(x.shape[0], schedule="static"):
            _grad_input_row(&gy[i, 0, 0], &x[i, 0, 0], &table[0, 0], &gx[i, 0, 0], channels,
                            x.shape[2])


def _channel_block(Py_ssize_t length):
    return max(1, min(CHANNEL_BLOCK // max(length, 1), CHANNEL_BLOCK))


def _table(x):
    return np.empty((TABLE_ROWS, x.shape[1]), x.dtype)


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
    _scale_and_shift(x, mean, scale, shift, _table(x), y, threads_for(x.size, num_threads))
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
    threads = threads_for(x.size, num_threads)
    # (no work, and no &x[0, 0, 0], for an empty batch, channel or position)
    if x.size > 0 and input_grad and training:
        _training_gradients(grad_output, x, mean, invstd, _gamma(weight, channels), sum_gy,
                            sum_gy_xhat, _table(x), grad_input, _channel_block(x.shape[2]),
                            threads)
    elif x.size > 0 and (weight_grad or bias_grad):
        _grad_sums(grad_output, x, mean, invstd, sum_gy, sum_gy_xhat, _channel_block(x.shape[2]),
                   threads)
    if x.size > 0 and input_grad and not training:
        # gx = weight invstd gy: the forward's pass over gy with mean 0 and shift 0
        zeros = np.zeros(channels)
        _scale_and_shift(grad_output, zeros, _gamma(weight, channels) * invstd, zeros, _table(x),
                         grad_input, threads)
    return (grad_input, sum_gy_xhat.astype(x.dtype) if weight_grad else None,
            sum_gy.astype(x.dtype) if bias_grad else None)
