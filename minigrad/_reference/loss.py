"""NumPy twin of csrc/loss.pyx: softmax cross-entropy over logits (N, C), fused and stable.

With log-probabilities logp = x - lse(x) (lse the log-sum-exp of the row), class weights w,
label smoothing eps and C classes, a row's loss is
    class index t:    (1 - eps) w_t (-logp_t) + eps/C sum_c w_c (-logp_c)   (0 when t is ignored)
    probabilities y:  -sum_c w_c y'_c logp_c,  y' = (1 - eps) y + eps/C
and its gradient with respect to the logits, p = softmax(x),
    class index t:    p_c ((1 - eps) w_t + eps W/C) - (1 - eps) w_t [c = t] - eps w_c/C,  W = sum w
    probabilities y:  p_c sum_k w_k y'_k - w_c y'_c.
"""
from __future__ import annotations

import numpy as np

from .._validate.loss import bce_inputs, cross_entropy_arguments, cross_entropy_backward_arguments


def _smoothed(target: np.ndarray, classes: int, label_smoothing: float) -> np.ndarray:
    return (1 - label_smoothing) * target.astype(np.float64) + label_smoothing / classes


def cross_entropy_forward(logits: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
                          ignore_index: int, label_smoothing: float, *,
                          num_threads: int) -> tuple:
    """(losses, probs): each row's loss in float64 (N,), and softmax(logits) (N, C) in the
    logits' dtype, kept for backward. num_threads is checked and unused (NumPy's threads)."""
    logits, target, w, ignore_index, label_smoothing, _ = cross_entropy_arguments(
        logits, target, weight, ignore_index, label_smoothing, num_threads)
    x = logits.astype(np.float64)
    rows, classes = x.shape
    if rows == 0 or classes == 0:
        return np.zeros(rows), np.empty_like(logits)
    top = x.max(axis=1, keepdims=True)
    lse = top + np.log(np.exp(x - top).sum(axis=1, keepdims=True))
    logp = x - lse
    if target.ndim == 2:
        losses = -(w * _smoothed(target, classes, label_smoothing) * logp).sum(axis=1)
    else:
        kept = target != ignore_index
        t = np.where(kept, target, 0)
        picked = np.take_along_axis(logp, t[:, None], axis=1)[:, 0]
        losses = (-(1 - label_smoothing) * w[t] * picked
                  - label_smoothing / classes * (w * logp).sum(axis=1))
        losses = np.where(kept, losses, 0.0)
    return losses, np.exp(logp).astype(logits.dtype)


def cross_entropy_backward(grad_losses: np.ndarray, probs: np.ndarray, target: np.ndarray,
                           weight: np.ndarray | None, ignore_index: int, label_smoothing: float,
                           *, input_grad: bool, num_threads: int) -> tuple:
    """(grad_input,): d(sum_i grad_losses_i loss_i) / d logits, (N, C) in the probabilities'
    dtype, or None when input_grad is False. num_threads is checked and unused (NumPy's)."""
    grad_losses, probs, target, w, ignore_index, label_smoothing, input_grad, _ = \
        cross_entropy_backward_arguments(grad_losses, probs, target, weight, ignore_index,
                                         label_smoothing, input_grad, num_threads)
    if not input_grad:
        return (None,)
    if probs.size == 0:
        return (np.empty_like(probs),)
    p = probs.astype(np.float64)
    rows, classes = p.shape
    if target.ndim == 2:
        y = _smoothed(target, classes, label_smoothing)
        grad = p * (w * y).sum(axis=1, keepdims=True) - w * y
    else:
        kept = target != ignore_index
        t = np.where(kept, target, 0)
        w_t = (1 - label_smoothing) * w[t][:, None]
        grad = p * (w_t + label_smoothing * w.sum() / classes) - label_smoothing * w / classes
        grad[np.arange(rows), t] -= w_t[:, 0]
        grad[~kept] = 0
    return ((grad * grad_losses[:, None]).astype(probs.dtype),)


def bce_with_logits(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None,
                    pos_weight: np.ndarray | None) -> tuple:
    """(losses, grad, total) of the logistic loss on flat logits x and targets y:
        losses = w ((1 - y) x + l softplus(-x)),  l = 1 + (pos_weight - 1) y,
        grad   = d losses / d x = w ((1 - y) - l sigmoid(-x)),   total = sum(losses) in float64,
    with softplus(-x) = log1p(e^-|x|) + max(-x, 0) and sigmoid(-x) = (x < 0 ? 1 : e^-|x|) /
    (1 + e^-|x|): only exponents <= 0, finite for any x. losses and grad in x's dtype."""
    x, y, weight, pos_weight = bce_inputs(x, y, weight, pos_weight)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    scale = 1.0 if pos_weight is None else 1 + (pos_weight - 1.0) * y64
    w = 1.0 if weight is None else weight.astype(np.float64)
    decay = np.exp(-np.abs(x64))
    losses = w * ((1 - y64) * x64 + scale * (np.log1p(decay) + np.maximum(-x64, 0)))
    grad = w * ((1 - y64) - scale * np.where(x64 < 0, 1.0, decay) / (1 + decay))
    return losses.astype(x.dtype), grad.astype(x.dtype), float(losses.sum())
