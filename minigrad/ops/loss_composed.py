"""Losses composed of differentiable ops (their gradients follow from the ops'): L1, MSE, BCE,
soft margin, multi-label soft margin, Huber, smooth L1 and KL divergence, with PyTorch's
definitions and `reduction` ('none', 'mean', 'sum'; KL also 'batchmean'). The fused
cross-entropy and BCE-with-logits are in ops/loss.py."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from .activation import softplus
from .elementwise import abs, clamp, exp, log, where
from .loss import REDUCTIONS


def _target(name: str, input: Tensor, target: Any) -> Tensor:
    target = _as_tensor(input, target)
    if target._array.shape != input._array.shape:
        raise ValueError(f"{name}: target of shape {target._array.shape} does not match input "
                         f"of shape {input._array.shape}")
    return target


def _as_tensor(input: Tensor, target: Any) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor._make(
        np.asarray(target, dtype=input.dtype))


def _broadcast_target(name: str, input: Tensor, target: Any) -> Tensor:
    """The target of a regression loss: of another shape, broadcast against the input with
    PyTorch's UserWarning (an (N, 1) output against an (N,) target is the classic mistake:
    the loss is then taken over N x N pairs), RuntimeError when the shapes do not broadcast."""
    target = _as_tensor(input, target)
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(f"{name}: target of shape {target._array.shape} does not "
                               f"broadcast with input of shape {input._array.shape}") from None
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)
    return target


def _reduce(name: str, losses: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.mean()
    raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x - y|."""
    return _reduce("l1_loss", abs(input - _broadcast_target("l1_loss", input, target)), reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(x - y)^2."""
    difference = input - _broadcast_target("mse_loss", input, target)
    return _reduce("mse_loss", difference * difference, reduction)


def binary_cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-w (y log p + (1 - y) log(1 - p)) for probabilities p, each log clamped at -100 (PyTorch)."""
    y = _target("binary_cross_entropy", input, target)
    if (input._array < 0).any() or (input._array > 1).any():
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
    losses = -(y * clamp(log(input), min=-100) + (1 - y) * clamp(log(1 - input), min=-100))
    return _reduce("binary_cross_entropy", losses if weight is None else losses * weight,
                   reduction)


def soft_margin_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """log(1 + e^(-y x)) for targets y in {-1, 1}."""
    y = _target("soft_margin_loss", input, target)
    return _reduce("soft_margin_loss", softplus(-(y * input)), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Tensor | None = None,
                                reduction: str = "mean") -> Tensor:
    """Per sample, the mean over classes of -w (y log sigmoid(x) + (1 - y) log sigmoid(-x))."""
    y = _target("multilabel_soft_margin_loss", input, target)
    losses = y * softplus(-input) + (1 - y) * softplus(input)  # -log sigmoid(+-x) = softplus(-+x)
    if weight is not None:
        losses = losses * weight
    return _reduce("multilabel_soft_margin_loss", losses.mean(dim=-1), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta), d = x - y."""
    d = input - _broadcast_target("huber_loss", input, target)
    size = abs(d)
    losses = where(size < delta, 0.5 * d * d, delta * (size - 0.5 * delta))
    return _reduce("huber_loss", losses, reduction)


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta (beta = 0: L1)."""
    d = input - _broadcast_target("smooth_l1_loss", input, target)
    size = abs(d)
    if beta == 0:
        return _reduce("smooth_l1_loss", size, reduction)
    return _reduce("smooth_l1_loss", where(size < beta, 0.5 * d * d / beta, size - 0.5 * beta),
                   reduction)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise, input being log-probabilities: y (log y - x), with
    0 where y = 0; log_target: e^t (t - x). 'batchmean' divides the sum by the batch size."""
    t = _target("kl_div", input, target)
    if log_target:
        losses = exp(t) * (t - input)
    else:
        safe = where(t > 0, t, 1.0)  # y log y is 0 at y = 0, and its log must stay finite
        losses = where(t > 0, t * (log(safe) - input), 0.0 * input)
    if reduction == "batchmean":
        return losses.sum() / input._array.shape[0]
    return _reduce("kl_div", losses, reduction)
