"""Regularization beyond the optimizers' weight decay: L1/L2 penalties to add to a loss, the
Keras-style constraints applied after a step (max-norm, unit-norm, non-negativity), and weight
normalization w = g v / ||v||."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ... import ops
from ...autograd import no_grad
from ...tensor import Tensor
from ..module import Module, Parameter


def l1_penalty(params: Iterable[Tensor]) -> Tensor:
    """sum |w| over all parameters (differentiable); the loss gets lambda * l1_penalty(...)."""
    return sum(ops.abs(p).sum() for p in params)


def l2_penalty(params: Iterable[Tensor]) -> Tensor:
    """sum w^2 over all parameters (differentiable). The texts write the L2 term as
    (lambda / 2) ||w||^2, whose gradient lambda w is what `weight_decay=lambda` adds: use
    0.5 * lambda * l2_penalty(params) to match it."""
    return sum((p * p).sum() for p in params)


def _norms(w: np.ndarray, dim: int) -> np.ndarray:
    """The L2 norm of each slice along dim, keeping dims for broadcasting."""
    axes = tuple(i for i in range(w.ndim) if i != dim % w.ndim)
    return np.sqrt((w * w).sum(axis=axes, keepdims=True))


def max_norm_(params: Iterable[Tensor], max_val: float, dim: int = 0) -> None:
    """Rescale in place every slice along dim (every output unit for dim=0) whose L2 norm
    exceeds max_val down to max_val (Keras' MaxNorm, applied after an optimizer step)."""
    with no_grad():
        for p in params:
            norms = _norms(p._array, dim)
            p._array *= np.minimum(1.0, max_val / np.maximum(norms, 1e-12)).astype(p.dtype)


def unit_norm_(params: Iterable[Tensor], dim: int = 0) -> None:
    """Rescale every slice along dim to L2 norm 1 in place (Keras' UnitNorm)."""
    with no_grad():
        for p in params:
            p._array /= np.maximum(_norms(p._array, dim), 1e-12).astype(p.dtype)


def non_neg_(params: Iterable[Tensor]) -> None:
    """Clip negative weights to 0 in place (Keras' NonNeg)."""
    for p in params:
        np.maximum(p._array, 0, out=p._array)


class _WeightNorm:
    """Recomputes module.<name> = g * v / ||v|| (norm over all dims but `dim`) before forward."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute(self, module: Module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        axes = tuple(i for i in range(v.ndim) if i != self.dim % v.ndim)
        norm = ops.sqrt((v * v).sum(dim=axes, keepdim=True))
        return g * v / norm


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """Reparametrize module.<name> as g * v / ||v|| with parameters <name>_g (the norms, shape
    keeping dim) and <name>_v (the direction), as torch.nn.utils.weight_norm; returns module."""
    weight = getattr(module, name)
    rule = _WeightNorm(name, dim)
    norms = _norms(weight._array, dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(norms.astype(weight.dtype)))
    module.register_parameter(name + "_v", Parameter(weight._array.copy()))
    original_forward = module.forward

    def forward(*args, **kwargs):
        object.__setattr__(module, name, rule.compute(module))
        return original_forward(*args, **kwargs)

    object.__setattr__(module, "forward", forward)
    object.__setattr__(module, name, rule.compute(module))
    return module
