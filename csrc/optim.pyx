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
# - The def wrappers validate every array the options need before any pointer is taken
#   (minigrad._validate.optimizer_arrays, shared with the twin, so both reject the same inputs
#   with the same messages: type, dtype, length, contiguity, writeability, no overlap), so only
#   checked arrays become memoryviews; states the options do not use are replaced by empty
#   arrays whose pointer is NULL and never read.
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
from minigrad.kernels import get_num_threads

cdef enum:
    CHUNK = 16384         # elements per parallel task
    PARALLEL_MIN = 65536  # elements below which one thread does the whole array


cdef struct Hyper:  # the scalars of one step, in double; cast to the data's type where used
    double lr, a, b, eps, weight_decay
    bint flag1, flag2, maximize


cdef inline floating _grad(const floating* p, const floating* g, Py_ssize_t i,
                           Hyper h) noexcept nogil:
    # g (negated if maximize) + weight_decay * p
    cdef floating d = -g[i] if h.maximize else g[i]
    if h.weight_decay != 0:
        d = d + <floating>h.weight_decay * p[i]
    return d


cdef void _sgd_chunk(floating* p, const floating* g, floating* buf, Py_ssize_t start,
                     Py_ssize_t stop, Hyper h) noexcept nogil:
    # a = momentum, b = dampening; flag1 = nesterov, flag2 = new buffer (buffer = d)
    cdef Py_ssize_t i
    cdef floating d, momentum = <floating>h.a, keep = <floating>(1 - h.b), lr = <floating>h.lr
    for i in range(start, stop):
        d = _grad(p, g, i, h)
        if h.a != 0:
            if h.flag2:
                buf[i] = d
            else:
                buf[i] = buf[i] * momentum + keep * d
            d = d + momentum * buf[i] if h.flag1 else buf[i]
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
        if h.flag2:
            p[i] = p[i] * decay
        else:
            d = d + wd * p[i]
    m[i] = m[i] + w1 * (d - m[i])
    v[i] = v[i] * b2 + w2 * d * d


cdef void _adam_chunk(floating* p, const floating* g, floating* m, floating* v, floating* vmax,
                      Py_ssize_t start, Py_ssize_t stop, Hyper h, double step_size,
                      double correction2_sqrt) noexcept nogil:
    # a = beta1, b = beta2; flag1 = amsgrad, flag2 = decoupled weight decay (AdamW). One loop
    # per mode, so that each vectorizes: with the amsgrad test inside, GCC kept the whole loop
    # scalar once the maximum had to keep NaN (Adam 4.5x slower at 1.86M floats).
    # p -= step_size m / (sqrt(second) / sqrt(1 - b2^t) + eps), the root rounded to the data's
    # type first; second = v, or its running maximum with amsgrad.
    cdef Py_ssize_t i
    cdef floating w1 = <floating>(1 - h.a), b2 = <floating>h.b, w2 = <floating>(1 - h.b)
    cdef floating decay = <floating>(1 - h.lr * h.weight_decay), eps = <floating>h.eps
    cdef floating size = <floating>(-step_size), root = <floating>correction2_sqrt
    cdef floating wd = <floating>h.weight_decay, sign = -1 if h.maximize else 1
    if h.flag1:
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
    # a = alpha, b = momentum; flag1 = centered. One loop per mode, each free of branches, so
    # that every one vectorizes (a test of the mode inside the loop kept it scalar).
    cdef Py_ssize_t i
    cdef floating d, avg, alpha = <floating>h.a, w = <floating>(1 - h.a)
    cdef floating momentum = <floating>h.b, eps = <floating>h.eps, lr = <floating>h.lr
    if h.flag1:  # centered: v' = v - a^2, a = alpha a + (1 - alpha) g
        for i in range(start, stop):
            d = _grad(p, g, i, h)
            sq[i] = sq[i] * alpha + w * d * d
            avg_g[i] = avg_g[i] + w * (d - avg_g[i])
            avg = sq[i] - avg_g[i] * avg_g[i]  # addcmul with value -1, in the data's type
            avg = <floating>sqrt(avg) + eps
            if h.b > 0:
                buf[i] = buf[i] * momentum + d / avg
                p[i] = p[i] + (-lr) * buf[i]
            else:
                p[i] = p[i] + (-lr) * d / avg
    elif h.b > 0:  # with a momentum buffer
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
    # lr is the decayed clr
    cdef Py_ssize_t i
    cdef floating d, root, clr = <floating>(-h.lr), eps = <floating>h.eps
    for i in range(start, stop):
        d = _grad(p, g, i, h)
        total[i] = total[i] + d * d
        root = <floating>sqrt(total[i])
        p[i] = p[i] + clr * d / (root + eps)


cdef void _adadelta_chunk(floating* p, const floating* g, floating* sq, floating* acc,
                          Py_ssize_t start, Py_ssize_t stop, Hyper h) noexcept nogil:
    # a = rho
    cdef Py_ssize_t i
    cdef floating d, std, delta, rho = <floating>h.a, w = <floating>(1 - h.a)
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


cdef void _run(int kind, floating[::1] p, const floating[::1] g, floating[::1] s1,
               floating[::1] s2, floating[::1] s3, Hyper h, double x, double y,
               int threads) noexcept nogil:
    # One update kind over all chunks of the arrays; s1..s3 are its state arrays (or empty).
    cdef Py_ssize_t n = p.shape[0], chunks = (n + CHUNK - 1) // CHUNK, j, start, stop
    for j in prange(chunks, nogil=True, schedule="static", num_threads=threads):
        start = j * CHUNK
        stop = min(start + CHUNK, n)
        if kind == 0:
            _sgd_chunk(&p[0], &g[0], _data(s1), start, stop, h)
        elif kind == 1:
            _adam_chunk(&p[0], &g[0], &s1[0], &s2[0], _data(s3), start, stop, h, x, y)
        elif kind == 2:
            _rmsprop_chunk(&p[0], &g[0], &s1[0], _data(s2), _data(s3), start, stop, h)
        elif kind == 3:
            _adagrad_chunk(&p[0], &g[0], &s1[0], start, stop, h)
        else:
            _adadelta_chunk(&p[0], &g[0], &s1[0], &s2[0], start, stop, h)


cdef _dispatch(int kind, param, grad, states, Hyper h, double x=0, double y=0):
    # The checked arrays as memoryviews of the parameters' type; a state the options do not read
    # (UNUSED) becomes an empty array, never dereferenced. (A branch on the dtype: Cython's
    # run-time choice of a fused def function's specialization cost 2 us per call here.)
    empty = np.empty(0, param.dtype)
    s1, s2, s3 = [empty if s is UNUSED else s for s in states]
    cdef int threads = get_num_threads() if param.shape[0] >= PARALLEL_MIN else 1
    if param.dtype == np.float32:
        _run[float](kind, param, grad, s1, s2, s3, h, x, y, threads)
    else:
        _run[double](kind, param, grad, s1, s2, s3, h, x, y, threads)


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
             maximize, new_buffer):
    """p -= lr * d with d = g (+ momentum buffer, Nesterov's look-ahead); a new buffer (one the
    parameters have not used before) starts as d, PyTorch's clone of the gradient."""
    param, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, new_buffer = \
        sgd_step_arguments(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay,
                           nesterov, maximize, new_buffer)
    cdef Hyper h = Hyper(lr, momentum, dampening, 0, weight_decay, nesterov, new_buffer,
                         maximize)
    _dispatch(0, param, grad, (buffer, UNUSED, UNUSED), h)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled):
    """Adam (decoupled=False: L2 added to the gradient) or AdamW (decoupled: p *= 1 - lr wd)."""
    (param, grad, exp_avg, exp_avg_sq, maximum, step, lr, beta1, beta2, eps, weight_decay, amsgrad,
     maximize, decoupled) = adam_step_arguments(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq,
                                                step, lr, beta1, beta2, eps, weight_decay,
                                                amsgrad, maximize, decoupled)
    cdef Hyper h = Hyper(lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled, maximize)
    _dispatch(1, param, grad, (exp_avg, exp_avg_sq, maximum), h,
              lr / (1 - beta1 ** step), (1 - beta2 ** step) ** 0.5)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                 weight_decay, momentum, centered, maximize):
    """RMSprop: v = alpha v + (1 - alpha) g^2, p -= lr g / (sqrt(v - centered mean^2) + eps)."""
    (param, grad, square_avg, average, buffer, lr, alpha, eps, weight_decay, momentum, centered,
     maximize) = rmsprop_step_arguments(param, grad, square_avg, grad_avg, momentum_buffer, lr,
                                        alpha, eps, weight_decay, momentum, centered, maximize)
    cdef Hyper h = Hyper(lr, alpha, momentum, eps, weight_decay, centered, False, maximize)
    _dispatch(2, param, grad, (square_avg, average, buffer), h)


def adagrad_step(param, grad, state_sum, step, lr, lr_decay, eps, weight_decay, maximize):
    """AdaGrad: s += g^2, p -= lr_t g / (sqrt(s) + eps), lr_t = lr / (1 + (step - 1) lr_decay)."""
    param, grad, state_sum, step, lr, lr_decay, eps, weight_decay, maximize = \
        adagrad_step_arguments(param, grad, state_sum, step, lr, lr_decay, eps, weight_decay,
                               maximize)
    cdef Hyper h = Hyper(lr / (1 + (step - 1) * lr_decay), 0, 0, eps, weight_decay, False,
                         False, maximize)
    _dispatch(3, param, grad, (state_sum, UNUSED, UNUSED), h)


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """AdaDelta: v = rho v + (1-rho) g^2, d = sqrt(u + eps) / sqrt(v + eps) g,
    u = rho u + (1-rho) d^2, p -= lr d."""
    param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize = \
        adadelta_step_arguments(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay,
                                maximize)
    cdef Hyper h = Hyper(lr, rho, 0, eps, weight_decay, False, False, maximize)
    _dispatch(4, param, grad, (square_avg, acc_delta, UNUSED), h)


cdef void _zero(floating[::1] a) noexcept nogil:
    if a.shape[0] > 0:
        memset(&a[0], 0, a.shape[0] * sizeof(floating))


def zero_fill(array):
    """array[:] = 0 in place, by one memset over its bytes."""
    array = zero_fill_arguments(array)
    if array.dtype == np.float32:
        _zero[float](array)
    else:
        _zero[double](array)
