"""Batch normalization and layer normalization (kernels: csrc/batch_norm.pyx and
csrc/layer_norm.pyx, twins _reference/batch_norm.py and _reference/layer_norm.py).

Batch norm normalizes each channel of x (N, C, *) with statistics over the batch and every
position; layer norm normalizes each sample over its trailing `normalized_shape` dims:

    y = (x - mean) / sqrt(var + eps) * weight + bias        (var biased)

In training, batch norm uses the batch's statistics and moves the running ones towards them,
running = (1 - momentum) * running + momentum * batch, with the unbiased variance var * M/(M-1)
(M values per channel), as PyTorch does; in evaluation it uses the running statistics.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import kernels
from ..autograd import Function
from ..tensor import Tensor
from ._util import needs


class BatchNorm(Function):
    """Backward (training): gx = w invstd / M (M gy - sum gy - xhat sum(gy xhat)),
    gw = sum gy xhat, gb = sum gy; in evaluation gx = w invstd gy."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        x3 = x.reshape(x.shape[0], x.shape[1], -1)
        kernel, threads = kernels.load("batch_norm", x.dtype), kernels.get_num_threads()
        if training:
            mean, var = kernel.batch_norm_stats(x3, num_threads=threads)
            if running_mean is not None:
                _update_running_stats(running_mean, running_var, mean, var, momentum,
                                      x3.shape[0] * x3.shape[2])
        else:
            mean, var = running_mean.astype(np.float64), running_var.astype(np.float64)
        ctx.save_for_backward(x3, mean, var, weight)
        ctx.x_shape, ctx.training, ctx.eps = x.shape, training, eps
        return kernel.batch_norm_apply(x3, mean, var, weight, bias, eps,
                                       num_threads=threads).reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x3, mean, var, weight = ctx.saved_tensors
        kernel = kernels.load("batch_norm", x3.dtype)
        gx, gw, gb = kernel.batch_norm_backward(
            gy.reshape(x3.shape), x3, mean, var, weight, ctx.eps, ctx.training,
            input_grad=needs(ctx, 0), weight_grad=needs(ctx, 1), bias_grad=needs(ctx, 2),
            num_threads=kernels.get_num_threads())
        return None if gx is None else gx.reshape(ctx.x_shape), gw, gb, None, None


def _update_running_stats(running_mean: np.ndarray, running_var: np.ndarray, mean: np.ndarray,
                          var: np.ndarray, momentum: float, count: int) -> None:
    """In place: running = (1 - momentum) running + momentum batch, the variance unbiased
    (var M / (M - 1)); six NumPy calls on the buffers themselves (ten with temporaries took
    15 us a call for 1,024 channels, a tenth of a BatchNorm1d forward on 256 x 1024)."""
    for running, batch, factor in ((running_mean, mean, momentum),
                                   (running_var, var, momentum * count / (count - 1))):
        np.multiply(running, 1 - momentum, out=running)
        running += factor * batch


class LayerNorm(Function):
    """Backward: with g = gy w, gx = rstd (g - mean(g) - xhat mean(g xhat)) over the normalized
    values; gw = sum gy xhat, gb = sum gy over the other dims."""

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_ndim, eps):
        lead = x.ndim - normalized_ndim
        size = math.prod(x.shape[lead:])
        x2 = x.reshape(math.prod(x.shape[:lead]), size)
        kernel = kernels.load("layer_norm", x.dtype)
        w = None if weight is None else weight.reshape(size)
        b = None if bias is None else bias.reshape(size)
        y, mean, rstd = kernel.layer_norm_forward(x2, w, b, eps,
                                                  num_threads=kernels.get_num_threads())
        ctx.save_for_backward(x2, mean, rstd, w)
        ctx.x_shape, ctx.weight_shape = x.shape, x.shape[lead:]
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x2, mean, rstd, weight = ctx.saved_tensors
        kernel = kernels.load("layer_norm", x2.dtype)
        gx, gw, gb = kernel.layer_norm_backward(
            gy.reshape(x2.shape), x2, mean, rstd, weight, input_grad=needs(ctx, 0),
            weight_grad=needs(ctx, 1), bias_grad=needs(ctx, 2),
            num_threads=kernels.get_num_threads())
        return tuple(None if g is None else g.reshape(shape)
                     for g, shape in ((gx, ctx.x_shape), (gw, ctx.weight_shape),
                                      (gb, ctx.weight_shape)))


def _check_channel_tensor(name: str, t: Tensor | None, channels: int, dtype: np.dtype,
                          input_shape: tuple) -> None:
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"batch_norm: {name} must be a Tensor or None, got {type(t).__name__}")
    if t._array.shape != (channels,):
        raise ValueError(f"batch_norm: {name} has shape {t._array.shape}, expected ({channels},) "
                         f"for input of shape {input_shape}")
    if name in ("weight", "bias") and t.dtype != dtype:
        raise TypeError(f"batch_norm: {name} is {t.dtype} but the input is {dtype}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """PyTorch's F.batch_norm over input (N, C, *): training normalizes with the batch's
    statistics and updates running_mean / running_var in place (when given); evaluation uses
    them. Every argument is checked before any state changes."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input with at least 2 dimensions (N, C, ...), "
                         f"got shape {input.shape}")
    channels = input._array.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channel_tensor(name, t, channels, input.dtype, input._array.shape)
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: running_mean and running_var must both be given or both None")
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
    values_per_channel = input.numel() // max(channels, 1)
    if training and values_per_channel == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{input._array.shape}")
    if input.numel() == 0:
        return input * 1.0  # nothing to normalize; statistics stay as they are
    running = (None, None) if running_mean is None else (running_mean._array, running_var._array)
    return BatchNorm.apply(input, weight, bias, *running, training=bool(training),
                           momentum=float(momentum), eps=float(eps))


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """PyTorch's F.layer_norm: normalize over the trailing dims given by normalized_shape."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    trailing = input._array.shape[input.ndim - len(shape):]
    if len(shape) == 0 or trailing != shape or input.ndim < len(shape):
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the trailing "
                         f"dims of input of shape {input._array.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._array.shape != shape:
            raise ValueError(f"layer_norm: {name} has shape {t._array.shape}, expected {shape}")
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"layer_norm: {name} is {t.dtype} but the input is {input.dtype}")
    return LayerNorm.apply(input, weight, bias, normalized_ndim=len(shape), eps=float(eps))
