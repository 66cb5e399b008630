"""Arguments of the batch- and layer-norm kernels (csrc/norm.pyx and its twin)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import channel_vector, flag, float_array, real, vector


def norm_grad_inputs(grad_output: Any, x: Any, ndim: int) -> tuple:
    """grad_output and x of a normalization backward: float arrays of ndim dims, same shape."""
    x = float_array("input", x, ndim)
    grad_output = float_array("grad_output", grad_output, ndim, x.dtype)
    if grad_output.shape != x.shape:
        raise ValueError(f"normalization backward: grad_output has shape {grad_output.shape}, "
                         f"expected {x.shape}")
    return grad_output, x


def batch_norm_stats_arguments(x: Any) -> np.ndarray:
    """x (N, C, L) of batch_norm_stats."""
    return float_array("input", x, 3)


def batch_norm_apply_arguments(x: Any, mean: Any, var: Any, weight: Any, bias: Any,
                               eps: Any) -> tuple:
    """x (N, C, L); mean and var float64 (C,); weight and bias (C,) or None; eps a number."""
    x = float_array("input", x, 3)
    channels = x.shape[1]
    return (x, vector("mean", mean, channels, np.float64), vector("var", var, channels, np.float64),
            channel_vector("weight", weight, channels, x.dtype),
            channel_vector("bias", bias, channels, x.dtype), real("eps", eps))


def batch_norm_backward_arguments(grad_output: Any, x: Any, mean: Any, var: Any, weight: Any,
                                  eps: Any, training: Any) -> tuple:
    """grad_output and x (N, C, L), then as batch_norm_apply, and the training flag."""
    grad_output, x = norm_grad_inputs(grad_output, x, 3)
    channels = x.shape[1]
    return (grad_output, x, vector("mean", mean, channels, np.float64),
            vector("var", var, channels, np.float64),
            channel_vector("weight", weight, channels, x.dtype), real("eps", eps),
            flag("training", training))


def layer_norm_forward_arguments(x: Any, weight: Any, bias: Any, eps: Any) -> tuple:
    """x (M, D); weight and bias (D,) or None; eps a number."""
    x = float_array("input", x, 2)
    return (x, channel_vector("weight", weight, x.shape[1], x.dtype),
            channel_vector("bias", bias, x.shape[1], x.dtype), real("eps", eps))


def layer_norm_backward_arguments(grad_output: Any, x: Any, mean: Any, rstd: Any,
                                  weight: Any) -> tuple:
    """grad_output and x (M, D), mean and rstd float64 (M,), weight (D,) or None."""
    grad_output, x = norm_grad_inputs(grad_output, x, 2)
    rows, size = x.shape
    return (grad_output, x, vector("mean", mean, rows, np.float64),
            vector("rstd", rstd, rows, np.float64), channel_vector("weight", weight, size, x.dtype))
