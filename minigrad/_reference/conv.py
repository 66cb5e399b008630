"""NumPy twin of csrc/conv.pyx: 2-D convolution by im2col + gemm (pooling: pool.py).

Layouts are PyTorch's: input (N, C, H, W), weight (O, C, kh, kw). kernel, stride, padding and
dilation are pairs. im2col writes, for each image, one row per kernel tap (c, i, j) holding the
input value that tap sees at every output position (zeros where it reaches into the padding):
cols (N, C*kh*kw, OH*OW), so that the convolution of image b is one matrix product,
weight.reshape(O, -1) @ cols[b] = y[b] (O, OH*OW). num_threads is validated and unused: NumPy
runs its own threads.
"""
from __future__ import annotations

import numpy as np

from .._validate.conv import conv2d_backward_arguments, conv2d_forward_arguments, kernel_area


def _window_slices(kernel, stride, dilation, out_size):
    """For each kernel offset (i, j), the strided slices of the padded input it reads (also
    the pooling twin's)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                         slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _padded(x: np.ndarray, padding, value: float = 0.0) -> np.ndarray:
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _im2col(x, kernel, stride, padding, dilation, out_size):
    n, c = x.shape[:2]
    cols = np.empty((n, c, *kernel, *out_size), x.dtype)
    xp = _padded(x, padding)
    for i, j, (rows, columns) in _window_slices(kernel, stride, dilation, out_size):
        cols[:, :, i, j] = xp[:, :, rows, columns]
    return cols.reshape(n, c * kernel[0] * kernel[1], out_size[0] * out_size[1])


def _col2im(cols, x_shape, kernel, stride, padding, dilation, out_size):
    n, c, h, w = x_shape
    (ph, pw) = padding
    grad = np.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
    windows = cols.reshape(n, c, *kernel, *out_size)
    for i, j, (rows, columns) in _window_slices(kernel, stride, dilation, out_size):
        grad[:, :, rows, columns] += windows[:, :, i, j]
    return grad[:, :, ph:ph + h, pw:pw + w]


def conv2d_forward(x, weight, bias, stride, padding, dilation, *, num_threads) -> tuple:
    """(y, cols): y (N, O, OH, OW) = conv(x, weight) + bias; cols (N, C*kh*kw, OH*OW), each
    image's im2col columns, is kept for backward. Bias may be None."""
    x, weight, bias, geometry, _ = conv2d_forward_arguments(x, weight, bias, stride, padding,
                                                            dilation, num_threads)
    kernel, stride, padding, dilation, out_size = geometry
    cols = _im2col(x, kernel, stride, padding, dilation, out_size)
    y = weight.reshape(weight.shape[0], x.shape[1] * kernel_area(weight)) @ cols
    if bias is not None:
        y += bias[:, None]
    return y.reshape(x.shape[0], weight.shape[0], *out_size), cols


def conv2d_backward(grad_output, x, cols, weight, stride, padding, dilation, *, input_grad: bool,
                    weight_grad: bool, bias_grad: bool, num_threads) -> tuple:
    """(grad_input, grad_weight, grad_bias), each None when its flag does not ask for it."""
    grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad, _ = \
        conv2d_backward_arguments(grad_output, x, cols, weight, stride, padding, dilation,
                                  input_grad, weight_grad, bias_grad, num_threads)
    kernel, stride, padding, dilation, out_size = geometry
    gy = grad_output.reshape(*grad_output.shape[:2], out_size[0] * out_size[1])  # (N, O, L)
    w2 = weight.reshape(weight.shape[0], x.shape[1] * kernel_area(weight))
    grad_input = grad_weight = grad_bias = None
    if input_grad:
        grad_input = _col2im(w2.T @ gy, x.shape, kernel, stride, padding, dilation, out_size)
    if weight_grad:  # sum over images of gy[b] @ cols[b]^T
        grad_weight = np.tensordot(gy, cols, axes=([0, 2], [0, 2])).reshape(weight.shape)
    if bias_grad:
        grad_bias = gy.sum(axis=(0, 2), dtype=np.float64).astype(x.dtype)
    return grad_input, grad_weight, grad_bias
