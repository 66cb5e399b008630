"""NumPy twin of csrc/layer_norm.pyx: layer normalization.

Layer norm sees x (M, D): each of the M rows is normalized over its D values. Statistics are
accumulated in float64 whatever the data's dtype. num_threads is taken for the compiled
kernels' signature and unused here (NumPy runs on its own threads).
"""
from __future__ import annotations

import numpy as np

from .._validate.layer_norm import layer_norm_backward_arguments, layer_norm_forward_arguments


def layer_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                       eps: float, *,
                       num_threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, mean, rstd) for x (M, D): y = (x - mean) * rstd * weight + bias row by row,
    rstd = 1 / sqrt(biased var + eps); mean and rstd are float64 (M,) for backward."""
    x, weight, bias, eps, _ = layer_norm_forward_arguments(x, weight, bias, eps, num_threads)
    size = x.shape[1]
    gamma = np.ones(size) if weight is None else weight
    beta = np.zeros(size) if bias is None else bias
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # D == 0 gives NaN statistics
        mean = x64.sum(axis=1) / size
        # NaN where a row's values are not all finite (PyTorch's Welford mean of inf is NaN)
        mean = np.where(np.isfinite(x64).all(axis=1), mean, np.nan)
        centered = x64 - mean[:, None]
        rstd = 1 / np.sqrt((centered * centered).sum(axis=1) / size + eps)
    y = centered * rstd[:, None] * gamma + beta
    return y.astype(x.dtype), mean, rstd


def layer_norm_backward(grad_output: np.ndarray, x: np.ndarray, mean: np.ndarray,
                        rstd: np.ndarray, weight: np.ndarray | None, *, input_grad: bool,
                        weight_grad: bool, bias_grad: bool, num_threads: int) -> tuple:
    """(grad_input, grad_weight, grad_bias), None where not asked for; with g = gy * weight and
    xhat = (x - mean) * rstd,

        gx = rstd * (g - mean_D(g) - xhat * mean_D(g * xhat)),
        grad_weight = sum over rows of gy * xhat,  grad_bias = sum over rows of gy.
    """
    (grad_output, x, mean, rstd, weight, input_grad, weight_grad, bias_grad,
     _) = layer_norm_backward_arguments(grad_output, x, mean, rstd, weight, input_grad,
                                        weight_grad, bias_grad, num_threads)
    size = x.shape[1]
    gamma = np.ones(size) if weight is None else weight
    gy = grad_output.astype(np.float64)
    xhat = (x - mean[:, None]) * rstd[:, None]
    g = gy * gamma
    with np.errstate(invalid="ignore", divide="ignore"):
        grad_input = rstd[:, None] * (g - g.sum(axis=1, keepdims=True) / size
                                      - xhat * (g * xhat).sum(axis=1, keepdims=True) / size)
    return (grad_input.astype(x.dtype) if input_grad else None,
            (gy * xhat).sum(axis=0).astype(x.dtype) if weight_grad else None,
            gy.sum(axis=0).astype(x.dtype) if bias_grad else None)
