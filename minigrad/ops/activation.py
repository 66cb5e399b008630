"""Activations: relu, leaky_relu, elu, selu, softplus, sigmoid, tanh (PyTorch's definitions).

NaN propagates through every forward (np.maximum keeps NaN); the derivative masks are taken from
the input or, where cheaper, from the saved output.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import floating

# SELU's constants (Klambauer et al. 2017): they make N(0, 1) inputs keep mean 0 and variance 1.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (y > 0)


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * np.where(x > 0, 1, ctx.negative_slope).astype(gy.dtype, copy=False)


class ELU(Function):
    """elu(x) = x for x > 0, alpha (e^x - 1) otherwise; scale multiplies both (SELU)."""

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0):
        negative = alpha * np.expm1(np.minimum(x, 0))
        ctx.save_for_backward(x, negative)
        ctx.alpha, ctx.scale = alpha, scale
        return scale * np.where(x > 0, x, negative)

    @staticmethod
    def backward(ctx, gy):
        x, negative = ctx.saved_tensors
        alpha_exp_x = negative + ctx.alpha  # d/dx alpha (e^x - 1) = alpha e^x
        return gy * ctx.scale * np.where(x > 0, 1, alpha_exp_x)


class Softplus(Function):
    """softplus(x) = log(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        scaled = beta * x
        return np.where(scaled > threshold, x, np.logaddexp(0, scaled) / beta).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        scaled = ctx.beta * x
        return gy * np.where(scaled > ctx.threshold, 1, expit(scaled)).astype(gy.dtype)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        y = expit(x)  # stable for large |x|
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * (1 - y)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1 - y * y)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return ReLU.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return LeakyReLU.apply(input, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return ELU.apply(input, alpha=alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return ELU.apply(input, alpha=SELU_ALPHA, scale=SELU_SCALE)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(input, beta=beta, threshold=threshold)


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(floating(input))


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(floating(input))
