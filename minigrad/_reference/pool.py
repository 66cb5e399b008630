"""NumPy twin of csrc/pool.pyx: 2-D max and average pooling over (N, C, H, W).

kernel_size, stride and padding are ints or pairs; the windows are read as strided slices of
the padded input (the convolution twin's helpers). num_threads is validated and unused: NumPy
runs its own threads.
"""
from __future__ import annotations

import numpy as np

from .._validate.pool import (avg_pool2d_backward_arguments, max_pool2d_backward_arguments,
                              pool_arguments)
from .conv import _padded, _window_slices


def max_pool2d_forward(x, kernel_size, stride, padding, *, num_threads) -> tuple:
    """(y, argmax): each window's maximum (the first one on ties; a NaN wins) and its index
    i * W + j in the input plane, kept for backward."""
    x, kernel, stride, padding, out_size, _ = pool_arguments(x, kernel_size, stride, padding,
                                                             num_threads)
    h, w = x.shape[2:]
    xp = _padded(x, padding)
    inside = _padded(np.ones((1, 1, h, w), bool), padding, False)  # not the padding
    oi, oj = np.meshgrid(np.arange(out_size[0]), np.arange(out_size[1]), indexing="ij")
    y = np.full((*x.shape[:2], *out_size), -np.inf, x.dtype)
    argmax = np.full(y.shape, -1, np.int64)
    # The kernel's scan: window offsets in row-major order, the padding skipped; an element
    # replaces the maximum when larger, when first, or when the first NaN.
    for i, j, (rows, columns) in _window_slices(kernel, stride, (1, 1), out_size):
        v = xp[:, :, rows, columns]
        better = inside[:, :, rows, columns] & (
            (v > y) | (argmax < 0) | (np.isnan(v) & ~np.isnan(y)))
        index = (oi * stride[0] + i - padding[0]) * w + (oj * stride[1] + j - padding[1])
        y = np.where(better, v, y)
        argmax = np.where(better, index, argmax)
    return y, argmax


def max_pool2d_backward(grad_output, argmax, input_size, *, input_grad: bool,
                        num_threads) -> np.ndarray | None:
    """gx: each window's gradient added at the index its maximum came from (None unless
    input_grad)."""
    grad_output, argmax, (h, w), input_grad, _ = max_pool2d_backward_arguments(
        grad_output, argmax, input_size, input_grad, num_threads)
    if not input_grad:
        return None
    n, c = grad_output.shape[:2]
    grad = np.zeros((n * c, h * w), grad_output.dtype)
    planes = np.repeat(np.arange(n * c), grad_output.shape[2] * grad_output.shape[3])
    np.add.at(grad, (planes, argmax.reshape(-1)), grad_output.reshape(-1))
    return grad.reshape(n, c, h, w)


def avg_pool2d_forward(x, kernel_size, stride, padding, *, num_threads) -> np.ndarray:
    """Each window's mean, zeros of the padding included (count_include_pad=True)."""
    x, kernel, stride, padding, out_size, _ = pool_arguments(x, kernel_size, stride, padding,
                                                             num_threads)
    xp = _padded(x.astype(np.float64), padding)
    total = sum(xp[:, :, rows, columns] for _, _, (rows, columns) in
                _window_slices(kernel, stride, (1, 1), out_size))
    return (total / (kernel[0] * kernel[1])).astype(x.dtype)


def avg_pool2d_backward(grad_output, input_size, kernel_size, stride, padding, *,
                        input_grad: bool, num_threads) -> np.ndarray | None:
    """gx: each window's gradient spread evenly over its kh*kw positions (None unless
    input_grad)."""
    grad_output, input_size, kernel, stride, padding, out_size, input_grad, _ = \
        avg_pool2d_backward_arguments(grad_output, input_size, kernel_size, stride, padding,
                                      input_grad, num_threads)
    if not input_grad:
        return None
    n, c = grad_output.shape[:2]
    (h, w), (ph, pw) = input_size, padding
    grad = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    share = grad_output / (kernel[0] * kernel[1])
    for _, _, (rows, columns) in _window_slices(kernel, stride, (1, 1), out_size):
        grad[:, :, rows, columns] += share
    return grad[:, :, ph:ph + h, pw:pw + w].astype(grad_output.dtype)
