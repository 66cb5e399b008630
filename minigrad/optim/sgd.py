"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (PyTorch's rule)."""
from __future__ import annotations

from typing import Any, Iterable

from .. import kernels
from . import _hyper
from .optimizer import Optimizer


class SGD(Optimizer):
    """d = g + wd p;  b = d when the buffer is new, else momentum b + (1 - dampening) d;
    d = d + momentum b (Nesterov) or b;  p -= lr d.

    The momentum buffer is made when momentum is first nonzero, on any step (PyTorch's clone of
    the gradient): turning momentum on after some steps, or loading a state without a buffer,
    starts it from the current gradient."""

    state_names = ("momentum_buffer",)
    needs_step = False
    option_checks = {**Optimizer.option_checks, "momentum": _hyper.non_negative,
                     "dampening": _hyper.unit_interval, "nesterov": _hyper.flag}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum > 0 and zero dampening, "
                             f"got momentum {group['momentum']!r} and dampening "
                             f"{group['dampening']!r}")

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"momentum_buffer": 0.0} if group["momentum"] != 0 else {}

    def _update(self, arena, run, group) -> None:
        param, grad, buffer = self._slices(arena, run, "momentum_buffer")
        self._kernel(arena).sgd_step(
            param=param, grad=grad, momentum_buffer=buffer, lr=group["lr"],
            momentum=group["momentum"], dampening=group["dampening"],
            weight_decay=group["weight_decay"], nesterov=group["nesterov"],
            maximize=group["maximize"], new_buffer="momentum_buffer" in run.new,
            num_threads=kernels.get_num_threads())
