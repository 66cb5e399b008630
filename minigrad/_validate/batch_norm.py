"""Arguments of the batch-norm kernels (csrc/batch_norm.pyx and its twin)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import channel_vector, flag, float_array, gradient_flags, real, thread_count, vector


def norm_grad_inputs(grad_output: Any, x: Any, ndim: int) -> tuple:
    """grad_output and x of a normalization backward: float arrays of ndim dims, same shape
    (layer norm's validators use it too)."""
    x = float_array("input", x, ndim)
    grad_output = float_array("grad_output", grad_output, ndim, x.dtype)
    if grad_output.shape != x.shape:
        raise ValueError(f"normalization backward: grad_output has shape {grad_output.shape}, "
                         f"expected {x.shape}")
    return grad_output, x


def batch_norm_stats_arguments(x: Any, num_threads: Any) -> tuple:
    """x (N, C, L) of batch_norm_stats, and the thread count."""
    return float_array("input", x, 3), thread_count(num_threads)


def batch_norm_apply_arguments(x: Any, mean: Any, var: Any, weight: Any, bias: Any,
                               eps: Any, num_threads: Any) -> tuple:
    """x (N, C, L); mean and var float64 (C,); weight and bias (C,) or None; eps a number; the
    thread count."""
    x = float_array("input", x, 3)
    channels = x.shape[1]
    return (x, vector("mean", mean, channels, np.float64), vector("var", var, channels, np.float64),
            channel_vector("weight", weight, channels, x.dtype),
            channel_vector("bias", bias, channels, x.dtype), real("eps", eps),
            thread_count(num_threads))


def batch_norm_backward_arguments(grad_output: Any, x: Any, mean: Any, var: Any, weight: Any,
                                  eps: Any, training: Any, input_grad: Any, weight_grad: Any,
                                  bias_grad: Any, num_threads: Any) -> tuple:
    """grad_output and x (N, C, L), then as batch_norm_apply, the training flag, the three
    gradient flags and the thread count."""
    grad_output, x = norm_grad_inputs(grad_output, x, 3)
    channels = x.shape[1]
    return (grad_output, x, vector("mean", mean, channels, np.float64),
            vector("var", var, channels, np.float64),
            channel_vector("weight", weight, channels, x.dtype), real("eps", eps),
            flag("training", training), *gradient_flags(input_grad, weight_grad, bias_grad),
            thread_count(num_threads))
