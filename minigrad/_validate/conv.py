"""Arguments of the convolution kernels (csrc/conv.pyx and its twin), and the window and thread
checks the pooling kernels share (minigrad._validate.pool)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import channel_vector, float_array, gradient_flags, pair, thread_count



def window_output_size(input_size: tuple, kernel: tuple, stride: tuple, padding: tuple,
                       dilation: tuple) -> tuple[int, int]:
    """(OH, OW) = floor((H + 2p - d (k - 1) - 1) / s) + 1 per dim; ValueError unless >= 1."""
    out = tuple((size + 2 * p - d * (k - 1) - 1) // s + 1
                for size, k, s, p, d in zip(input_size, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"input of spatial size {tuple(input_size)} is too small for kernel "
                         f"{kernel} with stride {stride}, padding {padding}, dilation {dilation} "
                         f"(output size would be {out})")
    return out


def conv2d_inputs(x: Any, weight: Any, bias: Any) -> tuple:
    """x (N, C, H, W), weight (O, C, kh, kw) with kh, kw >= 1, bias (O,) or None: contiguous,
    one float dtype."""
    x = float_array("input", x, 4)
    weight = float_array("weight", weight, 4, x.dtype)
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d: weight of shape {weight.shape} expects {weight.shape[1]} "
                         f"input channels, but the input of shape {x.shape} has {x.shape[1]}")
    if min(weight.shape[2:]) < 1:
        raise ValueError(f"conv2d: weight of shape {weight.shape} has an empty kernel")
    bias = channel_vector("bias", bias, weight.shape[0], x.dtype)
    return x, weight, bias


def kernel_area(weight: np.ndarray) -> int:
    """kh * kw of a weight (O, C, kh, kw)."""
    return weight.shape[2] * weight.shape[3]


def conv2d_forward_arguments(x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                             dilation: Any, num_threads: Any) -> tuple:
    """(x, weight, bias, (kernel, stride, padding, dilation, out_size), num_threads) of
    conv2d_forward."""
    x, weight, bias = conv2d_inputs(x, weight, bias)
    stride, padding = pair("stride", stride, 1), pair("padding", padding, 0)
    dilation = pair("dilation", dilation, 1)
    kernel = weight.shape[2:]
    out_size = window_output_size(x.shape[2:], kernel, stride, padding, dilation)
    return x, weight, bias, (kernel, stride, padding, dilation, out_size), thread_count(num_threads)


def conv2d_backward_arguments(grad_output: Any, x: Any, cols: Any, weight: Any, stride: Any,
                              padding: Any, dilation: Any, input_grad: Any, weight_grad: Any,
                              bias_grad: Any, num_threads: Any) -> tuple:
    """(grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad,
    num_threads): grad_output (N, O, OH, OW) and cols (N, C*kh*kw, OH*OW) as conv2d_forward
    made them."""
    x, weight, _, geometry, num_threads = conv2d_forward_arguments(x, weight, None, stride,
                                                                   padding, dilation, num_threads)
    out_size = geometry[-1]
    grad_output = float_array("grad_output", grad_output, 4, x.dtype)
    expected = (x.shape[0], weight.shape[0], *out_size)
    if grad_output.shape != expected:
        raise ValueError(f"conv2d backward: grad_output has shape {grad_output.shape}, "
                         f"expected {expected}")
    cols = float_array("cols", cols, 3, x.dtype)
    expected = (x.shape[0], x.shape[1] * kernel_area(weight), out_size[0] * out_size[1])
    if cols.shape != expected:
        raise ValueError(f"cols has shape {cols.shape}, expected {expected}")
    return (grad_output, x, cols, weight, geometry,
            *gradient_flags(input_grad, weight_grad, bias_grad), num_threads)
