"""Dropout (inverted), alpha dropout and Gaussian dropout (kernels: csrc/dropout.pyx, twin
_reference/dropout.py). Each call draws one 63-bit seed from minigrad's generator; the kernel
turns it into the mask, so mg.manual_seed makes masks repeatable on either backend.

    dropout            y = x k / (1 - p),  k ~ Bernoulli(1 - p)         gx = gy k / (1 - p)
    alpha_dropout      y = a (x k + alpha' (1 - k)) + b                 gx = gy k a
    gaussian_dropout   y = x n,  n ~ N(1, p / (1 - p))                  gx = gy n
"""
from __future__ import annotations

from .. import kernels
from .._validate.dropout import dropout_probability
from ..autograd import Function
from ..random import numpy_rng
from ..tensor import Tensor

KINDS = ("dropout", "alpha_dropout", "gaussian_dropout")


class Dropout(Function):
    """One Function for the three kinds: forward keeps the mask, backward is gy * mask * scale."""

    @staticmethod
    def forward(ctx, x, p, seed, kind):
        kernel = kernels.load("dropout", x.dtype)
        y, mask = getattr(kernel, kind + "_forward")(x.reshape(-1), p, seed,
                                                     num_threads=kernels.get_num_threads())
        scale = {"dropout": 1 / (1 - p), "gaussian_dropout": 1.0}.get(kind)
        ctx.scale = kernel.alpha_coefficients(p)[0] if scale is None else scale
        ctx.save_for_backward(mask)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        (mask,) = ctx.saved_tensors
        kernel = kernels.load("dropout", gy.dtype)
        gx = kernel.masked_scale(gy.reshape(-1), mask, ctx.scale,
                                 num_threads=kernels.get_num_threads())
        return gx.reshape(gy.shape), None, None, None


def _apply(kind: str, input: Tensor, p: float, training: bool) -> Tensor:
    p = dropout_probability(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        if kind == "gaussian_dropout":
            raise ValueError("gaussian_dropout needs p < 1 (its noise variance p / (1 - p) is "
                             "infinite at p = 1)")
        return input * 0.0
    seed = int(numpy_rng().integers(0, 2 ** 63))
    return Dropout.apply(input, p, seed, kind=kind)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """PyTorch's F.dropout: zero each element with probability p, scale the rest by 1/(1 - p);
    the identity when not training. inplace is accepted for compatibility; the result is new."""
    return _apply("dropout", input, p, training)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """PyTorch's F.alpha_dropout: dropout for SELU networks that keeps mean 0 and variance 1."""
    return _apply("alpha_dropout", input, p, training)


def gaussian_dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Multiplicative Gaussian noise N(1, p / (1 - p)) (Keras' GaussianDropout; not in PyTorch)."""
    return _apply("gaussian_dropout", input, p, training)
