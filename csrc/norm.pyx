# Batch normalization and layer normalization, forward and backward.
#
# Design notes
# - Batch norm views its input as x (N, C, L): channel c's statistics run over the M = N*L values
#   x[:, c, :] (L = 1 for (N, C) input, L = H*W for images). Layer norm views x as (M, D) and
#   normalizes each row over its D values.
# - Statistics take one pass and accumulate in double the shifted sums S1 = sum(x - k) and
#   S2 = sum((x - k)^2), k being the first value of the channel (or row): mean = k + S1/M and
#   var = (S2 - S1^2/M) / M. The shift keeps float32 data with a large mean (1e4 + noise) exact
#   enough; without it S2 - S1^2/M cancels catastrophically.
# - Normalizing writes y = (x - mean) * scale + shift with per-channel scale = weight * invstd, in
#   double with the double mean: float32 data with mean 1e4 then loses nothing (a float32 mean
#   would be off by up to 5e-4, and x * scale + (shift - mean * scale) would cancel).
# - Every reduction (a channel's statistics, a row's) is done by one thread in a fixed order, so
#   results are bit-identical for any thread count. Layer norm's parameter gradients (column sums)
#   are taken in the backward's row pass, while gy and x are in cache: per block of rows (at most
#   ROW_BLOCKS blocks, their bounds a function of the row count only) in the data's precision,
#   then the blocks added in order in double.
# - Batch-norm reductions walk blocks of channels: a thread takes channels [c0, c1) and sweeps the
#   batch, reading x[i, c0:c1, :], which is contiguous. Blocks hold at least 64 values per row
#   (CHANNEL_BLOCK) so that (N, C) input, where a channel's values are C apart, is read in runs.
# - Threads: prange with a static schedule over rows, channel blocks or row blocks, only when
#   the tensor is large enough to pay for them (PARALLEL_MIN).
# - The def wrappers validate (minigrad._validate, shared with the twin), allocate outputs and
#   per-channel coefficients with the GIL; the cdef helpers run without it.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport NAN, isfinite, sqrt

import numpy as np

from _sums cimport centered_sums

from minigrad._validate.norm import (batch_norm_apply_arguments, batch_norm_backward_arguments,
                                     batch_norm_stats_arguments, layer_norm_backward_arguments,
                                     layer_norm_forward_arguments)
from minigrad.kernels import get_num_threads

cdef enum:
    CHANNEL_BLOCK = 64    # values per row of a channel block
    ROW_BLOCKS = 16       # most row blocks (and threads) of a layer-norm backward with weights
    PARALLEL_MIN = 32768  # elements below which one thread does the whole tensor


cdef int _threads(Py_ssize_t size):
    return get_num_threads() if size >= PARALLEL_MIN else 1


# ----------------------------------------------------------------------------- batch norm

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


cdef void _batch_norm_stats(const floating[:, :, ::1] x,  # IN  (N, C, L), N*L > 0
                            double[::1] mean,             # OUT (C,)
                            double[::1] var,              # OUT (C,) biased
                            Py_ssize_t block, int threads) noexcept nogil:
    cdef Py_ssize_t channels = x.shape[1], blocks = (channels + block - 1) // block, j
    for j in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        _block_stats(x, j * block, min(j * block + block, channels), mean, var)


cdef void _batch_norm_grad_sums(const floating[:, :, ::1] gy,  # IN  (N, C, L), N*L > 0
                                const floating[:, :, ::1] x,   # IN  (N, C, L)
                                const double[::1] mean,        # IN  (C,)
                                const double[::1] invstd,      # IN  (C,)
                                double[::1] sum_gy,            # OUT (C,)
                                double[::1] sum_gy_xhat,       # OUT (C,)
                                Py_ssize_t block, int threads) noexcept nogil:
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


cdef void _batch_norm_apply(const floating[:, :, ::1] x,  # IN  (N, C, L)
                            const double[::1] mean,       # IN  (C,)
                            const double[::1] scale,      # IN  (C,) weight * invstd
                            const double[::1] shift,      # IN  (C,) bias
                            floating[:, :, ::1] y,        # OUT (N, C, L)
                            int threads) noexcept nogil:
    cdef Py_ssize_t i
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _normalize_row(&x[i, 0, 0], &mean[0], &scale[0], &shift[0], &y[i, 0, 0], x.shape[1],
                       x.shape[2])


cdef void _batch_norm_grad_input(const floating[:, :, ::1] gy,  # IN  (N, C, L)
                                 const floating[:, :, ::1] x,   # IN  (N, C, L)
                                 const double[::1] mean,        # IN  (C,)
                                 const double[::1] scale,       # IN  (C,)
                                 const double[::1] offset,      # IN  (C,)
                                 const double[::1] slope,       # IN  (C,)
                                 floating[:, :, ::1] gx,        # OUT (N, C, L)
                                 int threads) noexcept nogil:
    cdef Py_ssize_t i
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _grad_input_row(&gy[i, 0, 0], &x[i, 0, 0], &mean[0], &scale[0], &offset[0], &slope[0],
                        &gx[i, 0, 0], x.shape[1], x.shape[2])


def _channel_block(Py_ssize_t length):
    return max(1, min(CHANNEL_BLOCK // max(length, 1), CHANNEL_BLOCK))


def batch_norm_stats(x):
    """Per-channel mean and biased variance of x (N, C, L), in float64."""
    x = batch_norm_stats_arguments(x)
    channels = x.shape[1]
    mean, var = np.empty(channels), np.empty(channels)
    if x.shape[0] * x.shape[2] == 0:
        mean.fill(np.nan)
        var.fill(np.nan)
        return mean, var
    threads = _threads(x.size)
    if x.dtype == np.float32:
        _batch_norm_stats[float](x, mean, var, _channel_block(x.shape[2]), threads)
    else:
        _batch_norm_stats[double](x, mean, var, _channel_block(x.shape[2]), threads)
    return mean, var


def _gamma(weight, channels):
    return np.ones(channels) if weight is None else weight.astype(np.float64)


def batch_norm_apply(x, mean, var, weight, bias, eps):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel, for x (N, C, L)."""
    x, mean, var, weight, bias, eps = batch_norm_apply_arguments(x, mean, var, weight, bias,
                                                                 eps)
    channels = x.shape[1]
    scale = _gamma(weight, channels) / np.sqrt(var + eps)
    shift = np.zeros(channels) if bias is None else bias.astype(np.float64)
    y = np.empty_like(x)
    if x.size == 0:
        return y
    _scale_and_shift(x, mean, scale, shift, y, _threads(x.size))
    return y


def _scale_and_shift(x, mean, scale, shift, out, threads):
    # out = (x - mean) * scale + shift per channel, for the checked (N, C, L) arrays
    if x.dtype == np.float32:
        _batch_norm_apply[float](x, mean, scale, shift, out, threads)
    else:
        _batch_norm_apply[double](x, mean, scale, shift, out, threads)


def batch_norm_backward(grad_output, x, mean, var, weight, eps, training):
    """(grad_input, grad_weight, grad_bias) of batch_norm_apply; the parameter gradients are None
    without weight. Training: gx = weight invstd / M (M gy - sum gy - xhat sum(gy xhat)), M = N*L;
    evaluation: gx = weight invstd gy (the running mean does not enter gx, as in PyTorch)."""
    grad_output, x, mean, var, weight, eps, training = batch_norm_backward_arguments(
        grad_output, x, mean, var, weight, eps, training)
    channels = x.shape[1]
    invstd = 1 / np.sqrt(var + eps)
    sum_gy, sum_gy_xhat = np.zeros(channels), np.zeros(channels)
    grad_input = np.empty_like(x)
    count = x.shape[0] * x.shape[2]
    threads = _threads(x.size)
    block = _channel_block(x.shape[2])
    if x.size > 0:  # (no work, and no &x[0, 0, 0], for an empty batch, channel or position)
        if x.dtype == np.float32:
            _batch_norm_grad_sums[float](grad_output, x, mean, invstd, sum_gy, sum_gy_xhat,
                                         block, threads)
        else:
            _batch_norm_grad_sums[double](grad_output, x, mean, invstd, sum_gy, sum_gy_xhat,
                                          block, threads)
        scale = _gamma(weight, channels) * invstd
        if not training:  # gx = scale gy: the forward's pass over gy with mean 0 and shift 0
            zeros = np.zeros(channels)
            _scale_and_shift(grad_output, zeros, scale, zeros, grad_input, threads)
        elif x.dtype == np.float32:
            _batch_norm_grad_input[float](grad_output, x, mean, scale, sum_gy / count,
                                          sum_gy_xhat / count * invstd, grad_input, threads)
        else:
            _batch_norm_grad_input[double](grad_output, x, mean, scale, sum_gy / count,
                                           sum_gy_xhat / count * invstd, grad_input, threads)
    if weight is None:
        return grad_input, None, None
    return grad_input, sum_gy_xhat.astype(x.dtype), sum_gy.astype(x.dtype)


# ----------------------------------------------------------------------------- layer norm

cdef void _layer_norm_row(const floating* x, const floating* weight, const floating* bias,
                          floating* y, double* mean, double* rstd, Py_ssize_t size,
                          double eps) noexcept nogil:
    # One row: shifted sums, then y = (x - mean) * rstd * weight + bias in the data's precision,
    # the mean split in two (m_high in that precision, m_low the rest) so that x - m_high is
    # exact for x near the mean: float32 data with mean 1e4 stays accurate.
    cdef double k = x[0], s1, s2, m, r
    cdef floating m_high, m_low, rf
    cdef Py_ssize_t j
    centered_sums(x, x, size, k, k, &s1, &s2)
    m = k + s1 / size if isfinite(s1) else NAN  # a non-finite value: NaN mean, as PyTorch
    r = 1 / sqrt(max((s2 - s1 * s1 / size) / size, 0) + eps)
    mean[0] = m
    rstd[0] = r
    m_high = <floating>m
    m_low = <floating>(m - m_high)
    rf = <floating>r
    for j in range(size):
        y[j] = ((x[j] - m_high) - m_low) * rf * weight[j] + bias[j]


cdef void _layer_norm_grad_row(const floating* gy, const floating* x, double mean, double rstd,
                               const floating* weight, floating* gx, Py_ssize_t size,
                               floating* sum_gy_xhat, floating* sum_gy) noexcept nogil:
    # g = gy * weight, xhat = (x - mean) rstd: gx = rstd (g - mean_D g - xhat mean_D(g xhat)).
    # gx holds g first, so the two sums run over one contiguous array.
    # The last pass runs in the data's precision with the mean split as in _layer_norm_row.
    # With sum_gy_xhat not NULL, the row's gy xhat and gy are also added there while gy and x
    # are in cache: the parameter gradients' partial sums over a block of at most
    # ceil(M / ROW_BLOCKS) rows, in the data's precision (the blocks are added in double).
    cdef double sum_g, sum_g_centered
    cdef floating m_high = <floating>mean, m_low = <floating>(mean - m_high), rf = <floating>rstd
    cdef floating a, b
    cdef Py_ssize_t j
    for j in range(size):
        gx[j] = gy[j] * weight[j]
    centered_sums(gx, x, size, 0, mean, &sum_g, &sum_g_centered)
    a = <floating>(sum_g / size)
    b = <floating>(sum_g_centered * rstd * rstd / size)
    if sum_gy_xhat != NULL:
        for j in range(size):
            sum_gy_xhat[j] += gy[j] * (((x[j] - m_high) - m_low) * rf)
            sum_gy[j] += gy[j]
    for j in range(size):
        gx[j] = rf * (gx[j] - a - ((x[j] - m_high) - m_low) * b)


cdef void _layer_norm_forward(const floating[:, ::1] x,    # IN  (M, D), D > 0
                              const floating[::1] weight,  # IN  (D,) (ones without affine)
                              const floating[::1] bias,    # IN  (D,) (zeros without bias)
                              floating[:, ::1] y,          # OUT (M, D)
                              double[::1] mean,            # OUT (M,)
                              double[::1] rstd,            # OUT (M,)
                              double eps, int threads) noexcept nogil:
    cdef Py_ssize_t i
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _layer_norm_row(&x[i, 0], &weight[0], &bias[0], &y[i, 0], &mean[i], &rstd[i],
                        x.shape[1], eps)


cdef void _layer_norm_backward(const floating[:, ::1] gy,   # IN  (M, D)
                               const floating[:, ::1] x,    # IN  (M, D)
                               const double[::1] mean,      # IN  (M,)
                               const double[::1] rstd,      # IN  (M,)
                               const floating[::1] weight,  # IN  (D,) (ones without affine)
                               floating[:, ::1] gx,         # OUT (M, D)
                               floating[:, ::1] sum_gy_xhat,  # OUT (B, D) per row block, or (0, 0)
                               floating[:, ::1] sum_gy,       # OUT (B, D) zeroed, like sum_gy_xhat
                               int threads) noexcept nogil:
    # Rows in B fixed blocks (B depends on M alone), one thread per block, rows in order: the
    # per-block parameter sums, and so their total, are the same for any thread count.
    cdef bint params = sum_gy_xhat.shape[0] > 0
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], i, block
    cdef Py_ssize_t blocks = sum_gy_xhat.shape[0] if params else rows
    cdef Py_ssize_t per_block = (rows + blocks - 1) // blocks
    for block in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        for i in range(block * per_block, min(block * per_block + per_block, rows)):
            _layer_norm_grad_row(&gy[i, 0], &x[i, 0], mean[i], rstd[i], &weight[0], &gx[i, 0],
                                 size, &sum_gy_xhat[block, 0] if params else NULL,
                                 &sum_gy[block, 0] if params else NULL)


def layer_norm_forward(x, weight, bias, eps):
    """(y, mean, rstd) for x (M, D): y = (x - mean) * rstd * weight + bias row by row,
    rstd = 1 / sqrt(biased var + eps); mean and rstd are float64 (M,) for backward."""
    x, weight, bias, eps = layer_norm_forward_arguments(x, weight, bias, eps)
    rows, size = x.shape[0], x.shape[1]
    y = np.empty_like(x)
    mean, rstd = np.full(rows, np.nan), np.full(rows, np.nan)
    if x.size == 0:
        return y, mean, rstd
    weight = np.ones(size, x.dtype) if weight is None else weight
    bias = np.zeros(size, x.dtype) if bias is None else bias
    threads = _threads(x.size)
    if x.dtype == np.float32:
        _layer_norm_forward[float](x, weight, bias, y, mean, rstd, eps, threads)
    else:
        _layer_norm_forward[double](x, weight, bias, y, mean, rstd, eps, threads)
    return y, mean, rstd


def layer_norm_backward(grad_output, x, mean, rstd, weight):
    """(grad_input, grad_weight, grad_bias); with g = gy * weight and xhat = (x - mean) * rstd,
    gx = rstd (g - mean_D g - xhat mean_D(g xhat)), grad_weight = sum over rows of gy xhat,
    grad_bias = sum over rows of gy (both None without weight)."""
    grad_output, x, mean, rstd, weight = layer_norm_backward_arguments(grad_output, x, mean,
                                                                       rstd, weight)
    rows, size = x.shape[0], x.shape[1]
    grad_input = np.empty_like(x)
    blocks = min(rows, ROW_BLOCKS) if weight is not None else 0
    sum_gy_xhat, sum_gy = np.zeros((blocks, size), x.dtype), np.zeros((blocks, size), x.dtype)
    if x.size > 0:
        threads = _threads(x.size)
        affine = np.ones(size, x.dtype) if weight is None else weight
        if x.dtype == np.float32:
            _layer_norm_backward[float](grad_output, x, mean, rstd, affine, grad_input,
                                        sum_gy_xhat, sum_gy, threads)
        else:
            _layer_norm_backward[double](grad_output, x, mean, rstd, affine, grad_input,
                                         sum_gy_xhat, sum_gy, threads)
    if weight is None:
        return grad_input, None, None
    # NumPy reduces axis 0 of a C-contiguous array row after row: the blocks in order
    return (grad_input, sum_gy_xhat.sum(axis=0, dtype=np.float64).astype(x.dtype),
            sum_gy.sum(axis=0, dtype=np.float64).astype(x.dtype))
