# 2-D max and average pooling over the planes of (N, C, H, W), one plane per OpenMP thread.
#
# Design notes
# - Max pooling keeps the index (i * W + j in the input plane) of each window's maximum; ties go
#   to the first in row-major window order and a NaN wins, as in the twin.
# - Average pooling counts the padding's zeros (count_include_pad=True) and sums in double.
# - Each public def validates (minigrad._validate.pool, shared with the twin) and allocates with
#   the GIL, then calls its private _typed def, whose fused memoryview parameters let Cython pick
#   the float or double worker; that def releases the GIL and runs the cdef worker.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY

import numpy as np

from _window cimport Window, window

from minigrad._validate.pool import (avg_pool2d_backward_arguments,
                                     max_pool2d_backward_arguments, pool_arguments)


cdef inline void _valid_range(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                              Py_ssize_t count, Py_ssize_t* first, Py_ssize_t* stop) noexcept nogil:
    # The outputs o in [first, stop) whose input index o * stride + offset lies in [0, size).
    cdef Py_ssize_t lo = 0, hi
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = (size - 1 - offset) // stride + 1 if size - 1 - offset >= 0 else 0
    first[0] = min(lo, count)
    stop[0] = max(min(hi, count), first[0])


cdef void _max_pool_plane(const floating[:, ::1] x, floating[:, ::1] y, long long[:, ::1] argmax,
                          Window g) noexcept nogil:
    # Window offsets (i, j) in the outer loops, row-major, and all outputs of a row inside: the
    # inner loop is branch-free selects that vectorize. An element replaces the running maximum
    # when it is larger, when it is the window's first, or when it is the first NaN; ties keep
    # the earlier element.
    cdef Py_ssize_t h = x.shape[0], w = x.shape[1], oi, oj, i, j, ii, jj, lo, hi
    cdef floating v, best
    cdef bint better
    for oi in range(g.oh):
        for oj in range(g.ow):
            y[oi, oj] = -INFINITY
            argmax[oi, oj] = -1
    for i in range(g.kh):
        for j in range(g.kw):
            _valid_range(j - g.pw, g.sw, w, g.ow, &lo, &hi)
            for oi in range(g.oh):
                ii = oi * g.sh - g.ph + i
                if ii < 0 or ii >= h:
                    continue
                for oj in range(lo, hi):
                    jj = oj * g.sw + j - g.pw
                    v = x[ii, jj]
                    best = y[oi, oj]
                    better = v > best or argmax[oi, oj] < 0 or (v != v and best == best)
                    y[oi, oj] = v if better else best
                    argmax[oi, oj] = ii * w + jj if better else argmax[oi, oj]


cdef void _max_pool(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                    long long[:, :, ::1] argmax, Window g, int threads) noexcept nogil:
    cdef Py_ssize_t p
    for p in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _max_pool_plane(x[p], y[p], argmax[p], g)


cdef void _max_unpool(const floating[:, ::1] gy, const long long[:, ::1] argmax,
                      floating[:, ::1] gx, int threads) noexcept nogil:
    # gx (planes, H*W) zeroed; each plane's window gradients added at their argmax
    cdef Py_ssize_t p, k
    for p in prange(gy.shape[0], nogil=True, schedule="static", num_threads=threads):
        for k in range(gy.shape[1]):
            gx[p, argmax[p, k]] += gy[p, k]


cdef void _avg_pool_plane(const floating[:, ::1] x, floating[:, ::1] y, Window g,
                          bint backward) noexcept nogil:
    # forward: y = window sums / (kh kw); backward (x is the gradient gy, y is gx, zeroed):
    # each window's share gy / (kh kw) added to every position of the window
    cdef Py_ssize_t h, w, oi, oj, i, j, ii, jj
    cdef double total, share, area = g.kh * g.kw
    h = y.shape[0] if backward else x.shape[0]
    w = y.shape[1] if backward else x.shape[1]
    for oi in range(g.oh):
        for oj in range(g.ow):
            total = 0
            share = x[oi, oj] / area if backward else 0
            for i in range(g.kh):
                ii = oi * g.sh - g.ph + i
                if ii < 0 or ii >= h:
                    continue
                for j in range(g.kw):
                    jj = oj * g.sw - g.pw + j
                    if jj < 0 or jj >= w:
                        continue
                    if backward:
                        y[ii, jj] += <floating>share
                    else:
                        total += x[ii, jj]
            if not backward:
                y[oi, oj] = <floating>(total / area)


cdef void _avg_pool(const floating[:, :, ::1] x, floating[:, :, ::1] y, Window g,
                    bint backward, int threads) noexcept nogil:
    cdef Py_ssize_t p
    for p in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        _avg_pool_plane(x[p], y[p], g, backward)


def max_pool2d_forward(x, kernel_size, stride, padding, *, num_threads):
    """(y, argmax): each window's maximum (the first one on ties; a NaN wins) and its index
    i * W + j in the input plane, kept for backward."""
    x, kernel, stride, padding, out_size, num_threads = pool_arguments(
        x, kernel_size, stride, padding, num_threads)
    n, c, h, w = x.shape
    y = np.empty((n * c, *out_size), x.dtype)
    argmax = np.empty((n * c, *out_size), np.int64)
    if y.size > 0:
        _max_pool_typed(x.reshape(n * c, h, w), y, argmax,
                        (kernel, stride, padding, (1, 1), out_size), num_threads)
    return y.reshape(n, c, *out_size), argmax.reshape(n, c, *out_size)


def _max_pool_typed(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                    long long[:, :, ::1] argmax, geometry, int threads):
    cdef Window g = window(geometry)
    with nogil:
        _max_pool(x, y, argmax, g, threads)


def max_pool2d_backward(grad_output, argmax, input_size, *, input_grad, num_threads):
    """gx: each window's gradient added at the index its maximum came from (None unless
    input_grad)."""
    grad_output, argmax, (h, w), input_grad, num_threads = max_pool2d_backward_arguments(
        grad_output, argmax, input_size, input_grad, num_threads)
    if not input_grad:
        return None
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, h * w), grad_output.dtype)
    if grad_output.size > 0:
        _max_unpool_typed(grad_output.reshape(n * c, -1), argmax.reshape(n * c, -1), grad,
                          num_threads)
    return grad.reshape(n, c, h, w)


def _max_unpool_typed(const floating[:, ::1] gy, const long long[:, ::1] argmax,
                      floating[:, ::1] gx, int threads):
    with nogil:
        _max_unpool(gy, argmax, gx, threads)


def avg_pool2d_forward(x, kernel_size, stride, padding, *, num_threads):
    """Each window's mean, zeros of the padding included (count_include_pad=True)."""
    x, kernel, stride, padding, out_size, num_threads = pool_arguments(
        x, kernel_size, stride, padding, num_threads)
    n, c, h, w = x.shape
    y = np.empty((n * c, *out_size), x.dtype)
    if y.size > 0:
        _avg_pool_typed(x.reshape(n * c, h, w), y, (kernel, stride, padding, (1, 1), out_size),
                        False, num_threads)
    return y.reshape(n, c, *out_size)


def avg_pool2d_backward(grad_output, input_size, kernel_size, stride, padding, *, input_grad,
                        num_threads):
    """gx: each window's gradient spread evenly over its kh*kw positions (None unless
    input_grad)."""
    grad_output, input_size, kernel, stride, padding, out_size, input_grad, num_threads = \
        avg_pool2d_backward_arguments(grad_output, input_size, kernel_size, stride, padding,
                                      input_grad, num_threads)
    if not input_grad:
        return None
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, *input_size), grad_output.dtype)
    if grad_output.size > 0:
        _avg_pool_typed(grad_output.reshape(n * c, *out_size), grad,
                        (kernel, stride, padding, (1, 1), out_size), True, num_threads)
    return grad.reshape(n, c, *input_size)


def _avg_pool_typed(const floating[:, :, ::1] x, floating[:, :, ::1] y, geometry, bint backward,
                    int threads):
    """Forward (x the input, y the output) or backward (x the gradient gy, y gx, zeroed)."""
    cdef Window g = window(geometry)
    with nogil:
        _avg_pool(x, y, g, backward, threads)
