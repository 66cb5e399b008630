"""Arguments of the loss kernels: softmax cross-entropy and BCE with logits (csrc/loss.pyx)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import (INT64_RANGE, channel_vector, flag, float_array, integer, real, thread_count,
               vector)


def class_targets(target: Any, rows: int, classes: int, ignore_index: int) -> np.ndarray:
    """Class-index targets: an integer (rows,) array with every value in [0, classes) or equal to
    ignore_index (IndexError naming the first bad value, as PyTorch)."""
    if not isinstance(target, np.ndarray) or target.dtype.kind not in "iu":
        kind = type(target).__name__ if not isinstance(target, np.ndarray) else target.dtype
        raise TypeError(f"class-index targets must be an integer array, got {kind}")
    if target.shape != (rows,):
        raise ValueError(f"target has shape {target.shape}, expected ({rows},)")
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bad.any():
        raise IndexError(f"Target {int(target[bad][0])} is out of bounds (expected a class in "
                         f"[0, {classes}) or ignore_index={ignore_index}).")
    return np.ascontiguousarray(target, dtype=np.int64)


def float_class_labels_error(prefix: str, target: np.ndarray, input_shape: tuple | None,
                             noun: str = "array") -> RuntimeError:
    """The error for float targets that cannot be probabilities (not of the input's rank, or
    where probabilities are not allowed, input_shape None): class indices must be integers.
    A RuntimeError, as PyTorch's ('expected target dtype to be Long or Byte')."""
    hint = "" if input_shape is None else \
        f" (probability targets must have the input's shape {input_shape})"
    return RuntimeError(f"{prefix}expected a Long (integer) {noun} of class indices, got "
                     f"{target.dtype} of shape {target.shape}{hint}")


def loss_targets(target: Any, logits: np.ndarray, ignore_index: int) -> np.ndarray:
    """Targets for cross-entropy over logits (N, C): class indices (N,) or probabilities (N, C)
    of the logits' dtype."""
    if isinstance(target, np.ndarray) and target.dtype.kind == "f":
        if target.ndim != 2:
            raise float_class_labels_error("target: ", target, logits.shape)
        target = float_array("target", target, 2, logits.dtype)
        if target.shape != logits.shape:
            raise ValueError(f"probability targets have shape {target.shape}, expected "
                             f"{logits.shape} (the logits' shape)")
        return target
    return class_targets(target, logits.shape[0], logits.shape[1], ignore_index)


def cross_entropy_arguments(logits: Any, target: Any, weight: Any, ignore_index: Any,
                            label_smoothing: Any, num_threads: Any) -> tuple:
    """(logits, target, weight, ignore_index, label_smoothing, num_threads): logits (N, C);
    target class indices (N,) or probabilities (N, C); weight float64 (C,) (ones for None);
    ignore_index an int64; label_smoothing in [0, 1]; num_threads an int >= 1."""
    logits = float_array("input", logits, 2)
    ignore_index = integer("ignore_index", ignore_index, *INT64_RANGE)
    label_smoothing = real("label_smoothing", label_smoothing)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    target = loss_targets(target, logits, ignore_index)
    weight = channel_vector("weight", weight, logits.shape[1], logits.dtype)
    weight = np.ones(logits.shape[1]) if weight is None else weight.astype(np.float64)
    return logits, target, weight, ignore_index, label_smoothing, thread_count(num_threads)


def cross_entropy_backward_arguments(grad_losses: Any, probs: Any, target: Any, weight: Any,
                                     ignore_index: Any, label_smoothing: Any, input_grad: Any,
                                     num_threads: Any) -> tuple:
    """grad_losses float64 (N,), then as cross_entropy_arguments with probs for the logits,
    input_grad (a bool) before num_threads."""
    probs, target, weight, ignore_index, label_smoothing, num_threads = cross_entropy_arguments(
        probs, target, weight, ignore_index, label_smoothing, num_threads)
    grad_losses = vector("grad_losses", grad_losses, probs.shape[0], np.float64)
    return (grad_losses, probs, target, weight, ignore_index, label_smoothing,
            flag("input_grad", input_grad), num_threads)


def bce_inputs(x: Any, y: Any, weight: Any, pos_weight: Any) -> tuple:
    """Logits x (n,), targets y (n,), optional weight and pos_weight (n,): one float dtype."""
    x = float_array("input", x, 1)
    return (x, vector("target", y, x.shape[0], x.dtype),
            *(channel_vector(name, array, x.shape[0], x.dtype) for name, array in
              (("weight", weight), ("pos_weight", pos_weight))))
