"""Gradient clipping by total norm and by value (PyTorch's clip_grad_norm_ / clip_grad_value_)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ...creation import tensor
from ...tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not all(isinstance(p, Tensor) for p in params):
        raise TypeError("parameters must be a Tensor or an iterable of Tensors, got "
                        f"{sorted({type(p).__name__ for p in params})}")
    return [p.grad._array for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients in place so that their total norm is at most max_norm.

    total = || (||g_1||, ..., ||g_k||) ||  (the norm_type-norm of the per-parameter norms, which
    is the norm of all gradients concatenated); each g is multiplied by
    min(1, max_norm / (total + 1e-6)). Returns the total norm before clipping.
    """
    max_norm, norm_type = float(max_norm), float(norm_type)  # ValueError for 'a', as PyTorch
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    norms = np.array([np.linalg.norm(g.ravel(), norm_type) for g in grads])
    total = float(np.linalg.norm(norms, norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    scale = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= g.dtype.type(scale)
    return tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
