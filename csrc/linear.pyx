# Fused linear layer: y = act(x W^T + b), and its backward.
#
# Design notes
# - Forward is one BLAS gemm (z = x W^T) followed by one pass over the (N, out) output that adds
#   the bias and applies the activation in place.
# - Backward is one pass over grad_output that multiplies by the activation's derivative (a
#   function of the saved output y alone: relu y > 0, sigmoid y (1 - y), tanh 1 - y^2) and sums
#   the bias gradient in double in the same pass, then two gemms: gW = gz^T x and gx = gz W.
#   With no activation, gz is grad_output itself and the pass only sums the bias gradient.
# - The passes are serial on purpose: they touch N*out elements once, a small fraction of the
#   gemm's N*out*in multiply-adds, and a serial loop cannot fight OpenBLAS's threads for the cores.
# - float32 gemms give the same bits for any thread count (csrc/_blas.pxd); float64 ones do
#   not, so the caller (minigrad/ops/linear.py) holds minigrad.kernels.float64_gemm_threads()
#   around float64 calls. The kernels call no OpenMP loop, so they take no num_threads.
# - The public defs validate (minigrad._validate, shared with the NumPy twin), make inputs
#   contiguous and allocate outputs with the GIL held; a private def on fused-typed memoryviews
#   (Cython picks float or double from the arrays) runs the cdef helpers, GIL held: they are
#   serial, and releasing it would cost a small layer more than its bias pass.
from cython cimport floating
from libc.math cimport exp, tanh

import numpy as np

from _blas cimport gemm

from minigrad._validate.linear import linear_backward_arguments, linear_forward_arguments

cdef enum:
    NONE = 0
    RELU = 1
    LEAKY_RELU = 2
    SIGMOID = 3
    TANH = 4


cdef inline void _bias_activate_row(floating* z, const floating* bias, Py_ssize_t m,
                                   int activation, floating slope) noexcept nogil:
    """z[j] = act(z[j] + bias[j]) over one output row, z in place; bias may be NULL.

    One loop per activation, so each is a branch-free loop the compiler vectorizes. Comparisons
    are written so that NaN falls through to z: NaN propagates.
    """
    cdef Py_ssize_t j
    if bias != NULL:
        for j in range(m):
            z[j] += bias[j]
    if activation == RELU:
        for j in range(m):
            z[j] = 0 if z[j] < 0 else z[j]
    elif activation == LEAKY_RELU:
        for j in range(m):
            z[j] = z[j] * slope if z[j] < 0 else z[j]
    elif activation == SIGMOID:  # stable on both sides: exp of a non-positive number only
        for j in range(m):
            z[j] = 1 / (1 + exp(-z[j])) if z[j] >= 0 else exp(z[j]) / (1 + exp(z[j]))
    elif activation == TANH:
        for j in range(m):
            z[j] = tanh(z[j])


cdef inline void _activation_grad_row(const floating* gy, const floating* y, floating* gz,
                                      Py_ssize_t m, int activation, floating slope) noexcept nogil:
    """gz[j] = dL/dz from dL/dy and y = act(z) over one row: each derivative is a function of y.

    g is loaded unconditionally so that the relu selects compile to vector blends, not branches.
    """
    cdef Py_ssize_t j
    cdef floating g
    if activation == RELU:
        for j in range(m):
            g = gy[j]
            gz[j] = 0 if y[j] <= 0 else g  # a NaN output passes g on, as PyTorch
    elif activation == LEAKY_RELU:
        for j in range(m):
            g = gy[j]
            gz[j] = g if y[j] > 0 else g * slope
    elif activation == SIGMOID:
        for j in range(m):
            gz[j] = gy[j] * y[j] * (1 - y[j])
    elif activation == TANH:
        for j in range(m):
            gz[j] = gy[j] * (1 - y[j] * y[j])


cdef void _forward(const floating[:, ::1] x,       # IN  (N, in)
                   const floating[:, ::1] weight,  # IN  (out, in)
                   const floating[::1] bias,       # IN  (out,) or empty
                   floating[:, ::1] out,           # OUT (N, out)
                   int activation, floating slope) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], k = x.shape[1], m = weight.shape[0], i
    cdef const floating* bias_ptr = &bias[0] if bias.shape[0] > 0 else NULL
    if k > 0:
        gemm(False, True, n, m, k, 1, &x[0, 0], k, &weight[0, 0], k, 0, &out[0, 0], m)
    else:
        out[:, :] = 0
    if bias_ptr == NULL and activation == NONE:
        return
    for i in range(n):
        _bias_activate_row(&out[i, 0], bias_ptr, m, activation, slope)


cdef void _backward(const floating[:, ::1] grad_output,  # IN  (N, out)
                    const floating[:, ::1] x,            # IN  (N, in)
                    const floating[:, ::1] weight,       # IN  (out, in)
                    const floating[:, ::1] output,       # IN  (N, out), read unless NONE
                    floating[:, ::1] gz,                 # OUT (N, out) dL/dz (unused for NONE)
                    double[::1] bias_sum,                # OUT (out,) or empty: sum_i dL/dz_ij
                    floating[:, ::1] grad_input,         # OUT (N, in) or empty
                    floating[:, ::1] grad_weight,        # OUT (out, in) or empty
                    int activation, floating slope) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], k = x.shape[1], m = weight.shape[0], i, j
    cdef const floating[:, ::1] dz = grad_output if activation == NONE else gz
    for i in range(n):
        if activation != NONE:
            _activation_grad_row(&grad_output[i, 0], &output[i, 0], &gz[i, 0], m, activation,
                                 slope)
        if bias_sum.shape[0] > 0:
            for j in range(m):
                bias_sum[j] += dz[i, j]
    if grad_weight.shape[0] > 0:
        if n > 0:  # gW (out, in) = dz^T (out, N) @ x (N, in)
            gemm(True, False, m, k, n, 1, &dz[0, 0], m, &x[0, 0], k, 0, &grad_weight[0, 0], k)
        else:
            grad_weight[:, :] = 0
    if grad_input.shape[0] > 0:
        if m > 0:  # gx (N, in) = dz (N, out) @ W (out, in)
            gemm(False, False, n, k, m, 1, &dz[0, 0], m, &weight[0, 0], k, 0, &grad_input[0, 0], k)
        else:
            grad_input[:, :] = 0


def _run_forward(const floating[:, ::1] x, const floating[:, ::1] weight,
                 const floating[::1] bias, floating[:, ::1] out, int activation, double slope):
    # with the GIL held: releasing it would cost more than a small layer's passes (see above)
    _forward(x, weight, bias, out, activation, <floating>slope)


def _run_backward(const floating[:, ::1] grad_output, const floating[:, ::1] x,
                  const floating[:, ::1] weight, const floating[:, ::1] output,
                  floating[:, ::1] gz, double[::1] bias_sum, floating[:, ::1] grad_input,
                  floating[:, ::1] grad_weight, int activation, double slope):
    _backward(grad_output, x, weight, output, gz, bias_sum, grad_input, grad_weight,
              activation, <floating>slope)


def linear_forward(x, weight, bias, activation, negative_slope):
    """act(x @ weight.T + bias) for x (N, in), weight (out, in), bias (out,) or None;
    activation one of "none", "relu", "leaky_relu", "sigmoid", "tanh"."""
    x, weight, bias, code, slope = linear_forward_arguments(x, weight, bias, activation,
                                                            negative_slope)
    out = np.empty((x.shape[0], weight.shape[0]), dtype=x.dtype)
    if out.size == 0:
        return out
    if bias is None:
        bias = np.empty(0, dtype=x.dtype)
    _run_forward(x, weight, bias, out, code, slope)
    return out


def linear_backward(grad_output, x, weight, output, activation, negative_slope, *, input_grad,
                    weight_grad, bias_grad):
    """(grad_input, grad_weight, grad_bias) of act(x @ weight.T + bias); None where not requested.

    output is the forward's result y, read for the activation's derivative (None: no activation).
    """
    grad_output, x, weight, output, code, slope, input_grad, weight_grad, bias_grad = \
        linear_backward_arguments(grad_output, x, weight, output, activation, negative_slope,
                                  input_grad, weight_grad, bias_grad)
    n, k, m = x.shape[0], x.shape[1], weight.shape[0]
    dtype = x.dtype
    grad_input = np.empty((n, k) if input_grad and k > 0 else (0, 0), dtype)
    grad_weight = np.empty((m, k) if weight_grad and k > 0 else (0, 0), dtype)
    bias_sum = np.zeros(m if bias_grad else 0, np.float64)
    gz = np.empty((n, m) if code != NONE else (0, 0), dtype)
    if code == NONE:  # output is not read
        output = gz
    if n > 0 and m > 0:
        _run_backward(grad_output, x, weight, output, gz, bias_sum, grad_input, grad_weight, code,
                      slope)
    else:  # an empty batch or layer: every gradient is zero
        grad_input, grad_weight = np.zeros_like(grad_input), np.zeros_like(grad_weight)
    return (grad_input.reshape(n, k) if input_grad else None,
            grad_weight.reshape(m, k) if weight_grad else None,
            bias_sum.astype(dtype) if bias_grad else None)
