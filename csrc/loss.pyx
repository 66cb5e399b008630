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
# - The public defs validate (minigrad._validate, shared with the twin: targets in range, shapes,
#   dtypes) and allocate with the GIL; a private def on fused-typed memoryviews (Cython picks
#   float or double from the arrays) releases it and runs the cdef helpers. The thread count
#   comes from the caller (num_threads); arrays below PARALLEL_MIN run on one thread.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp, expf, fabs, log, log1p, log1pf

from _sums cimport run_max

import numpy as np

from minigrad._validate.loss import (bce_inputs, cross_entropy_arguments,
                                     cross_entropy_backward_arguments)

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


cdef int _threads(Py_ssize_t size, int num_threads) noexcept:
    return num_threads if size >= PARALLEL_MIN else 1


def _run_class_forward(const floating[:, ::1] x, const long long[::1] target,
                       const double[::1] weight, double[::1] losses, floating[:, ::1] probs,
                       long long ignore_index, double smoothing, int threads):
    with nogil:
        _class_forward(x, target, weight, losses, probs, ignore_index, smoothing, threads)


def _run_probability_forward(const floating[:, ::1] x, const floating[:, ::1] target,
                             const double[::1] weight, double[::1] losses,
                             floating[:, ::1] probs, double smoothing, int threads):
    with nogil:
        _probability_forward(x, target, weight, losses, probs, smoothing, threads)


def _run_class_backward(const double[::1] grad_losses, const floating[:, ::1] probs,
                        const long long[::1] target, const double[::1] weight,
                        floating[:, ::1] grad, long long ignore_index, double smoothing,
                        int threads):
    with nogil:
        _class_backward(grad_losses, probs, target, weight, grad, ignore_index, smoothing,
                        threads)


def _run_probability_backward(const double[::1] grad_losses, const floating[:, ::1] probs,
                              const floating[:, ::1] target, const double[::1] weight,
                              floating[:, ::1] grad, double smoothing, int threads):
    with nogil:
        _probability_backward(grad_losses, probs, target, weight, grad, smoothing, threads)


def cross_entropy_forward(logits, target, weight, ignore_index, label_smoothing, *,
                          num_threads):
    """(losses, probs): each row's loss in float64 (N,), and softmax(logits) (N, C) in the
    logits' dtype, kept for backward. target: class indices (N,) or probabilities (N, C)."""
    logits, target, weight, ignore_index, label_smoothing, num_threads = cross_entropy_arguments(
        logits, target, weight, ignore_index, label_smoothing, num_threads)
    threads = _threads(logits.size, num_threads)
    losses, probs = np.zeros(logits.shape[0]), np.empty_like(logits)
    if logits.size == 0:
        return losses, probs
    if target.ndim == 1:
        _run_class_forward(logits, target, weight, losses, probs, ignore_index, label_smoothing,
                           threads)
    else:
        _run_probability_forward(logits, target, weight, losses, probs, label_smoothing, threads)
    return losses, probs


def cross_entropy_backward(grad_losses, probs, target, weight, ignore_index, label_smoothing, *,
                           input_grad, num_threads):
    """(grad_input,): d(sum_i grad_losses_i loss_i) / d logits, (N, C) in the probabilities'
    dtype, or None when input_grad is False."""
    grad_losses, probs, target, weight, ignore_index, label_smoothing, input_grad, num_threads = \
        cross_entropy_backward_arguments(grad_losses, probs, target, weight, ignore_index,
                                         label_smoothing, input_grad, num_threads)
    if not input_grad:
        return (None,)
    threads = _threads(probs.size, num_threads)
    grad = np.empty_like(probs)
    if probs.size == 0:
        return (grad,)
    if target.ndim == 1:
        _run_class_backward(grad_losses, probs, target, weight, grad, ignore_index,
                            label_smoothing, threads)
    else:
        _run_probability_backward(grad_losses, probs, target, weight, grad, label_smoothing,
                                  threads)
    return (grad,)


# ---------------------------------------------------------- binary cross-entropy with logits


cdef inline floating _exp(floating v) noexcept nogil:
    return expf(v) if floating is float else exp(v)


cdef inline floating _log1p(floating v) noexcept nogil:
    return log1pf(v) if floating is float else log1p(v)


cdef double _bce_with_logits(const floating[::1] x, const floating[::1] y,
                             const floating* weight, const floating* pos_weight,
                             floating[::1] losses, floating[::1] grad) noexcept nogil:
    """losses_i = w_i ((1 - y_i) x_i + l_i softplus(-x_i)),  l_i = 1 + (pos_weight_i - 1) y_i,
    grad_i = d losses_i / d x_i = w_i ((1 - y_i) - l_i sigmoid(-x_i)); returns sum_i losses_i.

    With d = e^-|x| (never overflows): softplus(-x) = log1p(d) + max(-x, 0) and
    sigmoid(-x) = (x < 0 ? 1 : d) / (1 + d). For x < 0 the linear terms are gathered first,
    (1 - y) x + l (-x) = -pos_weight y x, so that no large terms cancel: written as the sum,
    float32 x = -13.5 with y = 0 lost 30% of a 1.4e-6 loss (13.5 + 1.4e-6 rounded, then
    13.5 subtracted). Computed in the input's precision (as PyTorch does), summed in double in
    order (one thread: the same total for any thread count). weight and pos_weight may be NULL
    (all ones)."""
    cdef Py_ssize_t i
    cdef floating xi, decay, scale, w, loss, linear
    cdef double total = 0
    for i in range(x.shape[0]):
        xi = x[i]
        decay = _exp(-fabs(xi))
        scale = 1 if pos_weight == NULL else 1 + (pos_weight[i] - 1) * y[i]
        w = 1 if weight == NULL else weight[i]
        if xi < 0:
            linear = -(1 if pos_weight == NULL else pos_weight[i]) * y[i] * xi
        else:
            linear = (1 - y[i]) * xi
        loss = w * (linear + scale * _log1p(decay))
        grad[i] = w * ((1 - y[i]) - scale * (1 if xi < 0 else decay) / (1 + decay))
        losses[i] = loss
        total += loss
    return total


cdef const floating* _optional(const floating[::1] array) noexcept:
    return NULL if array is None or array.shape[0] == 0 else &array[0]


def _run_bce(const floating[::1] x, const floating[::1] y, const floating[::1] weight,
             const floating[::1] pos_weight, floating[::1] losses, floating[::1] grad):
    """_bce_with_logits without the GIL, on the arrays' data (None: NULL); returns the total."""
    cdef double total
    cdef const floating* w = _optional(weight)
    cdef const floating* pw = _optional(pos_weight)
    with nogil:
        total = _bce_with_logits(x, y, w, pw, losses, grad)
    return total


def bce_with_logits(x, y, weight, pos_weight):
    """(losses, grad, total) of the logistic loss on flat logits x (n,) and targets y (n,):
    per-element losses and d losses / d x in x's dtype, and their sum in float64. weight and
    pos_weight are (n,) or None (see _bce_with_logits for the formulas)."""
    x, y, weight, pos_weight = bce_inputs(x, y, weight, pos_weight)
    losses, grad = np.empty_like(x), np.empty_like(x)
    return losses, grad, _run_bce(x, y, weight, pos_weight, losses, grad)
