"""Arguments of the layer-norm kernels (csrc/layer_norm.pyx and its twin)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import channel_vector, float_array, gradient_flags, real, thread_count, vector
from .batch_norm import norm_grad_inputs


def layer_norm_forward_arguments(x: Any, weight: Any, bias: Any, eps: Any,
                                 num_threads: Any) -> tuple:
    """x (M, D); weight and bias (D,) or None; eps a number; the thread count."""
    x = float_array("input", x, 2)
    return (x, channel_vector("weight", weight, x.shape[1], x.dtype),
            channel_vector("bias", bias, x.shape[1], x.dtype), real("eps", eps),
            thread_count(num_threads))


def layer_norm_backward_arguments(grad_output: Any, x: Any, mean: Any, rstd: Any, weight: Any,
                                  input_grad: Any, weight_grad: Any, bias_grad: Any,
                                  num_threads: Any) -> tuple:
    """grad_output and x (M, D), mean and rstd float64 (M,), weight (D,) or None, the three
    gradient flags and the thread count."""
    grad_output, x = norm_grad_inputs(grad_output, x, 2)
    rows, size = x.shape
    return (grad_output, x, vector("mean", mean, rows, np.float64),
            vector("rstd", rstd, rows, np.float64), channel_vector("weight", weight, size, x.dtype),
            *gradient_flags(input_grad, weight_grad, bias_grad), thread_count(num_threads))
