"""Arguments of the convolution and pooling kernels (csrc/conv.pyx and its twin)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import array_of_shape, channel_vector, float_array, gradient_flags, pair


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
                             dilation: Any) -> tuple:
    """(x, weight, bias, (kernel, stride, padding, dilation, out_size)) of conv2d_forward."""
    x, weight, bias = conv2d_inputs(x, weight, bias)
    stride, padding = pair("stride", stride, 1), pair("padding", padding, 0)
    dilation = pair("dilation", dilation, 1)
    kernel = weight.shape[2:]
    out_size = window_output_size(x.shape[2:], kernel, stride, padding, dilation)
    return x, weight, bias, (kernel, stride, padding, dilation, out_size)


def conv2d_backward_arguments(grad_output: Any, x: Any, cols: Any, weight: Any, stride: Any,
                              padding: Any, dilation: Any, input_grad: Any, weight_grad: Any,
                              bias_grad: Any) -> tuple:
    """(grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad):
    grad_output (N, O, OH, OW) and cols (N, C*kh*kw, OH*OW) as conv2d_forward made them."""
    x, weight, _, geometry = conv2d_forward_arguments(x, weight, None, stride, padding,
                                                      dilation)
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
            *gradient_flags(input_grad, weight_grad, bias_grad))


def pool_geometry(input_size: tuple, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    """(kernel, stride, padding, out_size) of a pooling window; stride defaults to the kernel,
    padding at most half the kernel (PyTorch's rule)."""
    kernel = pair("kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair("stride", stride, 1)
    padding = pair("padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"pad should be at most half of effective kernel size, but got "
                         f"pad={padding} and kernel_size={kernel}")
    out_size = window_output_size(tuple(input_size), kernel, stride, padding, (1, 1))
    return kernel, stride, padding, out_size


def pool_arguments(x: Any, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    """(x, kernel, stride, padding, out_size) of a pooling forward over x (N, C, H, W)."""
    x = float_array("input", x, 4)
    return (x, *pool_geometry(x.shape[2:], kernel_size, stride, padding))


def max_pool2d_backward_arguments(grad_output: Any, argmax: Any, input_size: Any) -> tuple:
    """grad_output (N, C, OH, OW); argmax integer indices of its shape, each in [0, H*W) of
    input_size (H, W): (grad_output, argmax as int64, input_size)."""
    grad_output = float_array("grad_output", grad_output, 4)
    argmax = array_of_shape("argmax", argmax, grad_output.shape)
    if argmax.dtype.kind not in "iu":
        raise TypeError(f"argmax must hold integer indices, got {argmax.dtype}")
    h, w = pair("input_size", input_size, 0)
    if argmax.size and (argmax.min() < 0 or argmax.max() >= h * w):
        raise ValueError(f"argmax holds indices outside the {h}x{w} input plane")
    return grad_output, np.ascontiguousarray(argmax, np.int64), (h, w)


def avg_pool2d_backward_arguments(grad_output: Any, input_size: Any, kernel_size: Any,
                                  stride: Any, padding: Any) -> tuple:
    """(grad_output, input_size, kernel, stride, padding, out_size): grad_output
    (N, C, OH, OW) with (OH, OW) the pooling's output size over input_size (H, W)."""
    grad_output = float_array("grad_output", grad_output, 4)
    input_size = pair("input_size", input_size, 0)
    kernel, stride, padding, out_size = pool_geometry(input_size, kernel_size, stride, padding)
    if grad_output.shape[2:] != out_size:
        raise ValueError(f"grad_output has spatial size {grad_output.shape[2:]}, expected "
                         f"{out_size}")
    return grad_output, input_size, kernel, stride, padding, out_size
