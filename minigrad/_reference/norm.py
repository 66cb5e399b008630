"""NumPy twin of csrc/norm.pyx: batch normalization and layer normalization.

Batch norm sees its input as x (N, C, L): channel c's statistics run over the N*L values
x[:, c, :]. Layer norm sees x (M, D): each of the M rows is normalized over its D values.
Statistics are accumulated in float64 whatever the data's dtype.
"""
from __future__ import annotations

import numpy as np

from .._validate.norm import (batch_norm_apply_arguments, batch_norm_backward_arguments,
                              batch_norm_stats_arguments, layer_norm_backward_arguments,
                              layer_norm_forward_arguments)


def _affine(weight: np.ndarray | None, bias: np.ndarray | None, size: int) -> tuple:
    ones, zeros = np.ones(size), np.zeros(size)
    return (ones if weight is None else weight), (zeros if bias is None else bias)


def _finite_or_nan(mean: np.ndarray, x: np.ndarray, axis) -> np.ndarray:
    """mean, NaN where its values are not all finite (PyTorch's Welford mean of inf is NaN)."""
    return np.where(np.isfinite(x).all(axis=axis), mean, np.nan)


def batch_norm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of x (N, C, L), in float64."""
    x = batch_norm_stats_arguments(x)
    if x.shape[0] * x.shape[2] == 0:
        nan = np.full(x.shape[1], np.nan)
        return nan, nan.copy()
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore"):  # an infinity: NaN statistics
        return _finite_or_nan(x64.mean(axis=(0, 2)), x64, (0, 2)), x64.var(axis=(0, 2))


def batch_norm_apply(x: np.ndarray, mean: np.ndarray, var: np.ndarray,
                     weight: np.ndarray | None, bias: np.ndarray | None,
                     eps: float) -> np.ndarray:
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel, for x (N, C, L)."""
    x, mean, var, weight, bias, eps = batch_norm_apply_arguments(x, mean, var, weight, bias,
                                                                 eps)
    channels = x.shape[1]
    gamma, beta = _affine(weight, bias, channels)
    scale = gamma / np.sqrt(var + eps)
    shift = beta - mean * scale
    return (x * scale[:, None] + shift[:, None]).astype(x.dtype)


def batch_norm_backward(grad_output: np.ndarray, x: np.ndarray, mean: np.ndarray,
                        var: np.ndarray, weight: np.ndarray | None, eps: float,
                        training: bool) -> tuple:
    """(grad_input, grad_weight, grad_bias) of batch_norm_apply; the parameter gradients are None
    without weight. In training the statistics are the batch's own, so they depend on x too:

        gx = weight * invstd / M * (M * gy - sum(gy) - xhat * sum(gy * xhat)),  M = N * L;
    in evaluation they are constants: gx = weight * invstd * gy.
    """
    grad_output, x, mean, var, weight, eps, training = batch_norm_backward_arguments(
        grad_output, x, mean, var, weight, eps, training)
    channels = x.shape[1]
    gamma, _ = _affine(weight, None, channels)
    invstd = 1 / np.sqrt(var + eps)
    xhat = (x - mean[:, None]) * invstd[:, None]
    gy = grad_output.astype(np.float64)
    sum_gy = gy.sum(axis=(0, 2))
    sum_gy_xhat = (gy * xhat).sum(axis=(0, 2))
    scale = (gamma * invstd)[:, None]
    if training:
        count = x.shape[0] * x.shape[2]
        grad_input = scale / count * (count * gy - sum_gy[:, None] - xhat * sum_gy_xhat[:, None])
    else:
        grad_input = scale * gy
    grad_input = grad_input.astype(x.dtype)
    if weight is None:
        return grad_input, None, None
    return grad_input, sum_gy_xhat.astype(x.dtype), sum_gy.astype(x.dtype)


def layer_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                       eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, mean, rstd) for x (M, D): y = (x - mean) * rstd * weight + bias row by row,
    rstd = 1 / sqrt(biased var + eps); mean and rstd are float64 (M,) for backward."""
    x, weight, bias, eps = layer_norm_forward_arguments(x, weight, bias, eps)
    gamma, beta = _affine(weight, bias, x.shape[1])
    x64, size = x.astype(np.float64), x.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):  # D == 0 gives NaN statistics
        mean = _finite_or_nan(x64.sum(axis=1) / size, x64, 1)
        centered = x64 - mean[:, None]
        rstd = 1 / np.sqrt((centered * centered).sum(axis=1) / size + eps)
    y = centered * rstd[:, None] * gamma + beta
    return y.astype(x.dtype), mean, rstd


def layer_norm_backward(grad_output: np.ndarray, x: np.ndarray, mean: np.ndarray,
                        rstd: np.ndarray, weight: np.ndarray | None) -> tuple:
    """(grad_input, grad_weight, grad_bias); with g = gy * weight and xhat = (x - mean) * rstd,

        gx = rstd * (g - mean_D(g) - xhat * mean_D(g * xhat)),
        grad_weight = sum over rows of gy * xhat,  grad_bias = sum over rows of gy.
    """
    grad_output, x, mean, rstd, weight = layer_norm_backward_arguments(grad_output, x, mean,
                                                                       rstd, weight)
    rows, size = x.shape
    gamma, _ = _affine(weight, None, size)
    gy = grad_output.astype(np.float64)
    xhat = (x - mean[:, None]) * rstd[:, None]
    g = gy * gamma
    with np.errstate(invalid="ignore", divide="ignore"):
        grad_input = rstd[:, None] * (g - g.sum(axis=1, keepdims=True) / size
                                      - xhat * (g * xhat).sum(axis=1, keepdims=True) / size)
    grad_input = grad_input.astype(x.dtype)
    if weight is None:
        return grad_input, None, None
    return grad_input, (gy * xhat).sum(axis=0).astype(x.dtype), gy.sum(axis=0).astype(x.dtype)
