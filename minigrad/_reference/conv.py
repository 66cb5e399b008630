"""NumPy twin of csrc/conv.pyx: 2-D convolution by im2col + gemm, max and average pooling.

Layouts are PyTorch's: input (N, C, H, W), weight (O, C, kh, kw). kernel, stride, padding and
dilation are pairs. im2col writes one row per output position (n, oh, ow) holding the C*kh*kw
input values its window sees (zeros where it reaches into the padding), so that the convolution
is one matrix product: rows (N*OH*OW, C*kh*kw) @ weight.reshape(O, -1).T.
"""
from __future__ import annotations

import numpy as np

from .._validate import conv2d_inputs, float_array, pair, pool_geometry, window_output_size


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
    cols = np.empty((n, *out_size, c, *kernel), x.dtype)
    xp = _padded(x, padding)
    for i, j, (rows, columns) in _window_slices(kernel, stride, dilation, out_size):
        cols[..., i, j] = xp[:, :, rows, columns].transpose(0, 2, 3, 1)
    return cols.reshape(n * out_size[0] * out_size[1], c * kernel[0] * kernel[1]).T.copy()


def _col2im(cols, x_shape, kernel, stride, padding, dilation, out_size):
    n, c, h, w = x_shape
    (ph, pw) = padding
    grad = np.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
    windows = cols.T.reshape(n, *out_size, c, *kernel)
    for i, j, (rows, columns) in _window_slices(kernel, stride, dilation, out_size):
        grad[:, :, rows, columns] += windows[..., i, j].transpose(0, 3, 1, 2)
    return grad[:, :, ph:ph + h, pw:pw + w]


def conv2d_forward(x, weight, bias, stride, padding, dilation) -> tuple:
    """(y, cols): y (N, O, OH, OW) = conv(x, weight) + bias; cols is kept for backward."""
    x, weight, bias = conv2d_inputs(x, weight, bias)
    stride, padding, dilation = pair("stride", stride, 1), pair("padding", padding, 0), \
        pair("dilation", dilation, 1)
    kernel = weight.shape[2:]
    out_size = window_output_size(x.shape[2:], kernel, stride, padding, dilation)
    cols = _im2col(x, kernel, stride, padding, dilation, out_size)
    rows = (weight.reshape(weight.shape[0], -1) @ cols).T
    if bias is not None:
        rows += bias
    y = rows.reshape(x.shape[0], *out_size, weight.shape[0]).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(y), cols


def conv2d_backward(grad_output, x, cols, weight, stride, padding, dilation, input_grad=True,
                    weight_grad=True, bias_grad=True) -> tuple:
    """(grad_input, grad_weight, grad_bias), each None when not requested."""
    x, weight, _ = conv2d_inputs(x, weight, None)
    stride, padding, dilation = pair("stride", stride, 1), pair("padding", padding, 0), \
        pair("dilation", dilation, 1)
    kernel = weight.shape[2:]
    out_size = window_output_size(x.shape[2:], kernel, stride, padding, dilation)
    grad_output = float_array("grad_output", grad_output, 4, x.dtype)
    expected = (x.shape[0], weight.shape[0], *out_size)
    if grad_output.shape != expected:
        raise ValueError(f"conv2d backward: grad_output has shape {grad_output.shape}, "
                         f"expected {expected}")
    g_rows = grad_output.transpose(0, 2, 3, 1).reshape(-1, weight.shape[0])
    grad_input = grad_weight = grad_bias = None
    if input_grad:
        g_cols = g_rows @ weight.reshape(weight.shape[0], -1)
        grad_input = _col2im(g_cols.T, x.shape, kernel, stride, padding, dilation, out_size)
    if weight_grad:
        grad_weight = (g_rows.T @ cols.T).reshape(weight.shape)
    if bias_grad:
        grad_bias = g_rows.sum(axis=0, dtype=np.float64).astype(x.dtype)
    return grad_input, grad_weight, grad_bias


def _pool_arguments(x, kernel_size, stride, padding):
    x = float_array("input", x, 4)
    return (x, *pool_geometry(x.shape[2:], kernel_size, stride, padding))


def max_pool2d_forward(x, kernel_size, stride, padding) -> tuple:
    """(y, argmax): each window's maximum (the first one on ties; a NaN wins) and its index
    i * W + j in the input plane, kept for backward."""
    x, kernel, stride, padding, out_size = _pool_arguments(x, kernel_size, stride, padding)
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
    grad_output = float_array("grad_output", grad_output, 4)
    if not isinstance(argmax, np.ndarray) or argmax.shape != grad_output.shape:
        raise ValueError(f"argmax has shape {getattr(argmax, 'shape', None)}, expected "
                         f"{grad_output.shape}")
    n, c = grad_output.shape[:2]
    h, w = input_size
    grad = np.zeros((n * c, h * w), grad_output.dtype)
    planes = np.repeat(np.arange(n * c), grad_output.shape[2] * grad_output.shape[3])
    np.add.at(grad, (planes, argmax.reshape(-1)), grad_output.reshape(-1))
    return grad.reshape(n, c, h, w)


def avg_pool2d_forward(x, kernel_size, stride, padding) -> np.ndarray:
    """Each window's mean, zeros of the padding included (count_include_pad=True)."""
    x, kernel, stride, padding, out_size = _pool_arguments(x, kernel_size, stride, padding)
    xp = _padded(x.astype(np.float64), padding)
    total = sum(xp[:, :, rows, columns] for _, _, (rows, columns) in
                _window_slices(kernel, stride, (1, 1), out_size))
    return (total / (kernel[0] * kernel[1])).astype(x.dtype)


def avg_pool2d_backward(grad_output, input_size, kernel_size, stride, padding) -> np.ndarray:
    """gx: each window's gradient spread evenly over its kh*kw positions."""
    grad_output = float_array("grad_output", grad_output, 4)
    n, c = grad_output.shape[:2]
    kernel, stride, padding, out_size = pool_geometry(input_size, kernel_size, stride, padding)
    if grad_output.shape[2:] != out_size:
        raise ValueError(f"grad_output has spatial size {grad_output.shape[2:]}, expected "
                         f"{out_size}")
    (h, w), (ph, pw) = input_size, padding
    grad = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    share = grad_output / (kernel[0] * kernel[1])
    for _, _, (rows, columns) in _window_slices(kernel, stride, (1, 1), out_size):
        grad[:, :, rows, columns] += share
    return grad[:, :, ph:ph + h, pw:pw + w].astype(grad_output.dtype)
