# Layer normalization, forward and backward (batch norm: batch_norm.pyx).
#
# Design notes
# - Layer norm views x as (M, D) and normalizes each row over its D values.
# - A row's statistics accumulate in double the shifted sums S1 = sum(x - k) and
#   S2 = sum((x - k)^2) (csrc/_sums.pxd: runs of 8 values per lane summed in the data's precision
#   first, then added in double), k being the row's first value: mean = k + S1/D and
#   var = (S2 - S1^2/D) / D. The shift keeps float32 data with a large mean (1e4 + noise) exact
#   enough; without it S2 - S1^2/D cancels catastrophically.
# - Every row is reduced by one thread in a fixed order, so results are bit-identical for any
#   thread count. The parameter gradients (column sums) are taken in the backward's row pass,
#   while gy and x are in cache: per block of rows (at most ROW_BLOCKS blocks, their bounds a
#   function of the row count only) in the data's precision, then the blocks added in order in
#   double.
# - Threads: the caller's num_threads, in a prange with a static schedule over rows or row
#   blocks, only when the tensor is large enough to pay for them (_norm.pxd).
# - The public defs validate (minigrad._validate.layer_norm, shared with the twin) and allocate
#   with the GIL; each calls one private def over fused-typed memoryviews (Cython picks float or
#   double), whose prange releases the GIL around the cdef row helpers.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport NAN, isfinite, sqrt

import numpy as np

from _norm cimport threads_for
from _sums cimport centered_sums

from minigrad._validate.layer_norm import (layer_norm_backward_arguments,
                                           layer_norm_forward_arguments)

cdef enum:
    ROW_BLOCKS = 16       # most row blocks (and threads) of a layer-norm backward with weights


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


def _normalize_rows(const floating[:, ::1] x,    # IN  (M, D), D > 0
                    const floating[::1] weight,  # IN  (D,) (ones without affine)
                    const floating[::1] bias,    # IN  (D,) (zeros without bias)
                    floating[:, ::1] y,          # OUT (M, D)
                    double[::1] mean,            # OUT (M,)
                    double[::1] rstd,            # OUT (M,)
                    double eps, int threads):
    cdef Py_ssize_t i
    for i in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _layer_norm_row(&x[i, 0], &weight[0], &bias[0], &y[i, 0], &mean[i], &rstd[i],
                        x.shape[1], eps)


def _row_gradients(const floating[:, ::1] gy,     # IN  (M, D), not empty
                   const floating[:, ::1] x,      # IN  (M, D)
                   const double[::1] mean,        # IN  (M,)
                   const double[::1] rstd,        # IN  (M,)
                   const floating[::1] weight,    # IN  (D,) (ones without affine)
                   floating[:, ::1] gx,           # OUT (M, D)
                   floating[:, ::1] sum_gy_xhat,  # OUT (B, D) per row block, or (0, D)
                   floating[:, ::1] sum_gy,       # OUT (B, D) zeroed, like sum_gy_xhat
                   int threads):
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


def layer_norm_forward(x, weight, bias, eps, *, num_threads):
    """(y, mean, rstd) for x (M, D): y = (x - mean) * rstd * weight + bias row by row,
    rstd = 1 / sqrt(biased var + eps); mean and rstd are float64 (M,) for backward."""
    x, weight, bias, eps, num_threads = layer_norm_forward_arguments(x, weight, bias, eps,
                                                                     num_threads)
    rows, size = x.shape[0], x.shape[1]
    y = np.empty_like(x)
    mean, rstd = np.full(rows, np.nan), np.full(rows, np.nan)
    if x.size == 0:
        return y, mean, rstd
    weight = np.ones(size, x.dtype) if weight is None else weight
    bias = np.zeros(size, x.dtype) if bias is None else bias
    _normalize_rows(x, weight, bias, y, mean, rstd, eps, threads_for(x.size, num_threads))
    return y, mean, rstd


def layer_norm_backward(grad_output, x, mean, rstd, weight, *, input_grad, weight_grad,
                        bias_grad, num_threads):
    """(grad_input, grad_weight, grad_bias), None where not asked for; with g = gy * weight and
    xhat = (x - mean) * rstd, gx = rstd (g - mean_D g - xhat mean_D(g xhat)),
    grad_weight = sum over rows of gy xhat, grad_bias = sum over rows of gy."""
    (grad_output, x, mean, rstd, weight, input_grad, weight_grad, bias_grad,
     num_threads) = layer_norm_backward_arguments(grad_output, x, mean, rstd, weight, input_grad,
                                                  weight_grad, bias_grad, num_threads)
    rows, size = x.shape[0], x.shape[1]
    grad_input = np.empty_like(x)  # also the row pass's scratch when input_grad is False
    blocks = min(rows, ROW_BLOCKS) if weight_grad or bias_grad else 0
    sum_gy_xhat, sum_gy = np.zeros((blocks, size), x.dtype), np.zeros((blocks, size), x.dtype)
    if x.size > 0:
        affine = np.ones(size, x.dtype) if weight is None else weight
        _row_gradients(grad_output, x, mean, rstd, affine, grad_input, sum_gy_xhat, sum_gy,
                       threads_for(x.size, num_threads))
    # NumPy reduces axis 0 of a C-contiguous array row after row: the blocks in order
    return (grad_input if input_grad else None,
            sum_gy_xhat.sum(axis=0, dtype=np.float64).astype(x.dtype) if weight_grad else None,
            sum_gy.sum(axis=0, dtype=np.float64).astype(x.dtype) if bias_grad else None)
