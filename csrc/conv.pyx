# 2-D convolution: im2col + BLAS gemm forward, gemms + col2im backward (pooling: pool.pyx).
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
# - The batch is split over the caller's num_threads OpenMP threads (static): each thread runs
#   im2col, its gemms and col2im for its images, so one image's columns stay in the thread's L2
#   cache between the steps. The gemms are meant to run on one BLAS thread each: the caller
#   holds minigrad.kernels.blas_on_one_thread() around these kernels (minigrad/ops/conv.py says
#   why); a gemm's bits do not depend on that count in float32 (csrc/_blas.pxd).
# - Weight gradients are summed per block of images (gW_j += over block j's images, in order),
#   then the blocks are added in order. The blocks are a function of the batch size alone
#   (IMAGE_BLOCKS of them, their sizes differing by at most one) and each is summed by one
#   thread, so the result is the same for any thread count.
#   Each image's input gradient belongs to one thread, so col2im's += is race-free.
# - Each public def validates (minigrad._validate.conv, shared with the twin) and allocates with
#   the GIL, then calls its private _typed def, whose fused memoryview parameters let Cython pick
#   the float or double worker; that def releases the GIL and runs the cdef worker.
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.string cimport memset

import numpy as np

from _blas cimport gemm
from _window cimport Window, window

from minigrad._validate.conv import (conv2d_backward_arguments, conv2d_forward_arguments,
                                     kernel_area)

cdef enum:
    IMAGE_BLOCKS = 16  # most blocks of images of a weight gradient (their partial sums)


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


def conv2d_forward(x, weight, bias, stride, padding, dilation, *, num_threads):
    """(y, cols): y (N, O, OH, OW) = conv(x, weight) + bias; cols (N, C*kh*kw, OH*OW), each
    image's im2col columns, is kept for backward. Bias may be None."""
    x, weight, bias, geometry, num_threads = conv2d_forward_arguments(
        x, weight, bias, stride, padding, dilation, num_threads)
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
        padded = _padded_scratch(num_threads, x.shape, geometry[2], x.dtype)
        _conv_forward_typed(x, w2, bias, padded, cols, y, geometry, num_threads)
    else:  # an empty batch or no input channels
        y[...] = bias[None, :, None] if bias.size else 0
    return y[:, :outs].reshape(n, outs, *out_size), cols


def _conv_forward_typed(const floating[:, :, :, ::1] x, const floating[:, ::1] weight,
                        const floating[::1] bias, floating[:, :, :, ::1] padded,
                        floating[:, :, ::1] cols, floating[:, :, ::1] y, geometry, int threads):
    cdef Window g = window(geometry)
    with nogil:
        _conv_forward(x, weight, bias, padded, cols, y, g, threads)


def conv2d_backward(grad_output, x, cols, weight, stride, padding, dilation, *, input_grad,
                    weight_grad, bias_grad, num_threads):
    """(grad_input, grad_weight, grad_bias), each None when its flag does not ask for it."""
    grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad, num_threads = \
        conv2d_backward_arguments(grad_output, x, cols, weight, stride, padding, dilation,
                                  input_grad, weight_grad, bias_grad, num_threads)
    out_size = geometry[4]  # (wraparound is off: no negative index)
    n, outs = x.shape[0], weight.shape[0]
    w2 = weight.reshape(outs, x.shape[1] * kernel_area(weight))  # (O, CKK), O may be 0
    length = out_size[0] * out_size[1]
    dtype, threads = x.dtype, num_threads
    gy = grad_output.reshape(n, outs, length)
    g_cols = np.empty((threads, w2.shape[1], length) if input_grad else (0, 0, 0), dtype)
    padded = _padded_scratch(threads if input_grad else 0, x.shape, geometry[2], dtype)
    runs = gy.size > 0 and cols.size > 0  # else every gradient is zero
    grad_input = (np.empty if runs else np.zeros)(x.shape if input_grad else (0, 0, 0, 0), dtype)
    gw_parts = np.zeros((_image_blocks(n), outs, w2.shape[1]) if weight_grad else (0, 0, 0),
                        dtype)
    if runs:
        _conv_backward_typed(gy, cols, w2, g_cols, padded, grad_input, gw_parts, geometry,
                             threads)
    # NumPy reduces axis 0 of a C-contiguous array part after part: the blocks' sums in order
    grad_weight = gw_parts.sum(axis=0).reshape(weight.shape) if weight_grad else None
    grad_bias = gy.sum(axis=(0, 2), dtype=np.float64).astype(dtype) if bias_grad else None
    return grad_input if input_grad else None, grad_weight, grad_bias


def _conv_backward_typed(const floating[:, :, ::1] gy, const floating[:, :, ::1] cols,
                         const floating[:, ::1] weight, floating[:, :, ::1] g_cols,
                         floating[:, :, :, ::1] padded, floating[:, :, :, ::1] gx,
                         floating[:, :, ::1] gw_parts, geometry, int threads):
    cdef Window g = window(geometry)
    with nogil:
        _conv_backward(gy, cols, weight, g_cols, padded, gx, gw_parts, g, threads)


def _padded_scratch(threads, x_shape, padding, dtype):
    """One zeroed (C, H + 2ph, W + 2pw) image per thread: the input with its zero border."""
    ph, pw = padding
    return np.zeros((threads, x_shape[1], x_shape[2] + 2 * ph, x_shape[3] + 2 * pw), dtype)
