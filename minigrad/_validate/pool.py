"""Arguments of the pooling kernels (csrc/pool.pyx and its twin)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import array_of_shape, flag, float_array, pair, thread_count
from .conv import window_output_size


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


def pool_arguments(x: Any, kernel_size: Any, stride: Any, padding: Any,
                   num_threads: Any) -> tuple:
    """(x, kernel, stride, padding, out_size, num_threads) of a pooling forward over
    x (N, C, H, W)."""
    x = float_array("input", x, 4)
    return (x, *pool_geometry(x.shape[2:], kernel_size, stride, padding),
            thread_count(num_threads))


def max_pool2d_backward_arguments(grad_output: Any, argmax: Any, input_size: Any,
                                  input_grad: Any, num_threads: Any) -> tuple:
    """grad_output (N, C, OH, OW); argmax integer indices of its shape, each in [0, H*W) of
    input_size (H, W): (grad_output, argmax as int64, input_size, input_grad, num_threads)."""
    grad_output = float_array("grad_output", grad_output, 4)
    argmax = array_of_shape("argmax", argmax, grad_output.shape)
    if argmax.dtype.kind not in "iu":
        raise TypeError(f"argmax must hold integer indices, got {argmax.dtype}")
    h, w = pair("input_size", input_size, 0)
    if argmax.size and (argmax.min() < 0 or argmax.max() >= h * w):
        raise ValueError(f"argmax holds indices outside the {h}x{w} input plane")
    return (grad_output, np.ascontiguousarray(argmax, np.int64), (h, w),
            flag("input_grad", input_grad), thread_count(num_threads))


def avg_pool2d_backward_arguments(grad_output: Any, input_size: Any, kernel_size: Any,
                                  stride: Any, padding: Any, input_grad: Any,
                                  num_threads: Any) -> tuple:
    """(grad_output, input_size, kernel, stride, padding, out_size, input_grad, num_threads):
    grad_output
    (N, C, OH, OW) with (OH, OW) the pooling's output size over input_size (H, W)."""
    grad_output = float_array("grad_output", grad_output, 4)
    input_size = pair("input_size", input_size, 0)
    kernel, stride, padding, out_size = pool_geometry(input_size, kernel_size, stride, padding)
    if grad_output.shape[2:] != out_size:
        raise ValueError(f"grad_output has spatial size {grad_output.shape[2:]}, expected "
                         f"{out_size}")
    return (grad_output, input_size, kernel, stride, padding, out_size,
            flag("input_grad", input_grad), thread_count(num_threads))
