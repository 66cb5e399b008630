"""The source texts' own optimizer formulas, where they differ from PyTorch's (docs/optimizers.md,
"The textbooks' variants"). minigrad.optim keeps PyTorch's rules; these classes reproduce the texts'
runs number for number. They are Optimizers like the others (param groups, state_dict, the flat
arena), with plain NumPy updates instead of fused kernels.

    text 004 (Deep Learning from Scratch, "DLFS"): Momentum, Nesterov, AdaGrad, RMSprop, Adam,
        epsilon 1e-7 added outside the square root
    text 000 (and the slides 001): Momentum as above; AdaGradEpsInside, RMSpropEpsInside,
        AdamEpsInside, epsilon inside the square root

AdaDelta is not here: the texts write Zeiler's rule, which is PyTorch's `optim.Adadelta`.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from . import _hyper
from .optimizer import Optimizer


def _normalized(grad: np.ndarray, square: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """g / sqrt(s + eps) (eps inside the root) or g / (sqrt(s) + eps) (outside)."""
    return grad / (np.sqrt(square + eps) if inside else np.sqrt(square) + eps)


class Momentum(Optimizer):
    """v = momentum v - lr g;  p += v  (v starts at 0; texts 004 and 000).

    PyTorch's SGD(lr, momentum) keeps b = momentum b + g and does p -= lr b: with a constant lr,
    v = -lr b and the two runs are the same. They part when lr changes: v keeps the old lr."""

    state_names = ("velocity",)
    needs_step = False
    option_checks = {"lr": _hyper.non_negative, "momentum": _hyper.non_negative}

    def __init__(self, params: Iterable[Any], lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"velocity": 0.0}

    def _update(self, arena, run, group) -> None:
        param, grad, velocity = self._slices(arena, run, "velocity")
        velocity *= group["momentum"]
        velocity -= group["lr"] * grad
        param += velocity


class Nesterov(Momentum):
    """DLFS's Nesterov: v = momentum v - lr g;  p += momentum^2 v - (1 + momentum) lr g.

    The new v is used in the second line, so p moves by momentum^3 v_old - (1 + momentum +
    momentum^2) lr g. PyTorch's SGD(nesterov=True) is the same formula with the old v
    (Bengio et al. 2012, which DLFS cites): no PyTorch optimizer runs DLFS's path."""

    def _update(self, arena, run, group) -> None:
        param, grad, velocity = self._slices(arena, run, "velocity")
        momentum, lr = group["momentum"], group["lr"]
        velocity *= momentum
        velocity -= lr * grad
        param += momentum * momentum * velocity
        param -= (1 + momentum) * lr * grad


class AdaGrad(Optimizer):
    """DLFS's AdaGrad: h += g^2;  p -= lr g / (sqrt(h) + eps), eps = 1e-7.

    That is PyTorch's Adagrad(lr, eps=1e-7) (lr_decay 0, accumulator starting at 0)."""

    state_names = ("sum",)
    needs_step = False
    option_checks = {"lr": _hyper.non_negative, "eps": _hyper.non_negative}
    eps_inside = False

    def __init__(self, params: Iterable[Any], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, dict(lr=lr, eps=eps))

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"sum": 0.0}

    def _update(self, arena, run, group) -> None:
        param, grad, total = self._slices(arena, run, "sum")
        total += grad * grad
        param -= group["lr"] * _normalized(grad, total, group["eps"], self.eps_inside)


class AdaGradEpsInside(AdaGrad):
    """Text 000's (and 001's) AdaGrad: G += g^2;  p -= lr g / sqrt(G + eps), eps = 1e-7.

    No PyTorch optimizer puts eps inside the root; Adagrad(lr, eps=0) is the same when eps = 0,
    and close whenever G >> eps."""

    eps_inside = True


class RMSprop(Optimizer):
    """DLFS's RMSprop: h = decay_rate h + (1 - decay_rate) g^2;  p -= lr g / (sqrt(h) + eps),
    decay_rate 0.99, eps 1e-7.

    That is PyTorch's RMSprop(lr, alpha=decay_rate, eps=1e-7)."""

    state_names = ("square_avg",)
    needs_step = False
    option_checks = {"lr": _hyper.non_negative, "decay_rate": _hyper.unit_interval,
                     "eps": _hyper.non_negative}
    eps_inside = False

    def __init__(self, params: Iterable[Any], lr: float = 0.01, decay_rate: float = 0.99,
                 eps: float = 1e-7) -> None:
        super().__init__(params, dict(lr=lr, decay_rate=decay_rate, eps=eps))

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"square_avg": 0.0}

    def _update(self, arena, run, group) -> None:
        param, grad, square = self._slices(arena, run, "square_avg")
        square *= group["decay_rate"]
        square += (1 - group["decay_rate"]) * grad * grad
        param -= group["lr"] * _normalized(grad, square, group["eps"], self.eps_inside)


class RMSpropEpsInside(RMSprop):
    """Text 000's RMSprop: G = beta G + (1 - beta) g^2;  p -= lr g / sqrt(G + eps), with the
    text's decay rate beta = 0.9 (as decay_rate) and eps 1e-7.

    PyTorch's RMSprop(lr, alpha=0.9, eps=0) is the same when eps = 0."""

    eps_inside = True

    def __init__(self, params: Iterable[Any], lr: float = 0.01, decay_rate: float = 0.9,
                 eps: float = 1e-7) -> None:
        super().__init__(params, lr, decay_rate, eps)


class Adam(Optimizer):
    """DLFS's Adam, the bias correction folded into the learning rate:
    m += (1 - b1)(g - m);  v += (1 - b2)(g^2 - v);  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);
    p -= lr_t m / (sqrt(v) + eps), eps 1e-7.

    PyTorch's Adam divides by sqrt(v) / sqrt(1 - b2^t) + eps instead: the same as DLFS with
    eps_t = eps / sqrt(1 - b2^t) changing at every step, so the two agree exactly only for
    eps = 0 (Adam(lr, betas, eps=0)) and otherwise to within eps-sized terms."""

    state_names = ("exp_avg", "exp_avg_sq")
    option_checks = {"lr": _hyper.non_negative, "betas": _hyper.betas,
                     "eps": _hyper.non_negative}

    def __init__(self, params: Iterable[Any], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-7) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"exp_avg": 0.0, "exp_avg_sq": 0.0}

    def _moments(self, arena, run, group) -> tuple[np.ndarray, ...]:
        """The run's parameters, m and v after this step's update of the moving averages."""
        param, grad, m, v = self._slices(arena, run, *self.state_names)
        beta1, beta2 = group["betas"]
        m += (1 - beta1) * (grad - m)
        v += (1 - beta2) * (grad * grad - v)
        return param, m, v

    def _update(self, arena, run, group) -> None:
        param, m, v = self._moments(arena, run, group)
        beta1, beta2 = group["betas"]
        lr_t = group["lr"] * np.sqrt(1 - beta2 ** run.step) / (1 - beta1 ** run.step)
        param -= lr_t * _normalized(m, v, group["eps"], inside=False)


class AdamEpsInside(Adam):
    """Text 000's Adam: M, G as above;  M^ = M / (1 - b1^t), G^ = G / (1 - b2^t);
    p -= lr M^ / sqrt(G^ + eps), with the text's betas (0.9, 0.99) and eps 1e-7.

    PyTorch's Adam(lr, betas, eps=0) is the same when eps = 0."""

    def __init__(self, params: Iterable[Any], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.99), eps: float = 1e-7) -> None:
        super().__init__(params, lr, betas, eps)

    def _update(self, arena, run, group) -> None:
        param, m, v = self._moments(arena, run, group)
        beta1, beta2 = group["betas"]
        m_hat, v_hat = m / (1 - beta1 ** run.step), v / (1 - beta2 ** run.step)
        param -= group["lr"] * _normalized(m_hat, v_hat, group["eps"], inside=True)


__all__ = ["Momentum", "Nesterov", "AdaGrad", "AdaGradEpsInside", "RMSprop", "RMSpropEpsInside",
           "Adam", "AdamEpsInside"]
