# Softmax cross-entropy over logits (N, C), forward and backward, fused and stable.
#
# Design notes
# - One row at a time (prange over rows, static schedule; rows are independent, so results do
#   not depend on the thread count). Forward: the row's max m, then e_c = exp(x_c - m) written
#   straight into the probabilities' row and summed in double, lse = m + log(sum e); the row is
#   scaled to probabilities p = e / sum, which backward reuses, so backward needs no exp at all.
#   Logits of +-1000 stay finite: every exponent is <= 0.
# - Loss of a row (logp = x - lse, weights w, smoothing eps, C classes):
#     class index t:   (1 - eps) w_t (lse - x_t) + eps/C (W lse - sum_c w_c x_c),  W = sum w
#     probabilities y: -sum_c w_c y'_c (x_c - lse),  y' = (1 - eps) y + eps/C
#   Gradient with respect to the logits, scaled by the row's incoming gradient g:
#     class index t:   g (p_c ((1 - eps) w_t + eps W/C) - (1 - eps) w_t [c = t] - eps w_c/C)
#     probabilities y: g (p_c sum_k w_k y'_k - w_c y'_c)
#   An ignored row (t == ignore_index) has loss 0 and gradient 0.
# - Weights are always an array (ones when the caller gave none) so the loops have no branch.
# - The def wrappers validate (minigrad._validate, shared with the twin: targets in range, shapes,
#   dtypes) and allocate with the GIL; the cdef helpers run without it.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp, log

from _sums cimport run_max

import numpy as np

from minigrad._validate import channel_vector, float_array, loss_targets
from minigrad.kernels import get_num_threads

cdef enum:
    PARALLEL_MIN = 16384  # logits below which one thread does all rows


cdef extern from "_fastmath.h" nogil:
    double minigrad_softmax_row_f32(const float* x, float* p, long n)


cdef double _softmax_row(const floating* x, floating* p, Py_ssize_t classes) noexcept nogil:
    """p = softmax(x) for one row (classes >= 1); returns lse = log sum exp(x). A NaN in the
    row makes every p and lse NaN. float32 rows go to the C version in _fastmath.h, built for
    several instruction sets; float64 rows use libm's exp."""
    cdef double top, total = 0
    cdef Py_ssize_t c
    if floating is float:
        return minigrad_softmax_row_f32(x, p, classes)
    top = run_max(x, classes)
    for c in range(classes):
        p[c] = exp(x[c] - top)
        total += p[c]
    for c in range(classes):
        p[c] = p[c] / total
    return top + log(total)


cdef void _class_forward(const floating[:, ::1] x,   # IN  (N, C)
                         const long long[::1] target,  # IN  (N,)
                         const double[::1] weight,   # IN  (C,)
                         double[::1] losses,         # OUT (N,)
                         floating[:, ::1] probs,     # OUT (N, C)
                         long long ignore_index, double smoothing, int threads) noexcept nogil:
    cdef Py_ssize_t rows = x.shape[0], classes = x.shape[1], i, c, t
    cdef double lse, weighted_x, weight_sum = 0
    for c in range(classes):
        weight_sum += weight[c]
    for i in prange(rows, nogil=True, schedule="static", num_threads=threads):
        lse = _softmax_row(&x[i, 0], &probs[i, 0], classes)
        t = target[i]
        if t == ignore_index:
            losses[i] = 0
            continue
        weighted_x = 0
        if smoothing > 0:
            for c in range(classes):
                weighted_x = weighted_x + weight[c] * x[i, c]
        losses[i] = ((1 - smoothing) * weight[t] * (lse - x[i, t])
                     + smoothing / classes * (weight_sum * lse - weighted_x))


cdef void _class_backward(const double[::1] grad_losses,  # IN  (N,)
                          const floating[:, ::1] probs,   # IN  (N, C)
                          const long long[::1] target,    # IN  (N,)
                          const double[::1] weight,       # IN  (C,)
                          floating[:, ::1] grad,          # OUT (N, C)
                          long long ignore_index, double smoothing, int threads) noexcept nogil:
    cdef Py_ssize_t rows = probs.shape[0], classes = probs.shape[1], i, c, t
    cdef double g, picked, spread, weight_sum = 0
    for c in range(classes):
        weight_sum += weight[c]
    for i in prange(rows, nogil=True, schedule="static", num_threads=threads):
        t = target[i]
        if t == ignore_index:
            for c in range(classes):
                grad[i, c] = 0
            continue
        g = grad_losses[i]
        picked = (1 - smoothing) * weight[t]
        spread = picked + smoothing * weight_sum / classes
        for c in range(classes):
            grad[i, c] = <floating>(g * (probs[i, c] * spread - smoothing * weight[c] / classes))
        grad[i, t] = <floating>(grad[i, t] - g * picked)


cdef void _probability_forward(const floating[:, ::1] x,       # IN  (N, C)
                               const floating[:, ::1] target,  # IN  (N, C)
                               const double[::1] weight,       # IN  (C,)
                               double[::1] losses,             # OUT (N,)
                               floating[:, ::1] probs,         # OUT (N, C)
                               double smoothing, int threads) noexcept nogil:
    cdef Py_ssize_t rows = x.shape[0], classes = x.shape[1], i, c
    cdef double lse, total
    for i in prange(rows, nogil=True, schedule="static", num_threads=threads):
        lse = _softmax_row(&x[i, 0], &probs[i, 0], classes)
        total = 0
        for c in range(classes):
            total = total + (weight[c] * ((1 - smoothing) * target[i, c] + smoothing / classes)
                             * (lse - x[i, c]))
        losses[i] = total


cdef void _probability_backward(const double[::1] grad_losses,  # IN  (N,)
                                const floating[:, ::1] probs,   # IN  (N, C)
                                const floating[:, ::1] target,  # IN  (N, C)
                                const double[::1] weight,       # IN  (C,)
                                floating[:, ::1] grad,          # OUT (N, C)
                                double smoothing, int threads) noexcept nogil:
    cdef Py_ssize_t rows = probs.shape[0], classes = probs.shape[1], i, c
    cdef double mass, y
    for i in prange(rows, nogil=True, schedule="static", num_threads=threads):
        mass = 0  # sum_k w_k y'_k
        for c in range(classes):
            mass = mass + weight[c] * ((1 - smoothing) * target[i, c] + smoothing / classes)
        for c in range(classes):
            y = (1 - smoothing) * target[i, c] + smoothing / classes
            grad[i, c] = <floating>(grad_losses[i] * (probs[i, c] * mass - weight[c] * y))


def _inputs(logits, target, weight, ignore_index):
    logits = float_array("input", logits, 2)
    target = loss_targets(target, logits, ignore_index)
    weight = channel_vector("weight", weight, logits.shape[1], logits.dtype)
    weight = np.ones(logits.shape[1]) if weight is None else weight.astype(np.float64)
    threads = get_num_threads() if logits.size >= PARALLEL_MIN else 1
    return logits, target, weight, threads


def cross_entropy_forward(logits, target, weight, long long ignore_index,
                          double label_smoothing):
    """(losses, probs): each row's loss in float64 (N,), and softmax(logits) (N, C) in the
    logits' dtype, kept for backward. target: class indices (N,) or probabilities (N, C)."""
    logits, target, weight, threads = _inputs(logits, target, weight, ignore_index)
    losses, probs = np.zeros(logits.shape[0]), np.empty_like(logits)
    if logits.size == 0:
        return losses, probs
    if target.ndim == 1:
        if logits.dtype == np.float32:
            _class_forward[float](logits, target, weight, losses, probs, ignore_index,
                                  label_smoothing, threads)
        else:
            _class_forward[double](logits, target, weight, losses, probs, ignore_index,
                                   label_smoothing, threads)
    elif logits.dtype == np.float32:
        _probability_forward[float](logits, target, weight, losses, probs, label_smoothing,
                                    threads)
    else:
        _probability_forward[double](logits, target, weight, losses, probs, label_smoothing,
                                     threads)
    return losses, probs


def cross_entropy_backward(grad_losses, probs, target, weight, long long ignore_index,
                           double label_smoothing):
    """d(sum_i grad_losses_i loss_i) / d logits, (N, C) in the probabilities' dtype."""
    probs, target, weight, threads = _inputs(probs, target, weight, ignore_index)
    grad_losses = channel_vector("grad_losses", grad_losses, probs.shape[0], np.float64)
    grad = np.empty_like(probs)
    if probs.size == 0:
        return grad
    if target.ndim == 1:
        if probs.dtype == np.float32:
            _class_backward[float](grad_losses, probs, target, weight, grad, ignore_index,
                                   label_smoothing, threads)
        else:
            _class_backward[double](grad_losses, probs, target, weight, grad, ignore_index,
                                    label_smoothing, threads)
    elif probs.dtype == np.float32:
        _probability_backward[float](grad_losses, probs, target, weight, grad, label_smoothing,
                                     threads)
    else:
        _probability_backward[double](grad_losses, probs, target, weight, grad,
                                      label_smoothing, threads)
    return grad
