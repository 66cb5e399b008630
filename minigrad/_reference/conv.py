"""NumPy twin of csrc/conv.pyx: 2-D convolution by im2col + gemm, max and average pooling.

Layouts are PyTorch's: input (N, C, H, W), weight (O, C, kh, kw). kernel, stride, padding and
dilation are pairs. im2col writes, for each image, one row per kernel tap (c, i, j) holding the
input value that tap sees at every output position (zeros where it reaches into the padding):
cols (N, C*kh*kw, OH*OW), so that the convolution of image b is one matrix product,
weight.reshape(O, -1) @ cols[b] = y[b] (O, OH*OW).
"""
from __future__ import annotations

import numpy as np

from .._validate.conv import (avg_pool2d_backward_arguments, conv2d_backward_arguments,
                              conv2d_forward_arguments, kernel_area, max_pool2d_backward_arguments,
                              pool_arguments)


def _window_slices(kernel, stride, dilation, out_size):
    """For each kernel offset (i, j), the strided slices of the padded input it reads."""
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


def conv2d_forward(x, weight, bias, stride, padding, dilation) -> tuple:
    """(y, cols): y (N, O, OH, OW) = conv(x, weight) + bias; cols (N, C*kh*kw, OH*OW), each
    image's im2col columns, is kept for backward."""
    x, weight, bias, geometry = conv2d_forward_arguments(x, weight, bias, stride, padding,
                                                         dilation)
    kernel, stride, padding, dilation, out_size = geometry
    cols = _im2col(x, kernel, stride, padding, dilation, out_size)
    y = weight.reshape(weight.shape[0], x.shape[1] * kernel_area(weight)) @ cols
    if bias is not None:
        y += bias[:, None]
    return y.reshape(x.shape[0], weight.shape[0], *out_size), cols


def conv2d_backward(grad_output, x, cols, weight, stride, padding, dilation, input_grad=True,
                    weight_grad=True, bias_grad=True) -> tuple:
    """(grad_input, grad_weight, grad_bias), each None when not requested."""
    grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad = \
        conv2d_backward_arguments(grad_output, x, cols, weight, stride, padding, dilation,
                                  input_grad, weight_grad, bias_grad)
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


def max_pool2d_forward(x, kernel_size, stride, padding) -> tuple:
    """(y, argmax): each window's maximum (the first one on ties; a NaN wins) and its index
    i * W + j in the input plane, kept for backward."""
    x, kernel, stride, padding, out_size = pool_arguments(x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    xp = _padded(x, padding, -np.inf)
    windows = np.stack([xp[:, :, rows, columns] for _, _, (rows, columns) in
                        _window_slices(kernel, stride, (1, 1), out_size)], axis=-1)
    pick = np.argmax(windows, axis=-1)
    y = np.take_along_axis(windows, pick[..., None], axis=-1)[..., 0]
    ki, kj = np.divmod(pick, kernel[1])
    oi, oj = np.meshgrid(np.arange(out_size[0]), np.arange(out_size[1]), indexing="ij")
    argmax = (oi * stride[0] + ki - padding[0]) * w + (oj * stride[1] + kj - padding[1])
    return y, argmax.astype(np.int64)


def max_pool2d_backward(grad_output, argmax, input_size) -> np.ndarray:
    """gx: each window's gradient added at the index its maximum came from."""
    grad_output, argmax, (h, w) = max_pool2d_backward_arguments(grad_output, argmax, input_size)
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, h * w), grad_output.dtype)
    planes = np.repeat(np.arange(n * c), grad_output.shape[2] * grad_output.shape[3])
    np.add.at(grad, (planes, argmax.reshape(-1)), grad_output.reshape(-1))
    return grad.reshape(n, c, h, w)


def avg_pool2d_forward(x, kernel_size, stride, padding) -> np.ndarray:
    """Each window's mean, zeros of the padding included (count_include_pad=True)."""
    x, kernel, stride, padding, out_size = pool_arguments(x, kernel_size, stride, padding)
    xp = _padded(x.astype(np.float64), padding)
    total = sum(xp[:, :, rows, columns] for _, _, (rows, columns) in
                _window_slices(kernel, stride, (1, 1), out_size))
    return (total / (kernel[0] * kernel[1])).astype(x.dtype)


def avg_pool2d_backward(grad_output, input_size, kernel_size, stride, padding) -> np.ndarray:
    """gx: each window's gradient spread evenly over its kh*kw positions."""
    grad_output, input_size, kernel, stride, padding, out_size = avg_pool2d_backward_arguments(
        grad_output, input_size, kernel_size, stride, padding)
    n, c = grad_output.shape[:2]
    (h, w), (ph, pw) = input_size, padding
    grad = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    share = grad_output / (kernel[0] * kernel[1])
    for _, _, (rows, columns) in _window_slices(kernel, stride, (1, 1), out_size):
        grad[:, :, rows, columns] += share
    return grad[:, :, ph:ph + h, pw:pw + w].astype(grad_output.dtype)
