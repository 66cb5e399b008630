# 2-D convolution (im2col + BLAS gemm, col2im) and max / average pooling.
#
# Design notes
# - Layouts are PyTorch's: input (N, C, H, W), weight (O, C, kh, kw). im2col writes one row per
#   output position (n, oh, ow): the C*kh*kw values its window reads, zero in the padding. Then
#       forward    rows (N*L, O) = cols (N*L, CKK) @ W^T      (L = OH*OW, CKK = C*kh*kw)
#       backward   gW = g_rows^T @ cols,  g_cols = g_rows @ W,  gx = col2im(g_cols)
#   one gemm each, over the whole batch. The (N*L, O) rows are turned into (N, O, OH, OW) with the
#   bias added in the same pass, and back again for the gradient.
# - im2col, col2im and the layout passes run prange over the batch (static): image n's rows and
#   its input-gradient plane belong to one thread, so col2im's += is race-free and the result
#   is the same for any thread count. Pooling runs prange over the N*C planes.
# - Max pooling keeps the index (i * W + j in the input plane) of each window's maximum; ties go
#   to the first in row-major window order and a NaN wins, as in the twin.
# - The def wrappers validate (minigrad._validate, shared with the twin) and allocate with the
#   GIL; the cdef helpers run without it.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY

import numpy as np

from _blas cimport gemm

from minigrad._validate import conv2d_inputs, float_array, pair, window_output_size
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


cdef void _im2col_image(const floating[:, :, ::1] x,  # IN  (C, H, W): one image
                        floating[:, ::1] cols,        # OUT (N*L, CKK), this image's rows
                        Py_ssize_t first_row, Window g) noexcept nogil:
    cdef Py_ssize_t channels = x.shape[0], h = x.shape[1], w = x.shape[2]
    cdef Py_ssize_t oi, oj, c, i, j, row, col, ii, jj
    for oi in range(g.oh):
        for oj in range(g.ow):
            row = first_row + oi * g.ow + oj
            col = 0
            for c in range(channels):
                for i in range(g.kh):
                    ii = oi * g.sh - g.ph + i * g.dh
                    for j in range(g.kw):
                        jj = oj * g.sw - g.pw + j * g.dw
                        if 0 <= ii < h and 0 <= jj < w:
                            cols[row, col] = x[c, ii, jj]
                        else:
                            cols[row, col] = 0
                        col = col + 1


cdef void _col2im_image(const floating[:, ::1] cols,  # IN  (N*L, CKK) gradient rows
                        floating[:, :, ::1] grad,     # OUT (C, H, W): one image, zeroed
                        Py_ssize_t first_row, Window g) noexcept nogil:
    cdef Py_ssize_t channels = grad.shape[0], h = grad.shape[1], w = grad.shape[2]
    cdef Py_ssize_t oi, oj, c, i, j, row, col, ii, jj
    for oi in range(g.oh):
        for oj in range(g.ow):
            row = first_row + oi * g.ow + oj
            col = 0
            for c in range(channels):
                for i in range(g.kh):
                    ii = oi * g.sh - g.ph + i * g.dh
                    for j in range(g.kw):
                        jj = oj * g.sw - g.pw + j * g.dw
                        if 0 <= ii < h and 0 <= jj < w:
                            grad[c, ii, jj] += cols[row, col]
                        col = col + 1


cdef void _conv_forward(const floating[:, :, :, ::1] x,     # IN  (N, C, H, W)
                        const floating[:, ::1] weight,      # IN  (O, CKK)
                        const floating[::1] bias,           # IN  (O,) or empty
                        floating[:, ::1] cols,              # OUT (N*L, CKK)
                        floating[:, ::1] rows,              # OUT (N*L, O) scratch
                        floating[:, :, ::1] y,              # OUT (N, O, L)
                        Window g, int threads) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], outs = weight.shape[0], ckk = weight.shape[1]
    cdef Py_ssize_t length = g.oh * g.ow, b, l, o
    for b in prange(n, nogil=True, schedule="static", num_threads=threads):
        _im2col_image(x[b], cols, b * length, g)
    gemm(False, True, n * length, outs, ckk, 1, &cols[0, 0], ckk, &weight[0, 0], ckk, 0,
         &rows[0, 0], outs)
    for b in prange(n, nogil=True, schedule="static", num_threads=threads):
        for o in range(outs):
            for l in range(length):
                y[b, o, l] = rows[b * length + l, o] + (bias[o] if bias.shape[0] > 0 else 0)


cdef void _conv_backward(const floating[:, :, ::1] gy,   # IN  (N, O, L)
                         const floating[:, ::1] cols,    # IN  (N*L, CKK)
                         const floating[:, ::1] weight,  # IN  (O, CKK)
                         floating[:, ::1] g_rows,        # OUT (N*L, O) scratch
                         floating[:, ::1] g_cols,        # OUT (N*L, CKK) scratch, or empty
                         floating[:, :, :, ::1] gx,      # OUT (N, C, H, W) zeroed, or empty
                         floating[:, ::1] gw,            # OUT (O, CKK), or empty
                         Window g, int threads) noexcept nogil:
    cdef Py_ssize_t n = gy.shape[0], outs = gy.shape[1], length = gy.shape[2]
    cdef Py_ssize_t ckk = cols.shape[1], b, l, o
    for b in prange(n, nogil=True, schedule="static", num_threads=threads):
        for l in range(length):
            for o in range(outs):
                g_rows[b * length + l, o] = gy[b, o, l]
    if gw.shape[0] > 0:  # gW (O, CKK) = g_rows^T (O, N*L) @ cols (N*L, CKK)
        gemm(True, False, outs, ckk, n * length, 1, &g_rows[0, 0], outs, &cols[0, 0], ckk, 0,
             &gw[0, 0], ckk)
    if gx.shape[0] > 0:  # g_cols (N*L, CKK) = g_rows @ W, then scattered back
        gemm(False, False, n * length, ckk, outs, 1, &g_rows[0, 0], outs, &weight[0, 0], ckk, 0,
             &g_cols[0, 0], ckk)
        for b in prange(n, nogil=True, schedule="static", num_threads=threads):
            _col2im_image(g_cols, gx[b], b * length, g)


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
    cols = np.empty((n * length, w2.shape[1]), x.dtype)
    rows = np.empty((n * length, outs), x.dtype)
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
    if cols.shape != (n * length, w2.shape[1]):
        raise ValueError(f"cols has shape {cols.shape}, expected {(n * length, w2.shape[1])}")
    dtype = x.dtype
    g_rows = np.empty((n * length, outs), dtype)
    g_cols = np.empty((n * length, w2.shape[1]) if input_grad else (0, 0), dtype)
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
    grad_bias = g_rows.sum(axis=0, dtype=np.float64).astype(dtype) if bias_grad else None
    return (grad_input if input_grad else None,
            grad_weight.reshape(weight.shape) if weight_grad else None, grad_bias)


# ----------------------------------------------------------------------------- pooling

cdef void _max_pool_plane(const floating[:, ::1] x, floating[:, ::1] y, long long[:, ::1] argmax,
                          Window g) noexcept nogil:
    cdef Py_ssize_t h = x.shape[0], w = x.shape[1], oi, oj, i, j, ii, jj, best_index
    cdef floating best, v
    for oi in range(g.oh):
        for oj in range(g.ow):
            best = -INFINITY
            best_index = -1
            for i in range(g.kh):
                ii = oi * g.sh - g.ph + i
                if ii < 0 or ii >= h:
                    continue
                for j in range(g.kw):
                    jj = oj * g.sw - g.pw + j
                    if jj < 0 or jj >= w:
                        continue
                    v = x[ii, jj]
                    if v > best or best_index < 0 or (v != v and best == best):
                        best = v
                        best_index = ii * w + jj
            y[oi, oj] = best
            argmax[oi, oj] = best_index


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
    kernel = pair("kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair("stride", stride, 1)
    padding = pair("padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"pad should be at most half of effective kernel size, but got "
                         f"pad={padding} and kernel_size={kernel}")
    out_size = window_output_size(input_size, kernel, stride, padding, (1, 1))
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
