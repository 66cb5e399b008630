"""The counts of the dense kernels: linear, convolution (im2col + gemm) and pooling (the rules:
counts.py and docs/profiling.md, "Counting rules").

N is the batch, s the data's itemsize; convolution's gemm has sizes O, K = C kh kw and N L,
L = OH OW output positions per image.
"""
from __future__ import annotations

from .._validate import pair
from .._validate.conv import window_output_size
from .._validate.pool import pool_geometry
from .countable import Array, Call, Count, nbytes

# per output element: the activation (forward) and its derivative from y (backward)
ACTIVATION_FLOPS = {"none": 0, "relu": 1, "leaky_relu": 1, "sigmoid": 3, "tanh": 1}
ACTIVATION_GRAD_FLOPS = {"none": 0, "relu": 1, "leaky_relu": 1, "sigmoid": 3, "tanh": 3}


# ----------------------------------------------------------------------------- linear, conv
def linear_forward(c: Call) -> Count:
    """2 N in out (gemm) + N out (bias) + act N out; x, weight, bias read, y (N, out) written."""
    x, weight = c["x"], c["weight"]
    (n, k), m = x.shape, weight.shape[0]
    per_output = (c["bias"] is not None) + ACTIVATION_FLOPS[c["activation"]]
    flops = 2 * n * k * m + per_output * n * m
    return flops, x.nbytes + weight.nbytes + nbytes(c["bias"]) + n * m * x.itemsize


def linear_backward(c: Call) -> Count:
    """act' N out (gz) + 2 N out in per asked product (gx = gz W, gW = gz^T x) + N out (gb)."""
    gy, x, weight = c["grad_output"], c["x"], c["weight"]
    (n, k), m, s = x.shape, weight.shape[0], x.itemsize
    activated = c["activation"] != "none"
    flops = ACTIVATION_GRAD_FLOPS[c["activation"]] * n * m
    moved = gy.nbytes + (nbytes(c["output"]) + 2 * n * m * s if activated else 0)  # y, gz
    if c["input_grad"]:
        flops, moved = flops + 2 * n * m * k, moved + weight.nbytes + n * k * s
    if c["weight_grad"]:
        flops, moved = flops + 2 * n * m * k, moved + x.nbytes + m * k * s
    if c["bias_grad"]:
        flops, moved = flops + n * m, moved + m * s
    return flops, moved


def _conv_sizes(weight: Array, n: int, out_size: tuple) -> tuple[int, int, int]:
    """(O, K = C kh kw, N L): the gemm's sizes, L = OH OW positions per image."""
    o, channels, kh, kw = weight.shape
    return o, channels * kh * kw, n * out_size[0] * out_size[1]


def conv2d_forward(c: Call) -> Count:
    """im2col (x read, cols N K L written and read) + 2 N O K L (gemm) + N O L (bias)."""
    x, weight, bias = c["x"], c["weight"], c["bias"]
    out_size = window_output_size(x.shape[2:], weight.shape[2:], pair("stride", c["stride"], 1),
                                  pair("padding", c["padding"], 0),
                                  pair("dilation", c["dilation"], 1))
    o, k, positions = _conv_sizes(weight, x.shape[0], out_size)
    flops = 2 * o * k * positions + (bias is not None) * o * positions
    moved = x.nbytes + 2 * k * positions * x.itemsize + weight.nbytes + nbytes(bias)
    return flops, moved + o * positions * x.itemsize


def conv2d_backward(c: Call) -> Count:
    """gx: 2 N O K L (W^T gy) + N K L (col2im adds); gW: 2 N O K L (gy cols^T); gb: N O L."""
    gy, x, weight = c["grad_output"], c["x"], c["weight"]
    o, k, positions = _conv_sizes(weight, gy.shape[0], gy.shape[2:])
    s = gy.itemsize
    flops, moved = 0, gy.nbytes
    if c["input_grad"]:  # column gradients written and read by col2im, gx written
        flops += 2 * o * k * positions + k * positions
        moved += weight.nbytes + 2 * k * positions * s + x.size * s
    if c["weight_grad"]:
        flops, moved = flops + 2 * o * k * positions, moved + c["cols"].nbytes + o * k * s
    if c["bias_grad"]:
        flops, moved = flops + o * positions, moved + o * s
    return flops, moved


# ----------------------------------------------------------------------------- pooling
def _pool_windows(c: Call, x_shape: tuple) -> tuple[int, int]:
    """(window area kh kw, output elements N C OH OW) of a pooling over x_shape."""
    kernel, _, _, out_size = pool_geometry(x_shape[2:], c["kernel_size"], c["stride"],
                                           c["padding"])
    return kernel[0] * kernel[1], x_shape[0] * x_shape[1] * out_size[0] * out_size[1]


def max_pool2d_forward(c: Call) -> Count:
    """kh kw compares per output; x read, y and argmax (int64) written."""
    x = c["x"]
    area, outputs = _pool_windows(c, x.shape)
    return area * outputs, x.nbytes + outputs * (x.itemsize + 8)


def max_pool2d_backward(c: Call) -> Count:
    """One add per output gradient; gy and argmax read, gx (N C H W) written (0 unless asked)."""
    if not c["input_grad"]:
        return 0, 0
    gy, (h, w) = c["grad_output"], c["input_size"]
    gx_bytes = gy.shape[0] * gy.shape[1] * h * w * gy.itemsize
    return gy.size, gy.nbytes + c["argmax"].nbytes + gx_bytes


def avg_pool2d_forward(c: Call) -> Count:
    """kh kw per output (kh kw - 1 adds, one divide); x read, y written."""
    x = c["x"]
    area, outputs = _pool_windows(c, x.shape)
    return area * outputs, x.nbytes + outputs * x.itemsize


def avg_pool2d_backward(c: Call) -> Count:
    """1 + kh kw per output gradient (divide, adds); gy read, gx written (0 unless asked)."""
    if not c["input_grad"]:
        return 0, 0
    gy, (h, w) = c["grad_output"], c["input_size"]
    area, _ = _pool_windows(c, (*gy.shape[:2], h, w))
    return (1 + area) * gy.size, gy.nbytes + gy.shape[0] * gy.shape[1] * h * w * gy.itemsize


KERNELS = {
    "linear": (linear_forward, linear_backward),
    "conv": (conv2d_forward, conv2d_backward),
    "pool": (max_pool2d_forward, max_pool2d_backward, avg_pool2d_forward, avg_pool2d_backward),
}
