# 2-D convolution (im2col + BLAS gemm, col2im) and max / average pooling.
#
# Design notes
# - Layouts are PyTorch's: input (N, C, H, W), weight (O, C, kh, kw). im2col writes cols
#   (CKK, N*L) (CKK = C*kh*kw, L = OH*OW): row (c, i, j) holds what kernel tap (c, i, j) sees at
#   every output position of every image, zero in the padding. Then
#       forward    P (O, N*L) = W (O, CKK) @ cols
#       backward   gW = gP @ cols^T,  g_cols = W^T @ gP,  gx = col2im(g_cols)
#   one gemm each over the whole batch. Rows of cols are written in contiguous runs (the valid
#   part of each run computed once, no test per element). P is turned into (N, O, OH, OW) with
#   the bias added in the same pass, and the gradient back into P's layout.
# - im2col runs prange over the rows of cols (static), each row written front to back in one
#   stream; col2im runs prange over the input channels, reading channel c's rows the same way:
#   the input gradient of channel c belongs to one thread, so col2im's += is race-free and the
#   result is the same for any thread count. The layout passes run prange over the batch or the
#   output channels, pooling over the N*C planes.
# - Max pooling keeps the index (i * W + j in the input plane) of each window's maximum; ties go
#   to the first in row-major window order and a NaN wins, as in the twin.
# - The def wrappers validate (minigrad._validate, shared with the twin) and allocate with the
#   GIL; the cdef helpers run without it.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY

import numpy as np

from _blas cimport gemm

from minigrad._validate import (conv2d_inputs, float_array, pair, pool_geometry,
                                window_output_size)
from minigrad.kernels import get_num_threads


cdef struct Window:  # one sliding-window geometry (convolution or pooling)
    Py_ssize_t kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


cdef Window _window(kernel, stride, padding, dilation, out_size):
    cdef Window g
    g.kh, g.kw = kernel
    g.sh, g.sw = stride
    g.ph, g.pw = padding
    g.dh, g.dw = dilation
    g.oh, g.ow = out_size
    return g


cdef inline void _valid_range(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                              Py_ssize_t count, Py_ssize_t* first, Py_ssize_t* stop) noexcept nogil:
    # The outputs o in [first, stop) whose input index o * stride + offset lies in [0, size).
    cdef Py_ssize_t lo = 0, hi
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = (size - 1 - offset) // stride + 1 if size - 1 - offset >= 0 else 0
    first[0] = min(lo, count)
    stop[0] = max(min(hi, count), first[0])


cdef inline void _copy_run(floating* out, const floating* source, Py_ssize_t stride,
                           Py_ssize_t count) noexcept nogil:
    # out[k] = source[k * stride] for k < count; the unit-stride loop is a plain (vectorized) copy
    cdef Py_ssize_t k
    if stride == 1:
        for k in range(count):
            out[k] = source[k]
    else:
        for k in range(count):
            out[k] = source[k * stride]


cdef inline void _add_run(floating* out, const floating* source, Py_ssize_t stride,
                          Py_ssize_t count) noexcept nogil:
    # out[k * stride] += source[k] for k < count: the adjoint of _copy_run
    cdef Py_ssize_t k
    if stride == 1:
        for k in range(count):
            out[k] += source[k]
    else:
        for k in range(count):
            out[k * stride] += source[k]


cdef void _im2col_row(const floating[:, :, :, ::1] x,  # IN  (N, C, H, W)
                      floating[:, ::1] cols,           # OUT (CKK, N*L): row `row` of it
                      Py_ssize_t row, Window g) noexcept nogil:
    # Row (c, i, j) of cols holds, for every image and output position (oi, oj), the input
    # value x[b, c, oi*sh - ph + i*dh, oj*sw - pw + j*dw], or 0 in the padding. The row is
    # written front to back, in runs along oj (contiguous in x too for stride 1).
    cdef Py_ssize_t taps = g.kh * g.kw, h = x.shape[2], w = x.shape[3]
    cdef Py_ssize_t c = row // taps, i = (row // g.kw) % g.kh, j = row % g.kw
    cdef Py_ssize_t b, oi, oj, ii, lo, hi, col_offset = j * g.dw - g.pw
    cdef floating* out = &cols[row, 0]
    _valid_range(col_offset, g.sw, w, g.ow, &lo, &hi)
    for b in range(x.shape[0]):
        for oi in range(g.oh):
            ii = oi * g.sh - g.ph + i * g.dh
            if ii < 0 or ii >= h:
                for oj in range(g.ow):
                    out[oj] = 0
            else:
                for oj in range(lo):
                    out[oj] = 0
                if hi > lo:
                    _copy_run(out + lo, &x[b, c, ii, lo * g.sw + col_offset], g.sw, hi - lo)
                for oj in range(hi, g.ow):
                    out[oj] = 0
            out += g.ow


cdef void _col2im_channel(const floating[:, ::1] cols,  # IN  (CKK, N*L) gradient columns
                          floating[:, :, :, ::1] grad,   # OUT (N, C, H, W) zeroed: channel c
                          Py_ssize_t c, Window g) noexcept nogil:
    # The adjoint of _im2col_row for the rows of channel c: every column entry is added back
    # where it was read from. Each row of cols is read front to back, in the order it was written.
    cdef Py_ssize_t h = grad.shape[2], w = grad.shape[3], taps = g.kh * g.kw
    cdef Py_ssize_t i, j, b, oi, ii, lo, hi, col_offset
    cdef const floating* source
    for i in range(g.kh):
        for j in range(g.kw):
            col_offset = j * g.dw - g.pw
            _valid_range(col_offset, g.sw, w, g.ow, &lo, &hi)
            source = &cols[c * taps + i * g.kw + j, 0]
            for b in range(grad.shape[0]):
                for oi in range(g.oh):
                    ii = oi * g.sh - g.ph + i * g.dh
                    if hi > lo and 0 <= ii < h:
                        _add_run(&grad[b, c, ii, lo * g.sw + col_offset], source + lo, g.sw,
                                 hi - lo)
                    source += g.ow


cdef void _conv_forward(const floating[:, :, :, ::1] x,     # IN  (N, C, H, W)
                        const floating[:, ::1] weight,      # IN  (O, CKK)
                        const floating[::1] bias,           # IN  (O,) or empty
                        floating[:, ::1] cols,              # OUT (CKK, N*L)
                        floating[:, ::1] product,           # OUT (O, N*L) scratch
                        floating[:, :, ::1] y,              # OUT (N, O, L)
                        Window g, int threads) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], outs = weight.shape[0], ckk = weight.shape[1]
    cdef Py_ssize_t length = g.oh * g.ow, b, l, o, row
    cdef floating shift
    for row in prange(ckk, nogil=True, schedule="static", num_threads=threads):
        _im2col_row(x, cols, row, g)
    # product (O, N*L) = W (O, CKK) @ cols (CKK, N*L)
    gemm(False, False, outs, n * length, ckk, 1, &weight[0, 0], ckk, &cols[0, 0], n * length,
         0, &product[0, 0], n * length)
    for b in prange(n, nogil=True, schedule="static", num_threads=threads):
        for o in range(outs):
            shift = bias[o] if bias.shape[0] > 0 else 0
            for l in range(length):
                y[b, o, l] = product[o, b * length + l] + shift


cdef void _conv_backward(const floating[:, :, ::1] gy,   # IN  (N, O, L)
                         const floating[:, ::1] cols,    # IN  (CKK, N*L)
                         const floating[:, ::1] weight,  # IN  (O, CKK)
                         floating[:, ::1] g_product,     # OUT (O, N*L) scratch
                         floating[:, ::1] g_cols,        # OUT (CKK, N*L) scratch, or empty
                         floating[:, :, :, ::1] gx,      # OUT (N, C, H, W) zeroed, or empty
                         floating[:, ::1] gw,            # OUT (O, CKK), or empty
                         Window g, int threads) noexcept nogil:
    cdef Py_ssize_t n = gy.shape[0], outs = gy.shape[1], length = gy.shape[2]
    cdef Py_ssize_t ckk = cols.shape[0], columns = n * length, b, c, l, o
    for o in prange(outs, nogil=True, schedule="static", num_threads=threads):
        for b in range(n):
            for l in range(length):
                g_product[o, b * length + l] = gy[b, o, l]
    if gw.shape[0] > 0:  # gW (O, CKK) = g_product (O, N*L) @ cols^T (N*L, CKK)
        gemm(False, True, outs, ckk, columns, 1, &g_product[0, 0], columns, &cols[0, 0],
             columns, 0, &gw[0, 0], ckk)
    if gx.shape[0] > 0:  # g_cols (CKK, N*L) = W^T (CKK, O) @ g_product (O, N*L), scattered back
        gemm(True, False, ckk, columns, outs, 1, &weight[0, 0], ckk, &g_product[0, 0], columns,
             0, &g_cols[0, 0], columns)
        for c in prange(gx.shape[1], nogil=True, schedule="static", num_threads=threads):
            _col2im_channel(g_cols, gx, c, g)


def _conv_geometry(x, weight, stride, padding, dilation):
    stride, padding = pair("stride", stride, 1), pair("padding", padding, 0)
    dilation = pair("dilation", dilation, 1)
    kernel = weight.shape[2:]
    out_size = window_output_size(x.shape[2:], kernel, stride, padding, dilation)
    return _window(kernel, stride, padding, dilation, out_size), out_size


def conv2d_forward(x, weight, bias, stride, padding, dilation):
    """(y, cols): y (N, O, OH, OW) = conv(x, weight) + bias; cols is kept for backward."""
    x, weight, bias = conv2d_inputs(x, weight, bias)
    g, out_size = _conv_geometry(x, weight, stride, padding, dilation)
    n, outs = x.shape[0], weight.shape[0]
    w2 = weight.reshape(outs, -1)
    length = out_size[0] * out_size[1]
    cols = np.empty((w2.shape[1], n * length), x.dtype)
    rows = np.empty((outs, n * length), x.dtype)
    y = np.empty((n, outs, length), x.dtype)
    bias = np.empty(0, x.dtype) if bias is None else bias
    if y.size > 0 and cols.shape[1] > 0:
        threads = get_num_threads()
        if x.dtype == np.float32:
            _conv_forward[float](x, w2, bias, cols, rows, y, g, threads)
        else:
            _conv_forward[double](x, w2, bias, cols, rows, y, g, threads)
    else:  # an empty batch or no output channels
        y[...] = bias[None, :, None] if bias.size else 0
    return y.reshape(n, outs, *out_size), cols


def conv2d_backward(grad_output, x, cols, weight, stride, padding, dilation, bint input_grad=True,
                    bint weight_grad=True, bint bias_grad=True):
    """(grad_input, grad_weight, grad_bias), each None when not requested."""
    x, weight, _ = conv2d_inputs(x, weight, None)
    g, out_size = _conv_geometry(x, weight, stride, padding, dilation)
    grad_output = float_array("grad_output", grad_output, 4, x.dtype)
    n, outs = x.shape[0], weight.shape[0]
    expected = (n, outs, *out_size)
    if grad_output.shape != expected:
        raise ValueError(f"conv2d backward: grad_output has shape {grad_output.shape}, "
                         f"expected {expected}")
    w2 = weight.reshape(outs, -1)
    length = out_size[0] * out_size[1]
    cols = float_array("cols", cols, 2, x.dtype)
    if cols.shape != (w2.shape[1], n * length):
        raise ValueError(f"cols has shape {cols.shape}, expected {(w2.shape[1], n * length)}")
    dtype = x.dtype
    g_rows = np.empty((outs, n * length), dtype)
    g_cols = np.empty((w2.shape[1], n * length) if input_grad else (0, 0), dtype)
    grad_input = np.zeros(x.shape if input_grad else (0, 0, 0, 0), dtype)
    grad_weight = np.zeros((outs, w2.shape[1]) if weight_grad else (0, 0), dtype)
    if g_rows.size > 0 and w2.shape[1] > 0:
        threads = get_num_threads()
        gy = grad_output.reshape(n, outs, length)
        if dtype == np.float32:
            _conv_backward[float](gy, cols, w2, g_rows, g_cols, grad_input, grad_weight, g,
                                  threads)
        else:
            _conv_backward[double](gy, cols, w2, g_rows, g_cols, grad_input, grad_weight, g,
                                   threads)
    grad_bias = g_rows.sum(axis=1, dtype=np.float64).astype(dtype) if bias_grad else None
    return (grad_input if input_grad else None,
            grad_weight.reshape(weight.shape) if weight_grad else None, grad_bias)


# ----------------------------------------------------------------------------- pooling

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


def _pool_geometry(input_size, kernel_size, stride, padding):
    kernel, stride, padding, out_size = pool_geometry(input_size, kernel_size, stride, padding)
    return _window(kernel, stride, padding, (1, 1), out_size), out_size


def max_pool2d_forward(x, kernel_size, stride, padding):
    """(y, argmax): each window's maximum (the first one on ties; a NaN wins) and its index
    i * W + j in the input plane, kept for backward."""
    x = float_array("input", x, 4)
    g, out_size = _pool_geometry(x.shape[2:], kernel_size, stride, padding)
    n, c, h, w = x.shape
    y = np.empty((n * c, *out_size), x.dtype)
    argmax = np.empty((n * c, *out_size), np.int64)
    if y.size > 0:
        planes = x.reshape(n * c, h, w)
        if x.dtype == np.float32:
            _max_pool[float](planes, y, argmax, g, get_num_threads())
        else:
            _max_pool[double](planes, y, argmax, g, get_num_threads())
    return y.reshape(n, c, *out_size), argmax.reshape(n, c, *out_size)


def max_pool2d_backward(grad_output, argmax, input_size):
    """gx: each window's gradient added at the index its maximum came from."""
    grad_output = float_array("grad_output", grad_output, 4)
    if not isinstance(argmax, np.ndarray) or argmax.shape != grad_output.shape:
        raise ValueError(f"argmax has shape {getattr(argmax, 'shape', None)}, expected "
                         f"{grad_output.shape}")
    n, c = grad_output.shape[:2]
    h, w = input_size
    if argmax.size and (argmax.min() < 0 or argmax.max() >= h * w):
        raise ValueError(f"argmax holds indices outside the {h}x{w} input plane")
    grad = np.zeros((n * c, h * w), grad_output.dtype)
    if grad_output.size > 0:
        gy = grad_output.reshape(n * c, -1)
        index = np.ascontiguousarray(argmax, np.int64).reshape(n * c, -1)
        if grad.dtype == np.float32:
            _max_unpool[float](gy, index, grad, get_num_threads())
        else:
            _max_unpool[double](gy, index, grad, get_num_threads())
    return grad.reshape(n, c, h, w)


def avg_pool2d_forward(x, kernel_size, stride, padding):
    """Each window's mean, zeros of the padding included (count_include_pad=True)."""
    x = float_array("input", x, 4)
    g, out_size = _pool_geometry(x.shape[2:], kernel_size, stride, padding)
    n, c, h, w = x.shape
    y = np.empty((n * c, *out_size), x.dtype)
    if y.size > 0:
        planes = x.reshape(n * c, h, w)
        if x.dtype == np.float32:
            _avg_pool[float](planes, y, g, False, get_num_threads())
        else:
            _avg_pool[double](planes, y, g, False, get_num_threads())
    return y.reshape(n, c, *out_size)


def avg_pool2d_backward(grad_output, input_size, kernel_size, stride, padding):
    """gx: each window's gradient spread evenly over its kh*kw positions."""
    grad_output = float_array("grad_output", grad_output, 4)
    g, out_size = _pool_geometry(tuple(input_size), kernel_size, stride, padding)
    if grad_output.shape[2:] != out_size:
        raise ValueError(f"grad_output has spatial size {grad_output.shape[2:]}, expected "
                         f"{out_size}")
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, *input_size), grad_output.dtype)
    if grad_output.size > 0:
        gy = grad_output.reshape(n * c, *out_size)
        if grad.dtype == np.float32:
            _avg_pool[float](gy, grad, g, True, get_num_threads())
        else:
            _avg_pool[double](gy, grad, g, True, get_num_threads())
    return grad.reshape(n, c, *input_size)
