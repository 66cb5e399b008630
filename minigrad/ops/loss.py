"""Softmax cross-entropy (kernel: csrc/loss.pyx, twin _reference/loss.py) and the NLL loss.

Both take input (N, C) or (N, C, d1, ...) or (C,), with class-index targets (N,) / (N, d1, ...)
/ () or, for cross_entropy, probability targets of the input's shape, and PyTorch's reductions:
'mean' divides the weighted sum by the sum of the weights of the targets that are not ignored
(by the number of rows for probability targets), 'sum' sums, 'none' keeps one loss per target.
Each is a Function with its own backward (as is BCE-with-logits, below); the losses composed of
other ops (L1, MSE, BCE, Huber, ...) are in ops/loss_composed.py.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._validate.loss import float_class_labels_error
from ..autograd import Function
from ..tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def _rows(x: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) -> (N*d1*..., C) with the class dim last; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x[None, :]
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(rows: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of _rows for an array of the input's shape."""
    if len(shape) == 1:
        return rows[0]
    moved = (shape[0],) + shape[2:] + (shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, 1)


def _denominator(target: np.ndarray, weight: np.ndarray | None, ignore_index: int) -> float:
    """What 'mean' divides by: the summed weight of the targets that count."""
    if target.dtype.kind == "f":
        return float(target.shape[0])
    kept = target[target != ignore_index]
    return float(kept.size if weight is None else weight.astype(np.float64)[kept].sum())


class CrossEntropy(Function):
    """Backward: gx = g (softmax(x) * k - target terms), see csrc/loss.pyx for the formula."""

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction, label_smoothing):
        logits = _rows(input)
        rows_target = _rows(target) if target.dtype.kind == "f" else target.reshape(-1)
        kernel = kernels.load("loss", input.dtype)
        losses, probs = kernel.cross_entropy_forward(logits, rows_target, weight, ignore_index,
                                                     label_smoothing,
                                                     num_threads=kernels.get_num_threads())
        ctx.save_for_backward(probs, rows_target, weight)
        ctx.options = (ignore_index, label_smoothing)
        ctx.input_shape, ctx.reduction = input.shape, reduction
        if reduction == "none":  # one loss per target position: the input's shape without C
            return losses.astype(input.dtype).reshape(input.shape[:1] + input.shape[2:]
                                                      if input.ndim > 1 else ())
        total = losses.sum()
        if reduction == "mean":
            ctx.denominator = _denominator(rows_target, weight, ignore_index)
            with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan, as PyTorch
                total = total / ctx.denominator
        return np.asarray(total, dtype=input.dtype)

    @staticmethod
    def backward(ctx, gy):
        probs, rows_target, weight = ctx.saved_tensors
        if ctx.reduction == "none":
            grad_losses = np.asarray(gy, np.float64).reshape(-1)
        else:
            scale = 1.0 / ctx.denominator if ctx.reduction == "mean" else 1.0
            grad_losses = np.full(probs.shape[0], float(gy) * scale)
        kernel = kernels.load("loss", probs.dtype)  # input_grad: the input is the only tensor
        (grad,) = kernel.cross_entropy_backward(grad_losses, probs, rows_target, weight,
                                                *ctx.options, input_grad=True,
                                                num_threads=kernels.get_num_threads())
        return _unrows(grad, ctx.input_shape), None, None


class NLLLoss(Function):
    """loss_i = -w[t_i] x[i, t_i];  gx[i, t_i] = -w[t_i] g_i, zero elsewhere."""

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction):
        logp, t = _rows(input), target.reshape(-1)
        kept = t != ignore_index
        safe = np.where(kept, t, 0)
        w = np.ones(logp.shape[1]) if weight is None else weight.astype(np.float64)
        row_weight = np.where(kept, w[safe], 0.0)
        losses = -row_weight * logp[np.arange(len(t)), safe]
        ctx.save_for_backward(safe, row_weight)
        ctx.input_shape, ctx.reduction, ctx.classes = input.shape, reduction, logp.shape[1]
        if reduction == "none":
            return losses.astype(input.dtype).reshape(target.shape)
        ctx.denominator = row_weight.sum() if reduction == "mean" else 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(losses.sum() / ctx.denominator, dtype=input.dtype)

    @staticmethod
    def backward(ctx, gy):
        safe, row_weight = ctx.saved_tensors
        g = np.asarray(gy, np.float64).reshape(-1) / ctx.denominator if ctx.reduction != \
            "none" else np.asarray(gy, np.float64).reshape(-1)
        grad = np.zeros((len(safe), ctx.classes))
        grad[np.arange(len(safe)), safe] = -row_weight * g
        return _unrows(grad, ctx.input_shape).astype(gy.dtype), None, None


def _check(name: str, input: Tensor, target: Any, weight: Tensor | None, reduction: str,
           allow_probabilities: bool) -> np.ndarray:
    """Shapes, dtypes and options, checked before anything runs; returns the target array."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    target_array = target._array if isinstance(target, Tensor) else np.asarray(target)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a scalar")
    classes = input._array.shape[0] if input.ndim == 1 else input._array.shape[1]
    probabilities = allow_probabilities and target_array.ndim == input.ndim
    if target_array.dtype.kind == "f" and probabilities:
        if target_array.shape != input._array.shape:  # PyTorch: RuntimeError (multi-target)
            raise RuntimeError(f"{name}: probability targets of shape {target_array.shape} do "
                               f"not match input of shape {input._array.shape}")
        if target_array.dtype != input.dtype:
            raise TypeError(f"{name}: probability targets are {target_array.dtype} but the "
                            f"input is {input.dtype}")
    elif target_array.dtype.kind in "iu":
        expected = () if input.ndim == 1 else input._array.shape[:1] + input._array.shape[2:]
        if target_array.shape != expected:
            raise ValueError(f"{name}: target of shape {target_array.shape} does not match input "
                             f"of shape {input._array.shape} (expected target shape {expected})")
    elif target_array.dtype.kind == "f":  # class labels given as floats (PyTorch: expected Long)
        raise float_class_labels_error(f"{name}: ", target_array, input._array.shape if
                                       allow_probabilities else None, "tensor")
    else:
        kinds = "class indices (integers) or probabilities" if allow_probabilities else \
            "class indices (integers)"
        raise TypeError(f"{name}: target must hold {kinds}, got {target_array.dtype}")
    if weight is not None and weight._array.shape != (classes,):
        raise ValueError(f"{name}: weight has shape {weight._array.shape}, expected ({classes},)")
    return target_array


def cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """PyTorch's F.cross_entropy: log-softmax and NLL in one fused, stable kernel."""
    target_array = _check("cross_entropy", input, target, weight, reduction, True)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return CrossEntropy.apply(input, target_array, None if weight is None else weight._array,
                              ignore_index=int(ignore_index), reduction=reduction,
                              label_smoothing=float(label_smoothing))


def nll_loss(input: Tensor, target: Any, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """PyTorch's F.nll_loss over log-probabilities input."""
    target_array = _check("nll_loss", input, target, weight, reduction, False)
    classes = input._array.shape[0] if input.ndim == 1 else input._array.shape[1]
    bad = (target_array != ignore_index) & ((target_array < 0) | (target_array >= classes))
    if bad.any():
        raise IndexError(f"Target {int(target_array[bad].flat[0])} is out of bounds.")
    return NLLLoss.apply(input, target_array, None if weight is None else weight._array,
                         ignore_index=int(ignore_index), reduction=reduction)


class BCEWithLogits(Function):
    """loss = w ((1 - y) x + l softplus(-x)), l = 1 + (pos_weight - 1) y, stable for any x;
    gx = g w ((1 - y) - l sigmoid(-x)). One kernel call (csrc/loss.pyx) computes every
    element's loss and derivative; backward only scales the saved derivatives by g.
    gy (soft targets, distillation) = g w (-x + (pos_weight - 1) softplus(-x)): -x from
    (1 - y) x, and dl/dy = pos_weight - 1 times softplus(-x); computed in NumPy in backward,
    and x, w, pos_weight kept for it, only when the target requires grad."""

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight, reduction):
        losses, grad, total = kernels.load("loss", x.dtype).bce_with_logits(
            x.reshape(-1), y.reshape(-1), weight, pos_weight)
        wants_target_grad = getattr(ctx, "needs_input_grad", (False, False))[1]
        ctx.save_for_backward(grad.reshape(x.shape), *((x, weight, pos_weight)
                                                       if wants_target_grad else ()))
        ctx.scale = 1 / x.size if reduction == "mean" and x.size else 1
        if reduction == "none":
            return losses.reshape(x.shape)
        if reduction == "mean" and x.size == 0:
            total = np.nan  # PyTorch's mean of nothing
        return np.asarray(total * ctx.scale, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        grad, *target_inputs = ctx.saved_tensors
        g = gy * ctx.scale
        gy_target = _bce_target_derivative(*target_inputs) * g if target_inputs else None
        return grad * g, gy_target, None, None


def _bce_target_derivative(x: np.ndarray, weight: np.ndarray | None,
                           pos_weight: np.ndarray | None) -> np.ndarray:
    """d loss / d y = w (-x + (pos_weight - 1) softplus(-x)), in x's shape and dtype."""
    x64 = x.astype(np.float64).reshape(-1)
    derivative = -x64
    if pos_weight is not None:
        derivative = derivative + (pos_weight - 1.0) * np.logaddexp(0.0, -x64)
    if weight is not None:
        derivative = derivative * weight
    return derivative.reshape(x.shape).astype(x.dtype)


def _broadcast_flat(name: str, array: Any, input: Tensor) -> np.ndarray | None:
    """An optional weight broadcast to the input's shape, flat, in the input's dtype."""
    if array is None:
        return None
    array = np.asarray(array._array if isinstance(array, Tensor) else array, input.dtype)
    try:
        return np.broadcast_to(array, input._array.shape).reshape(-1)
    except ValueError:
        raise ValueError(f"binary_cross_entropy_with_logits: {name} of shape {array.shape} does "
                         f"not broadcast to the input's shape {input._array.shape}") from None


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Tensor | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """PyTorch's F.binary_cross_entropy_with_logits: sigmoid and BCE in one stable formula."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"binary_cross_entropy_with_logits: reduction must be one of "
                         f"{REDUCTIONS}, got {reduction!r}")
    y = target if isinstance(target, Tensor) else np.asarray(target)
    target_shape = y._array.shape if isinstance(y, Tensor) else y.shape
    if target_shape != input._array.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target of shape {target_shape} does "
                         f"not match input of shape {input._array.shape}")
    if isinstance(y, Tensor):
        if y._array.dtype != input._array.dtype:  # through the differentiable cast, for its grad
            y = y.to(input._array.dtype)
    else:
        y = y.astype(input._array.dtype, copy=False)
    extras = [_broadcast_flat(name, t, input) for name, t in (("weight", weight),
                                                               ("pos_weight", pos_weight))]
    return BCEWithLogits.apply(input, y, *extras, reduction=reduction)
