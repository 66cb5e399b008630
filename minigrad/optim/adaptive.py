"""RMSprop, Adagrad and Adadelta (PyTorch's rules), each one fused kernel per arena run."""
from __future__ import annotations

from typing import Any, Iterable

from .. import kernels
from . import _hyper
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """v = alpha v + (1-alpha) g^2;  centered: a = alpha a + (1-alpha) g, v' = v - a^2;
    p -= lr g / (sqrt(v') + eps), or through a momentum buffer b = momentum b + g / (...)."""

    state_names = ("square_avg", "momentum_buffer", "grad_avg")
    dtype_bound_states = ("grad_avg",)  # PyTorch: grad_avg.lerp_(grad, 1 - alpha)
    option_checks = {**Optimizer.option_checks, "eps": _hyper.non_negative,
                     "alpha": _hyper.unit_interval, "momentum": _hyper.non_negative,
                     "centered": _hyper.flag}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _state_fills(self, group: dict) -> dict[str, float]:
        # momentum or centered turned on after some steps start their buffer at 0 (PyTorch
        # raises a KeyError)
        fills = {"square_avg": 0.0}
        if group["momentum"] > 0:
            fills["momentum_buffer"] = 0.0
        if group["centered"]:
            fills["grad_avg"] = 0.0
        return fills

    def _update(self, arena, run, group) -> None:
        param, grad, square_avg, buffer, grad_avg = self._slices(arena, run, *self.state_names)
        self._kernel(arena).rmsprop_step(
            param=param, grad=grad, square_avg=square_avg, grad_avg=grad_avg,
            momentum_buffer=buffer, lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
            weight_decay=group["weight_decay"], momentum=group["momentum"],
            centered=group["centered"], maximize=group["maximize"],
            num_threads=kernels.get_num_threads())


class Adagrad(Optimizer):
    """s += g^2;  p -= lr / (1 + (t-1) lr_decay) * g / (sqrt(s) + eps)."""

    state_names = ("sum",)
    option_checks = {**Optimizer.option_checks, "eps": _hyper.non_negative,
                     "lr_decay": _hyper.non_negative,
                     "initial_accumulator_value": _hyper.non_negative}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"sum": group["initial_accumulator_value"]}

    def _update(self, arena, run, group) -> None:
        param, grad, total = self._slices(arena, run, "sum")
        self._kernel(arena).adagrad_step(
            param=param, grad=grad, state_sum=total, step=run.step, lr=group["lr"],
            lr_decay=group["lr_decay"], eps=group["eps"], weight_decay=group["weight_decay"],
            maximize=group["maximize"], num_threads=kernels.get_num_threads())


class Adadelta(Optimizer):
    """v = rho v + (1-rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) g;  u = rho u + (1-rho) d^2;
    p -= lr d."""

    state_names = ("square_avg", "acc_delta")
    option_checks = {**Optimizer.option_checks, "eps": _hyper.non_negative,
                     "rho": _hyper.unit_interval}

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"square_avg": 0.0, "acc_delta": 0.0}

    def _update(self, arena, run, group) -> None:
        param, grad, square_avg, acc_delta = self._slices(arena, run, *self.state_names)
        self._kernel(arena).adadelta_step(
            param=param, grad=grad, square_avg=square_avg, acc_delta=acc_delta, lr=group["lr"],
            rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
            maximize=group["maximize"], num_threads=kernels.get_num_threads())
