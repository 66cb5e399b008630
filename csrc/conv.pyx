# 2-D convolution (im2col + BLAS gemm, col2im) and max / average pooling.
#
# Design notes
# - Layouts are PyTorch's: input (N, C, H, W), weight (O, C, kh, kw). im2col writes, for each
#   image b, cols[b] (CKK, L) (CKK = C*kh*kw, L = OH*OW): row (c, i, j) holds what kernel tap
#   (c, i, j) sees at every output position of the image, zero in the padding. Then per image
#       forward    y[b] (O, L) = W (O, CKK) @ cols[b]          (+ bias per row)
#       backward   gW += gy[b] @ cols[b]^T,  g_cols = W^T @ gy[b],  gx[b] = col2im(g_cols)
#   y[b] and gy[b] are already (O, L): no layout pass. im2col reads a copy of the image with
#   its zero border (a per-thread scratch), so each row of cols is OH runs of OW values with no
#   border test; col2im adds into such a scratch and copies its interior out.
# - The batch is split over the OpenMP threads (static): each thread runs im2col, its gemms
#   (single-threaded BLAS) and col2im for its images, so one image's columns stay in the
#   thread's L2 cache between the steps; one gemm over the whole batch streamed a column matrix
#   of tens of MB through memory three times (written, packed, read back) and ran OpenBLAS's
#   threads between OpenMP passes. OpenBLAS's thread count is global to the library, so the
#   wrappers hold minigrad.kernels.blas_on_one_thread() around the loop (it sets the count to 1
#   while any conv2d of any Python thread is inside its loop, and back after the last one); a gemm
#   that another Python thread runs meanwhile is slower, not different (csrc/_blas.pxd).
# - Weight gradients are summed per block of images (gW_j += over block j's images, in order),
#   then the blocks are added in order. The blocks are a function of the batch size alone
#   (IMAGE_BLOCKS of them, their sizes differing by at most one) and each is summed by one
#   thread, so the result is the same for any thread count.
#   Each image's input gradient belongs to one thread, so col2im's += is race-free.
# - Max pooling keeps the index (i * W + j in the input plane) of each window's maximum; ties go
#   to the first in row-major window order and a NaN wins, as in the twin.
# - The def wrappers validate (minigrad._validate, shared with the twin) and allocate with the
#   GIL; the cdef helpers run without it.
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY
from libc.string cimport memset

import numpy as np

from _blas cimport gemm

from minigrad._validate.conv import (avg_pool2d_backward_arguments, conv2d_backward_arguments,
                                     conv2d_forward_arguments, kernel_area,
                                     max_pool2d_backward_arguments, pool_arguments)
from minigrad.kernels import blas_on_one_thread, get_num_threads

cdef enum:
    IMAGE_BLOCKS = 16  # most blocks of images of a weight gradient (their partial sums)


cdef struct Window:  # one sliding-window geometry (convolution or pooling)
    Py_ssize_t kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


cdef Window _window(geometry):
    """The Window of a (kernel, stride, padding, dilation, out_size) tuple of pairs."""
    cdef Window g
    kernel, stride, padding, dilation, out_size = geometry
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


cdef void _im2col(const floating[:, :, ::1] padded,  # IN  (C, H + 2ph, W + 2pw) one image
                  floating[:, ::1] cols,             # OUT (CKK, L)
                  Window g) noexcept nogil:
    # Row (c, i, j) of cols holds, for every output position (oi, oj), the padded image's
    # padded[c, oi*sh + i*dh, oj*sw + j*dw]: the input value, or 0 in the padding. Reading
    # the zero-bordered copy, every run along oj is a whole row of OW values, without a test.
    cdef Py_ssize_t taps = g.kh * g.kw, row, c, i, j, oi
    cdef floating* out
    for row in range(cols.shape[0]):
        c, i, j = row // taps, (row // g.kw) % g.kh, row % g.kw
        out = &cols[row, 0]
        for oi in range(g.oh):
            _copy_run(out, &padded[c, oi * g.sh + i * g.dh, j * g.dw], g.sw, g.ow)
            out += g.ow


cdef void _col2im(const floating[:, ::1] cols,  # IN  (CKK, L) gradient columns of one image
                  floating[:, :, ::1] padded,   # OUT (C, H + 2ph, W + 2pw) zeroed
                  Window g) noexcept nogil:
    # The adjoint of _im2col: every column entry is added back where it was read from (the
    # padding's share lands on the border, which the caller drops).
    cdef Py_ssize_t taps = g.kh * g.kw, row, c, i, j, oi
    cdef const floating* source
    for row in range(cols.shape[0]):
        c, i, j = row // taps, (row // g.kw) % g.kh, row % g.kw
        source = &cols[row, 0]
        for oi in range(g.oh):
            _add_run(&padded[c, oi * g.sh + i * g.dh, j * g.dw], source, g.sw, g.ow)
            source += g.ow


cdef void _conv_forward(const floating[:, :, :, ::1] x,     # IN  (N, C, H, W)
                        const floating[:, ::1] weight,      # IN  (O, CKK)
                        const floating[::1] bias,           # IN  (O,) or empty
                        floating[:, :, :, ::1] padded,      # OUT (threads, C, Hp, Wp) scratch,
                                                            #     border zero
                        floating[:, :, ::1] cols,           # OUT (N, CKK, L)
                        floating[:, :, ::1] y,              # OUT (N, O, L)
                        Window g, int threads) noexcept nogil:
    cdef Py_ssize_t outs = weight.shape[0], ckk = weight.shape[1], length = y.shape[2], b, o, l
    cdef Py_ssize_t h = x.shape[2], w = x.shape[3]
    cdef int t
    for b in prange(x.shape[0], nogil=True, schedule="static", num_threads=threads):
        t = threadid()
        padded[t, :, g.ph:g.ph + h, g.pw:g.pw + w] = x[b]  # the border stays zero
        _im2col(padded[t], cols[b], g)
        # y[b] (O, L) = W (O, CKK) @ cols[b] (CKK, L)
        gemm(False, False, outs, length, ckk, 1, &weight[0, 0], ckk, &cols[b, 0, 0], length,
             0, &y[b, 0, 0], length)
        if bias.shape[0] > 0:
            for o in range(outs):
                for l in range(length):
                    y[b, o, l] += bias[o]


cdef inline Py_ssize_t _image_blocks(Py_ssize_t n) noexcept nogil:
    return min(n, IMAGE_BLOCKS)


cdef void _conv_backward(const floating[:, :, ::1] gy,   # IN  (N, O, L)
                         const floating[:, :, ::1] cols,  # IN  (N, CKK, L)
                         const floating[:, ::1] weight,  # IN  (O, CKK)
                         floating[:, :, ::1] g_cols,     # OUT (threads, CKK, L) scratch, or empty
                         floating[:, :, :, ::1] padded,  # OUT (threads, C, Hp, Wp) scratch
                         floating[:, :, :, ::1] gx,      # OUT (N, C, H, W), or empty
                         floating[:, :, ::1] gw_parts,   # OUT (blocks, O, CKK) zeroed, or empty
                         Window g, int threads) noexcept nogil:
    # Images in fixed blocks (bounds a function of N alone), one thread per block, images in
    # order: each block's weight-gradient sum gW_j is the same for any thread count.
    cdef Py_ssize_t outs = gy.shape[1], length = gy.shape[2], ckk = cols.shape[1], b, block
    cdef Py_ssize_t n = gy.shape[0], h = gx.shape[2], w = gx.shape[3]
    cdef Py_ssize_t blocks = _image_blocks(n)
    cdef int t
    for block in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        t = threadid()
        for b in range(n * block // blocks, n * (block + 1) // blocks):
            if gw_parts.shape[0] > 0:  # gW_j (O, CKK) += gy[b] (O, L) @ cols[b]^T (L, CKK)
                gemm(False, True, outs, ckk, length, 1, &gy[b, 0, 0], length, &cols[b, 0, 0],
                     length, 1, &gw_parts[block, 0, 0], ckk)
            if gx.shape[0] > 0:  # g_cols (CKK, L) = W^T (CKK, O) @ gy[b] (O, L), scattered back
                gemm(True, False, ckk, length, outs, 1, &weight[0, 0], ckk, &gy[b, 0, 0],
                     length, 0, &g_cols[t, 0, 0], length)
                memset(&padded[t, 0, 0, 0], 0, padded.shape[1] * padded.shape[2]
                       * padded.shape[3] * sizeof(floating))
                _col2im(g_cols[t], padded[t], g)
                gx[b] = padded[t, :, g.ph:g.ph + h, g.pw:g.pw + w]  # the interior


def conv2d_forward(x, weight, bias, stride, padding, dilation):
    """(y, cols): y (N, O, OH, OW) = conv(x, weight) + bias; cols (N, C*kh*kw, OH*OW), each
    image's im2col columns, is kept for backward."""
    x, weight, bias, geometry = conv2d_forward_arguments(x, weight, bias, stride, padding,
                                                         dilation)
    cdef Window g = _window(geometry)
    out_size = geometry[4]  # (wraparound is off: no negative index)
    n, outs = x.shape[0], weight.shape[0]
    w2 = weight.reshape(outs, x.shape[1] * kernel_area(weight))  # (O, CKK)
    if outs == 0:  # no output channels: one zero channel (dropped below) still fills cols
        w2, bias = np.zeros((1, w2.shape[1]), x.dtype), None
    length = out_size[0] * out_size[1]
    cols = np.empty((n, w2.shape[1], length), x.dtype)
    y = np.empty((n, w2.shape[0], length), x.dtype)
    bias = np.empty(0, x.dtype) if bias is None else bias
    if y.size > 0 and cols.size > 0:
        threads = get_num_threads()
        padded = _padded_scratch(threads, x.shape, g, x.dtype)
        with blas_on_one_thread():
            if x.dtype == np.float32:
                _conv_forward[float](x, w2, bias, padded, cols, y, g, threads)
            else:
                _conv_forward[double](x, w2, bias, padded, cols, y, g, threads)
    else:  # an empty batch or no input channels
        y[...] = bias[None, :, None] if bias.size else 0
    return y[:, :outs].reshape(n, outs, *out_size), cols


def conv2d_backward(grad_output, x, cols, weight, stride, padding, dilation, input_grad=True,
                    weight_grad=True, bias_grad=True):
    """(grad_input, grad_weight, grad_bias), each None when not requested."""
    grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad = \
        conv2d_backward_arguments(grad_output, x, cols, weight, stride, padding, dilation,
                                  input_grad, weight_grad, bias_grad)
    cdef Window g = _window(geometry)
    out_size = geometry[4]  # (wraparound is off: no negative index)
    n, outs = x.shape[0], weight.shape[0]
    w2 = weight.reshape(outs, x.shape[1] * kernel_area(weight))  # (O, CKK), O may be 0
    length = out_size[0] * out_size[1]
    dtype, threads = x.dtype, get_num_threads()
    gy = grad_output.reshape(n, outs, length)
    g_cols = np.empty((threads, w2.shape[1], length) if input_grad else (0, 0, 0), dtype)
    padded = _padded_scratch(threads if input_grad else 0, x.shape, g, dtype)
    runs = gy.size > 0 and cols.size > 0  # else every gradient is zero
    grad_input = (np.empty if runs else np.zeros)(x.shape if input_grad else (0, 0, 0, 0), dtype)
    gw_parts = np.zeros((_image_blocks(n), outs, w2.shape[1]) if weight_grad else (0, 0, 0),
                        dtype)
    if runs:
        with blas_on_one_thread():
            if dtype == np.float32:
                _conv_backward[float](gy, cols, w2, g_cols, padded, grad_input, gw_parts, g,
                                      threads)
            else:
                _conv_backward[double](gy, cols, w2, g_cols, padded, grad_input, gw_parts, g,
                                       threads)
    # NumPy reduces axis 0 of a C-contiguous array part after part: the blocks' sums in order
    grad_weight = gw_parts.sum(axis=0).reshape(weight.shape) if weight_grad else None
    grad_bias = gy.sum(axis=(0, 2), dtype=np.float64).astype(dtype) if bias_grad else None
    return grad_input if input_grad else None, grad_weight, grad_bias


def _padded_scratch(threads, x_shape, Window g, dtype):
    """One zeroed (C, H + 2ph, W + 2pw) image per thread: the input with its zero border."""
    return np.zeros((threads, x_shape[1], x_shape[2] + 2 * g.ph, x_shape[3] + 2 * g.pw), dtype)


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


def max_pool2d_forward(x, kernel_size, stride, padding):
    """(y, argmax): each window's maximum (the first one on ties; a NaN wins) and its index
    i * W + j in the input plane, kept for backward."""
    x, kernel, stride, padding, out_size = pool_arguments(x, kernel_size, stride, padding)
    cdef Window g = _window((kernel, stride, padding, (1, 1), out_size))
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
    grad_output, argmax, (h, w) = max_pool2d_backward_arguments(grad_output, argmax, input_size)
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, h * w), grad_output.dtype)
    if grad_output.size > 0:
        gy = grad_output.reshape(n * c, -1)
        index = argmax.reshape(n * c, -1)
        if grad.dtype == np.float32:
            _max_unpool[float](gy, index, grad, get_num_threads())
        else:
            _max_unpool[double](gy, index, grad, get_num_threads())
    return grad.reshape(n, c, h, w)


def avg_pool2d_forward(x, kernel_size, stride, padding):
    """Each window's mean, zeros of the padding included (count_include_pad=True)."""
    x, kernel, stride, padding, out_size = pool_arguments(x, kernel_size, stride, padding)
    cdef Window g = _window((kernel, stride, padding, (1, 1), out_size))
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
    grad_output, input_size, kernel, stride, padding, out_size = avg_pool2d_backward_arguments(
        grad_output, input_size, kernel_size, stride, padding)
    cdef Window g = _window((kernel, stride, padding, (1, 1), out_size))
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, *input_size), grad_output.dtype)
    if grad_output.size > 0:
        gy = grad_output.reshape(n * c, *out_size)
        if grad.dtype == np.float32:
            _avg_pool[float](gy, grad, g, True, get_num_threads())
        else:
            _avg_pool[double](gy, grad, g, True, get_num_threads())
    return grad.reshape(n, c, *input_size)
