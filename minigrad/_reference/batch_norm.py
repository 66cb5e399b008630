"""NumPy twin of csrc/batch_norm.pyx: batch normalization.

Batch norm sees its input as x (N, C, L): channel c's statistics run over the N*L values
x[:, c, :]. Statistics are accumulated in float64 whatever the data's dtype. num_threads is
taken for the compiled kernels' signature and unused here (NumPy runs on its own threads).
"""
from __future__ import annotations

import numpy as np

from .._validate.batch_norm import (batch_norm_apply_arguments, batch_norm_backward_arguments,
                                    batch_norm_stats_arguments)


def _affine(weight: np.ndarray | None, bias: np.ndarray | None, size: int) -> tuple:
    ones, zeros = np.ones(size), np.zeros(size)
    return (ones if weight is None else weight), (zeros if bias is None else bias)


def batch_norm_stats(x: np.ndarray, *, num_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of x (N, C, L), in float64."""
    x, _ = batch_norm_stats_arguments(x, num_threads)
    if x.shape[0] * x.shape[2] == 0:
        nan = np.full(x.shape[1], np.nan)
        return nan, nan.copy()
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore"):  # an infinity: NaN statistics
        mean = x64.mean(axis=(0, 2))
        # NaN where a channel's values are not all finite (PyTorch's Welford mean of inf is NaN)
        return np.where(np.isfinite(x64).all(axis=(0, 2)), mean, np.nan), x64.var(axis=(0, 2))


def batch_norm_apply(x: np.ndarray, mean: np.ndarray, var: np.ndarray,
                     weight: np.ndarray | None, bias: np.ndarray | None, eps: float, *,
                     num_threads: int) -> np.ndarray:
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel, for x (N, C, L)."""
    x, mean, var, weight, bias, eps, _ = batch_norm_apply_arguments(x, mean, var, weight, bias,
                                                                    eps, num_threads)
    channels = x.shape[1]
    gamma, beta = _affine(weight, bias, channels)
    scale = gamma / np.sqrt(var + eps)
    shift = beta - mean * scale
    return (x * scale[:, None] + shift[:, None]).astype(x.dtype)


def batch_norm_backward(grad_output: np.ndarray, x: np.ndarray, mean: np.ndarray,
                        var: np.ndarray, weight: np.ndarray | None, eps: float, training: bool,
                        *, input_grad: bool, weight_grad: bool, bias_grad: bool,
                        num_threads: int) -> tuple:
    """(grad_input, grad_weight, grad_bias) of batch_norm_apply, None where not asked for. In
    training the statistics are the batch's own, so they depend on x too:

        gx = weight * invstd / M * (M * gy - sum(gy) - xhat * sum(gy * xhat)),  M = N * L;
    in evaluation they are constants: gx = weight * invstd * gy. grad_weight = sum(gy * xhat),
    grad_bias = sum(gy).
    """
    (grad_output, x, mean, var, weight, eps, training, input_grad, weight_grad, bias_grad,
     _) = batch_norm_backward_arguments(grad_output, x, mean, var, weight, eps, training,
                                        input_grad, weight_grad, bias_grad, num_threads)
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
    return (grad_input.astype(x.dtype) if input_grad else None,
            sum_gy_xhat.astype(x.dtype) if weight_grad else None,
            sum_gy.astype(x.dtype) if bias_grad else None)
