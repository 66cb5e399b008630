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
# - Every reduction (a channel's statistics, a row's, a column's parameter gradient) is done by one
#   thread in a fixed order, so results are bit-identical for any thread count.
# - Batch-norm reductions walk blocks of channels: a thread takes channels [c0, c1) and sweeps the
#   batch, reading x[i, c0:c1, :], which is contiguous. Blocks hold at least 64 values per row
#   (CHANNEL_BLOCK) so that (N, C) input, where a channel's values are C apart, is read in runs.
# - Threads: prange with a static schedule over rows, channel blocks or column blocks, only when
#   the tensor is large enough to pay for them (PARALLEL_MIN).
# - The def wrappers validate (minigrad._validate, shared with the twin), allocate outputs and
#   per-channel coefficients with the GIL; the cdef helpers run without it.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt

import numpy as np

from minigrad._validate import channel_vector, float_array
from minigrad.kernels import get_num_threads

cdef enum:
    CHANNEL_BLOCK = 64    # values per row of a channel block (and columns per layer-norm block)
    PARALLEL_MIN = 32768  # elements below which one thread does the whole tensor


cdef int _threads(Py_ssize_t size):
    return get_num_threads() if size >= PARALLEL_MIN else 1


# ----------------------------------------------------------------------------- batch norm

cdef void _block_stats(const floating[:, :, ::1] x,  # IN  (N, C, L), N*L > 0
                       Py_ssize_t c0, Py_ssize_t c1,   # the block: channels [c0, c1)
                       double[::1] mean,               # OUT (C,)
                       double[::1] var) noexcept nogil:  # OUT (C,) biased
    # Shifted one-pass sums over the block's channels; the arrays are this call's own, so each
    # thread running a block has private accumulators.
    cdef Py_ssize_t n = x.shape[0], length = x.shape[2], i, c, l
    cdef double s1[CHANNEL_BLOCK]
    cdef double s2[CHANNEL_BLOCK]
    cdef double shift[CHANNEL_BLOCK]
    cdef double count = n * length, d, a, b
    cdef const floating* values
    for c in range(c0, c1):
        shift[c - c0] = x[0, c, 0]
        s1[c - c0] = 0
        s2[c - c0] = 0
    for i in range(n):
        for c in range(c0, c1):
            values = &x[i, c, 0]
            a = 0
            b = 0
            for l in range(length):
                d = values[l] - shift[c - c0]
                a += d
                b += d * d
            s1[c - c0] += a
            s2[c - c0] += b
    for c in range(c0, c1):
        mean[c] = shift[c - c0] + s1[c - c0] / count
        var[c] = max((s2[c - c0] - s1[c - c0] * s1[c - c0] / count) / count, 0)


cdef void _block_grad_sums(const floating[:, :, ::1] gy,  # IN  (N, C, L)
                           const floating[:, :, ::1] x,   # IN  (N, C, L)
                           Py_ssize_t c0, Py_ssize_t c1,  # the block: channels [c0, c1)
                           const double[::1] mean,        # IN  (C,)
                           const double[::1] invstd,      # IN  (C,)
                           double[::1] sum_gy,            # OUT (C,)
                           double[::1] sum_gy_xhat) noexcept nogil:  # OUT (C,)
    cdef Py_ssize_t n = x.shape[0], length = x.shape[2], i, c, l
    cdef const floating* g
    cdef const floating* values
    cdef double a, b, m
    for c in range(c0, c1):
        sum_gy[c] = 0
        sum_gy_xhat[c] = 0
    for i in range(n):
        for c in range(c0, c1):
            g = &gy[i, c, 0]
            values = &x[i, c, 0]
            m = mean[c]
            a = 0
            b = 0
            for l in range(length):
                a += g[l]
                b += g[l] * (values[l] - m)
            sum_gy[c] += a
            sum_gy_xhat[c] += b
    for c in range(c0, c1):
        sum_gy_xhat[c] *= invstd[c]


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


cdef void _batch_norm_apply(const floating[:, :, ::1] x,  # IN  (N, C, L)
                            const double[::1] mean,       # IN  (C,)
                            const double[::1] scale,      # IN  (C,) weight * invstd
                            const double[::1] shift,      # IN  (C,) bias
                            floating[:, :, ::1] y,        # OUT (N, C, L)
                            int threads) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], channels = x.shape[1], length = x.shape[2], i, c, l
    for i in prange(n, nogil=True, schedule="static", num_threads=threads):
        for c in range(channels):
            for l in range(length):
                y[i, c, l] = (x[i, c, l] - mean[c]) * scale[c] + shift[c]


cdef void _batch_norm_grad_input(const floating[:, :, ::1] gy,  # IN  (N, C, L)
                                 const floating[:, :, ::1] x,   # IN  (N, C, L)
                                 const double[::1] mean,        # IN  (C,)
                                 const double[::1] scale,       # IN  (C,) weight * invstd
                                 const double[::1] offset,      # IN  (C,) mean of gy
                                 const double[::1] slope,       # IN  (C,) mean(gy xhat) invstd
                                 floating[:, :, ::1] gx,        # OUT (N, C, L)
                                 int threads) noexcept nogil:
    # gx = scale * (gy - offset - (x - mean) * slope); evaluation passes offset = slope = 0
    cdef Py_ssize_t n = x.shape[0], channels = x.shape[1], length = x.shape[2], i, c, l
    for i in prange(n, nogil=True, schedule="static", num_threads=threads):
        for c in range(channels):
            for l in range(length):
                gx[i, c, l] = scale[c] * (gy[i, c, l] - offset[c]
                                          - (x[i, c, l] - mean[c]) * slope[c])


def _channel_block(Py_ssize_t length):
    return max(1, min(CHANNEL_BLOCK // max(length, 1), CHANNEL_BLOCK))


def batch_norm_stats(x):
    """Per-channel mean and biased variance of x (N, C, L), in float64."""
    x = float_array("input", x, 3)
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


def batch_norm_apply(x, mean, var, weight, bias, double eps):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel, for x (N, C, L)."""
    x = float_array("input", x, 3)
    channels = x.shape[1]
    mean = channel_vector("mean", mean, channels, np.float64)
    var = channel_vector("var", var, channels, np.float64)
    weight = channel_vector("weight", weight, channels, x.dtype)
    bias = channel_vector("bias", bias, channels, x.dtype)
    scale = _gamma(weight, channels) / np.sqrt(var + eps)
    shift = np.zeros(channels) if bias is None else bias.astype(np.float64)
    y = np.empty_like(x)
    if x.size == 0:
        return y
    threads = _threads(x.size)
    if x.dtype == np.float32:
        _batch_norm_apply[float](x, mean, scale, shift, y, threads)
    else:
        _batch_norm_apply[double](x, mean, scale, shift, y, threads)
    return y


def batch_norm_backward(grad_output, x, mean, var, weight, double eps, bint training):
    """(grad_input, grad_weight, grad_bias) of batch_norm_apply; the parameter gradients are None
    without weight. Training: gx = weight invstd / M (M gy - sum gy - xhat sum(gy xhat)), M = N*L;
    evaluation: gx = weight invstd gy."""
    x = float_array("input", x, 3)
    grad_output = float_array("grad_output", grad_output, 3, x.dtype)
    if grad_output.shape != x.shape:
        raise ValueError(f"batch_norm backward: grad_output has shape {grad_output.shape}, "
                         f"expected {x.shape}")
    channels = x.shape[1]
    mean = channel_vector("mean", mean, channels, np.float64)
    var = channel_vector("var", var, channels, np.float64)
    weight = channel_vector("weight", weight, channels, x.dtype)
    invstd = 1 / np.sqrt(var + eps)
    sum_gy, sum_gy_xhat = np.zeros(channels), np.zeros(channels)
    grad_input = np.empty_like(x)
    count = x.shape[0] * x.shape[2]
    threads = _threads(x.size)
    block = _channel_block(x.shape[2])
    if count > 0:
        if x.dtype == np.float32:
            _batch_norm_grad_sums[float](grad_output, x, mean, invstd, sum_gy, sum_gy_xhat,
                                         block, threads)
        else:
            _batch_norm_grad_sums[double](grad_output, x, mean, invstd, sum_gy, sum_gy_xhat,
                                          block, threads)
        scale = _gamma(weight, channels) * invstd
        if training:
            offset, slope = sum_gy / count, sum_gy_xhat / count * invstd
        else:
            offset = slope = np.zeros(channels)
        if x.dtype == np.float32:
            _batch_norm_grad_input[float](grad_output, x, mean, scale, offset, slope,
                                          grad_input, threads)
        else:
            _batch_norm_grad_input[double](grad_output, x, mean, scale, offset, slope,
                                           grad_input, threads)
    if weight is None:
        return grad_input, None, None
    return grad_input, sum_gy_xhat.astype(x.dtype), sum_gy.astype(x.dtype)


# ----------------------------------------------------------------------------- layer norm

cdef void _layer_norm_forward(const floating[:, ::1] x,  # IN  (M, D), D > 0
                              const floating[::1] weight,  # IN  (D,) or empty
                              const floating[::1] bias,    # IN  (D,) or empty
                              floating[:, ::1] y,          # OUT (M, D)
                              double[::1] mean,            # OUT (M,)
                              double[::1] rstd,            # OUT (M,)
                              double eps, int threads) noexcept nogil:
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], i, j
    cdef bint affine = weight.shape[0] > 0, shifted = bias.shape[0] > 0
    cdef double k, d, s1, s2, m, r, v
    for i in prange(rows, nogil=True, schedule="static", num_threads=threads):
        k = x[i, 0]
        s1 = 0
        s2 = 0
        for j in range(size):
            d = x[i, j] - k
            s1 = s1 + d
            s2 = s2 + d * d
        m = k + s1 / size
        r = 1 / sqrt(max((s2 - s1 * s1 / size) / size, 0) + eps)
        mean[i] = m
        rstd[i] = r
        for j in range(size):
            v = (x[i, j] - m) * r
            if affine:
                v = v * weight[j]
            if shifted:
                v = v + bias[j]
            y[i, j] = v


cdef void _layer_norm_grad_input(const floating[:, ::1] gy,  # IN  (M, D)
                                 const floating[:, ::1] x,   # IN  (M, D)
                                 const double[::1] mean,     # IN  (M,)
                                 const double[::1] rstd,     # IN  (M,)
                                 const floating[::1] weight,  # IN  (D,) or empty
                                 floating[:, ::1] gx,        # OUT (M, D)
                                 int threads) noexcept nogil:
    # g = gy * weight, xhat = (x - mean) rstd: gx = rstd (g - mean_D g - xhat mean_D(g xhat))
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], i, j
    cdef bint affine = weight.shape[0] > 0
    cdef double g, xhat, sum_g, sum_g_xhat, a, b
    for i in prange(rows, nogil=True, schedule="static", num_threads=threads):
        sum_g = 0
        sum_g_xhat = 0
        for j in range(size):
            g = gy[i, j] * weight[j] if affine else gy[i, j]
            sum_g = sum_g + g
            sum_g_xhat = sum_g_xhat + g * (x[i, j] - mean[i])
        a = sum_g / size
        b = sum_g_xhat * rstd[i] / size
        for j in range(size):
            g = gy[i, j] * weight[j] if affine else gy[i, j]
            xhat = (x[i, j] - mean[i]) * rstd[i]
            gx[i, j] = rstd[i] * (g - a - xhat * b)


cdef void _layer_norm_grad_params(const floating[:, ::1] gy,  # IN  (M, D)
                                  const floating[:, ::1] x,   # IN  (M, D)
                                  const double[::1] mean,     # IN  (M,)
                                  const double[::1] rstd,     # IN  (M,)
                                  double[::1] grad_weight,    # OUT (D,) sum_i gy xhat
                                  double[::1] grad_bias,      # OUT (D,) sum_i gy
                                  int threads) noexcept nogil:
    # Column sums, by blocks of columns: each column is summed by one thread, rows in order.
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], i, j, b
    cdef Py_ssize_t blocks = (size + CHANNEL_BLOCK - 1) // CHANNEL_BLOCK
    for b in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        for i in range(rows):
            for j in range(b * CHANNEL_BLOCK, min(b * CHANNEL_BLOCK + CHANNEL_BLOCK, size)):
                grad_weight[j] += gy[i, j] * (x[i, j] - mean[i]) * rstd[i]
                grad_bias[j] += gy[i, j]


def layer_norm_forward(x, weight, bias, double eps):
    """(y, mean, rstd) for x (M, D): y = (x - mean) * rstd * weight + bias row by row,
    rstd = 1 / sqrt(biased var + eps); mean and rstd are float64 (M,) for backward."""
    x = float_array("input", x, 2)
    rows, size = x.shape[0], x.shape[1]
    weight = channel_vector("weight", weight, size, x.dtype)
    bias = channel_vector("bias", bias, size, x.dtype)
    y = np.empty_like(x)
    mean, rstd = np.full(rows, np.nan), np.full(rows, np.nan)
    if x.size == 0:
        return y, mean, rstd
    empty = np.empty(0, x.dtype)
    weight = empty if weight is None else weight
    bias = empty if bias is None else bias
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
    x = float_array("input", x, 2)
    grad_output = float_array("grad_output", grad_output, 2, x.dtype)
    if grad_output.shape != x.shape:
        raise ValueError(f"layer_norm backward: grad_output has shape {grad_output.shape}, "
                         f"expected {x.shape}")
    rows, size = x.shape[0], x.shape[1]
    mean = channel_vector("mean", mean, rows, np.float64)
    rstd = channel_vector("rstd", rstd, rows, np.float64)
    weight = channel_vector("weight", weight, size, x.dtype)
    grad_input = np.empty_like(x)
    grad_weight, grad_bias = np.zeros(size), np.zeros(size)
    if x.size > 0:
        threads = _threads(x.size)
        affine = np.empty(0, x.dtype) if weight is None else weight
        if x.dtype == np.float32:
            _layer_norm_grad_input[float](grad_output, x, mean, rstd, affine, grad_input, threads)
            if weight is not None:
                _layer_norm_grad_params[float](grad_output, x, mean, rstd, grad_weight,
                                               grad_bias, threads)
        else:
            _layer_norm_grad_input[double](grad_output, x, mean, rstd, affine, grad_input,
                                           threads)
            if weight is not None:
                _layer_norm_grad_params[double](grad_output, x, mean, rstd, grad_weight,
                                                grad_bias, threads)
    if weight is None:
        return grad_input, None, None
    return grad_input, grad_weight.astype(x.dtype), grad_bias.astype(x.dtype)
