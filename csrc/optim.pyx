# Fused optimizer updates over flat parameter arrays: one pass reads p, g and the state and
# writes p and the state, for a whole parameter group at once (the flat arena, DESIGN.md).
#
# Design notes
# - Each update repeats PyTorch's single-tensor implementation operation by operation, in the
#   parameters' precision with the scalars cast to it (lerp as m + w (g - m), addcmul as
#   s + (v a) b, addcdiv as p + (v a) / b), so float32 trajectories agree with PyTorch's bits.
# - Elementwise: prange over chunks of CHUNK elements with a static schedule; each chunk is a
#   plain function over pointers (locals stay locals and the loops vectorize). No element
#   depends on another, so results are identical for any thread count.
# - Each public def validates every argument (minigrad._validate.optim, shared with the twin, so
#   both reject the same inputs with the same messages: type, dtype, length, contiguity,
#   writeability, no overlap, the thread count), so only checked arrays become memoryviews;
#   states the options do not use are replaced by empty arrays whose pointer is NULL and never
#   read. It then calls its private def, whose arrays are fused-typed memoryviews (Cython picks
#   the float or double specialization), which releases the GIL and runs the update over all
#   chunks with the caller's thread count (one thread below PARALLEL_MIN elements).
# - NaN and inf pass through every update as through the twin's NumPy expressions; the AMSGrad
#   maximum is np.maximum's (NaN in either operand is kept).
# - zero_fill clears a gradient arena with one memset (all-zero bytes are +0.0): libc's memset
#   writes large buffers with streaming stores, 2-3x faster than an element loop here.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.string cimport memset

import numpy as np

from minigrad._validate.optim import (UNUSED, adadelta_step_arguments, adagrad_step_arguments,
                                      adam_step_arguments, rmsprop_step_arguments,
                                      sgd_step_arguments, zero_fill_arguments)

cdef enum:
    CHUNK = 16384         # elements per parallel task
    PARALLEL_MIN = 65536  # elements below which one thread does the whole array


cdef enum Update:  # the update that _run applies to every chunk
    SGD, ADAM, RMSPROP, ADAGRAD, ADADELTA


cdef struct Hyper:  # the scalars of one step, in double; cast to the data's type where used
    double lr, eps, weight_decay  # lr: for Adagrad, the decayed rate of this step
    bint maximize
    double momentum, dampening    # SGD's (momentum also RMSprop's)
    bint nesterov, new_buffer     # SGD: new_buffer = a momentum buffer that starts as d
    double beta1, beta2           # Adam's, with
    double step_size              # lr / (1 - beta1^t)
    double correction2_sqrt       # sqrt(1 - beta2^t)
    bint amsgrad, decoupled       # decoupled: AdamW's weight decay
    double alpha                  # RMSprop's
    bint centered
    double rho                    # Adadelta's


cdef Hyper _scalars(double lr, double eps, double weight_decay, bint maximize) noexcept:
    # The scalars every update reads; the others are 0 until the update's def sets its own.
    cdef Hyper h
    memset(&h, 0, sizeof(Hyper))
    h.lr, h.eps, h.weight_decay, h.maximize = lr, eps, weight_decay, maximize
    return h


cdef inline floating _grad(const floating* p, const floating* g, Py_ssize_t i,
                           Hyper h) noexcept nogil:
    # g (negated if maximize) + weight_decay * p
    cdef floating d = -g[i] if h.maximize else g[i]
    if h.weight_decay != 0:
        d = d + <floating>h.weight_decay * p[i]
    return d


cdef void _sgd_chunk(floating* p, const floating* g, floating* buf, Py_ssize_t start,
                     Py_ssize_t stop, Hyper h) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating d, momentum = <floating>h.momentum, keep = <floating>(1 - h.dampening)
    cdef floating lr = <floating>h.lr
    for i in range(start, stop):
        d = _grad(p, g, i, h)
        if h.momentum != 0:
            if h.new_buffer:
                buf[i] = d
            else:
                buf[i] = buf[i] * momentum + keep * d
            d = d + momentum * buf[i] if h.nesterov else buf[i]
        p[i] = p[i] + (-lr) * d


cdef inline floating _nan_max(floating a, floating b) noexcept nogil:
    # np.maximum's rule: a unless b is larger, NaN in either kept (b != b only for NaN; a NaN a
    # fails b > a and stays). Written with b first: GCC vectorizes this form, not a-first.
    return b if (b > a) | (b != b) else a


cdef inline void _adam_moments(floating* p, const floating* g, floating* m, floating* v,
                               Py_ssize_t i, Hyper h, floating sign, floating w1, floating b2,
                               floating w2, floating decay, floating wd) noexcept nogil:
    # m = lerp(m, d, 1 - b1), v = b2 v + (1 - b2) d^2 for element i, after the weight decay.
    # d = sign g with sign = -1 to maximize: exact, like -g, and without the select on a load
    # that kept the amsgrad loop from vectorizing
    cdef floating d = sign * g[i]
    if h.weight_decay != 0:
        if h.decoupled:
            p[i] = p[i] * decay
        else:
            d = d + wd * p[i]
    m[i] = m[i] + w1 * (d - m[i])
    v[i] = v[i] * b2 + w2 * d * d


cdef void _adam_chunk(floating* p, const floating* g, floating* m, floating* v, floating* vmax,
                      Py_ssize_t start, Py_ssize_t stop, Hyper h) noexcept nogil:
    # One loop per mode, so that each vectorizes: with the amsgrad test inside, GCC kept the
    # whole loop scalar once the maximum had to keep NaN (Adam 4.5x slower at 1.86M floats).
    # p -= step_size m / (sqrt(second) / sqrt(1 - b2^t) + eps), the root rounded to the data's
    # type first; second = v, or its running maximum with amsgrad.
    cdef Py_ssize_t i
    cdef floating w1 = <floating>(1 - h.beta1), b2 = <floating>h.beta2
    cdef floating w2 = <floating>(1 - h.beta2), eps = <floating>h.eps
    cdef floating decay = <floating>(1 - h.lr * h.weight_decay)
    cdef floating size = <floating>(-h.step_size), root = <floating>h.correction2_sqrt
    cdef floating wd = <floating>h.weight_decay, sign = -1 if h.maximize else 1
    if h.amsgrad:
        for i in range(start, stop):
            _adam_moments(p, g, m, v, i, h, sign, w1, b2, w2, decay, wd)
            vmax[i] = _nan_max(vmax[i], v[i])
            p[i] = p[i] + size * m[i] / (<floating>sqrt(vmax[i]) / root + eps)
    else:
        for i in range(start, stop):
            _adam_moments(p, g, m, v, i, h, sign, w1, b2, w2, decay, wd)
            p[i] = p[i] + size * m[i] / (<floating>sqrt(v[i]) / root + eps)


cdef void _rmsprop_chunk(floating* p, const floating* g, floating* sq, floating* avg_g,
                         floating* buf, Py_ssize_t start, Py_ssize_t stop,
                         Hyper h) noexcept nogil:
    # One loop per mode, each free of branches, so that every one vectorizes (a test of the
    # mode inside the loop kept it scalar).
    cdef Py_ssize_t i
    cdef floating d, avg, alpha = <floating>h.alpha, w = <floating>(1 - h.alpha)
    cdef floating momentum = <floating>h.momentum, eps = <floating>h.eps, lr = <floating>h.lr
    if h.centered:  # v' = v - a^2, a = alpha a + (1 - alpha) g
        for i in range(start, stop):
            d = _grad(p, g, i, h)
            sq[i] = sq[i] * alpha + w * d * d
            avg_g[i] = avg_g[i] + w * (d - avg_g[i])
            avg = sq[i] - avg_g[i] * avg_g[i]  # addcmul with value -1, in the data's type
            avg = <floating>sqrt(avg) + eps
            if h.momentum > 0:
                buf[i] = buf[i] * momentum + d / avg
                p[i] = p[i] + (-lr) * buf[i]
            else:
                p[i] = p[i] + (-lr) * d / avg
    elif h.momentum > 0:  # with a momentum buffer
        for i in range(start, stop):
            d = _grad(p, g, i, h)
            sq[i] = sq[i] * alpha + w * d * d
            avg = <floating>sqrt(sq[i]) + eps
            buf[i] = buf[i] * momentum + d / avg
            p[i] = p[i] + (-lr) * buf[i]
    else:
        for i in range(start, stop):
            d = _grad(p, g, i, h)
            sq[i] = sq[i] * alpha + w * d * d
            avg = <floating>sqrt(sq[i]) + eps
            p[i] = p[i] + (-lr) * d / avg


cdef void _adagrad_chunk(floating* p, const floating* g, floating* total, Py_ssize_t start,
                         Py_ssize_t stop, Hyper h) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating d, root, clr = <floating>(-h.lr), eps = <floating>h.eps
    for i in range(start, stop):
        d = _grad(p, g, i, h)
        total[i] = total[i] + d * d
        root = <floating>sqrt(total[i])
        p[i] = p[i] + clr * d / (root + eps)


cdef void _adadelta_chunk(floating* p, const floating* g, floating* sq, floating* acc,
                          Py_ssize_t start, Py_ssize_t stop, Hyper h) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating d, std, delta, rho = <floating>h.rho, w = <floating>(1 - h.rho)
    cdef floating eps = <floating>h.eps, lr = <floating>h.lr
    for i in range(start, stop):
        d = _grad(p, g, i, h)
        sq[i] = sq[i] * rho + w * d * d
        std = <floating>sqrt(sq[i] + eps)
        delta = <floating>sqrt(acc[i] + eps)
        delta = delta / std * d
        acc[i] = acc[i] * rho + w * delta * delta
        p[i] = p[i] + (-lr) * delta


cdef floating* _data(floating[::1] a) noexcept nogil:
    return &a[0] if a.shape[0] > 0 else NULL


cdef void _run(Update update, floating[::1] p, const floating[::1] g, floating[::1] s1,
               floating[::1] s2, floating[::1] s3, Hyper h, int num_threads) noexcept nogil:
    # One update over all chunks of the arrays; s1..s3 are its state arrays in the order of its
    # signature (empty where the options do not use one). One thread below PARALLEL_MIN.
    cdef Py_ssize_t n = p.shape[0], chunks = (n + CHUNK - 1) // CHUNK, j, start, stop
    cdef int threads = num_threads if n >= PARALLEL_MIN else 1
    for j in prange(chunks, nogil=True, schedule="static", num_threads=threads):
        start = j * CHUNK
        stop = min(start + CHUNK, n)
        if update == SGD:
            _sgd_chunk(&p[0], &g[0], _data(s1), start, stop, h)
        elif update == ADAM:
            _adam_chunk(&p[0], &g[0], &s1[0], &s2[0], _data(s3), start, stop, h)
        elif update == RMSPROP:
            _rmsprop_chunk(&p[0], &g[0], &s1[0], _data(s2), _data(s3), start, stop, h)
        elif update == ADAGRAD:
            _adagrad_chunk(&p[0], &g[0], &s1[0], start, stop, h)
        else:
            _adadelta_chunk(&p[0], &g[0], &s1[0], &s2[0], start, stop, h)


def _states(param, *states):
    """The checked state arrays, an empty one (never dereferenced) for each that the options do
    not read (UNUSED), and empty ones up to three: _run's s1..s3."""
    empty = np.empty(0, param.dtype)
    return [empty if s is UNUSED else s for s in states] + [empty] * (3 - len(states))


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
             maximize, new_buffer, *, num_threads):
    """p -= lr * d with d = g (+ momentum buffer, Nesterov's look-ahead); a new buffer (one the
    parameters have not used before) starts as d, PyTorch's clone of the gradient."""
    (param, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, new_buffer,
     num_threads) = sgd_step_arguments(param, grad, momentum_buffer, lr, momentum, dampening,
                                       weight_decay, nesterov, maximize, new_buffer, num_threads)
    _sgd_step(param, grad, *_states(param, buffer), lr, momentum, dampening, weight_decay,
              nesterov, maximize, new_buffer, num_threads)


def _sgd_step(floating[::1] param, const floating[::1] grad, floating[::1] s1, floating[::1] s2,
              floating[::1] s3, double lr, double momentum, double dampening,
              double weight_decay, bint nesterov, bint maximize, bint new_buffer,
              int num_threads):
    cdef Hyper h = _scalars(lr, 0, weight_decay, maximize)
    h.momentum, h.dampening, h.nesterov, h.new_buffer = momentum, dampening, nesterov, new_buffer
    with nogil:
        _run(SGD, param, grad, s1, s2, s3, h, num_threads)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled, *, num_threads):
    """Adam (decoupled=False: L2 added to the gradient) or AdamW (decoupled: p *= 1 - lr wd)."""
    (param, grad, exp_avg, exp_avg_sq, maximum, step, lr, beta1, beta2, eps, weight_decay, amsgrad,
     maximize, decoupled, num_threads) = adam_step_arguments(
        param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
        weight_decay, amsgrad, maximize, decoupled, num_threads)
    _adam_step(param, grad, *_states(param, exp_avg, exp_avg_sq, maximum), lr, beta1, beta2,
               lr / (1 - beta1 ** step), (1 - beta2 ** step) ** 0.5, eps, weight_decay,
               amsgrad, maximize, decoupled, num_threads)


def _adam_step(floating[::1] param, const floating[::1] grad, floating[::1] s1,
               floating[::1] s2, floating[::1] s3, double lr, double beta1, double beta2,
               double step_size, double correction2_sqrt, double eps, double weight_decay,
               bint amsgrad, bint maximize, bint decoupled, int num_threads):
    cdef Hyper h = _scalars(lr, eps, weight_decay, maximize)
    h.beta1, h.beta2, h.amsgrad, h.decoupled = beta1, beta2, amsgrad, decoupled
    h.step_size, h.correction2_sqrt = step_size, correction2_sqrt
    with nogil:
        _run(ADAM, param, grad, s1, s2, s3, h, num_threads)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                 weight_decay, momentum, centered, maximize, *, num_threads):
    """RMSprop: v = alpha v + (1 - alpha) g^2, p -= lr g / (sqrt(v - centered mean^2) + eps)."""
    (param, grad, square_avg, average, buffer, lr, alpha, eps, weight_decay, momentum, centered,
     maximize, num_threads) = rmsprop_step_arguments(
        param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay,
        momentum, centered, maximize, num_threads)
    _rmsprop_step(param, grad, *_states(param, square_avg, average, buffer), lr, alpha, eps,
                  weight_decay, momentum, centered, maximize, num_threads)


def _rmsprop_step(floating[::1] param, const floating[::1] grad, floating[::1] s1,
                  floating[::1] s2, floating[::1] s3, double lr, double alpha, double eps,
                  double weight_decay, double momentum, bint centered, bint maximize,
                  int num_threads):
    cdef Hyper h = _scalars(lr, eps, weight_decay, maximize)
    h.alpha, h.momentum, h.centered = alpha, momentum, centered
    with nogil:
        _run(RMSPROP, param, grad, s1, s2, s3, h, num_threads)


def adagrad_step(param, grad, state_sum, step, lr, lr_decay, eps, weight_decay, maximize, *,
                 num_threads):
    """AdaGrad: s += g^2, p -= lr_t g / (sqrt(s) + eps), lr_t = lr / (1 + (step - 1) lr_decay)."""
    param, grad, state_sum, step, lr, lr_decay, eps, weight_decay, maximize, num_threads = \
        adagrad_step_arguments(param, grad, state_sum, step, lr, lr_decay, eps, weight_decay,
                               maximize, num_threads)
    _adagrad_step(param, grad, *_states(param, state_sum), lr / (1 + (step - 1) * lr_decay),
                  eps, weight_decay, maximize, num_threads)


def _adagrad_step(floating[::1] param, const floating[::1] grad, floating[::1] s1,
                  floating[::1] s2, floating[::1] s3, double decayed_lr, double eps,
                  double weight_decay, bint maximize, int num_threads):
    cdef Hyper h = _scalars(decayed_lr, eps, weight_decay, maximize)
    with nogil:
        _run(ADAGRAD, param, grad, s1, s2, s3, h, num_threads)


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize, *,
                  num_threads):
    """AdaDelta: v = rho v + (1-rho) g^2, d = sqrt(u + eps) / sqrt(v + eps) g,
    u = rho u + (1-rho) d^2, p -= lr d."""
    param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize, num_threads = \
        adadelta_step_arguments(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay,
                                maximize, num_threads)
    _adadelta_step(param, grad, *_states(param, square_avg, acc_delta), lr, rho, eps,
                   weight_decay, maximize, num_threads)


def _adadelta_step(floating[::1] param, const floating[::1] grad, floating[::1] s1,
                   floating[::1] s2, floating[::1] s3, double lr, double rho, double eps,
                   double weight_decay, bint maximize, int num_threads):
    cdef Hyper h = _scalars(lr, eps, weight_decay, maximize)
    h.rho = rho
    with nogil:
        _run(ADADELTA, param, grad, s1, s2, s3, h, num_threads)


def zero_fill(array):
    """array[:] = 0 in place, by one memset over its bytes."""
    _zero_fill(zero_fill_arguments(array))


def _zero_fill(floating[::1] array):
    if array.shape[0] > 0:
        with nogil:
            memset(&array[0], 0, array.shape[0] * sizeof(floating))
