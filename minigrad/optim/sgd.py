"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (PyTorch's rule)."""
from __future__ import annotations

from typing import Any, Iterable

from .optimizer import Optimizer


class SGD(Optimizer):
    """d = g + wd p;  b = d at the first step, else momentum b + (1 - dampening) d;
    d = d + momentum b (Nesterov) or b;  p -= lr d."""

    state_names = ("momentum_buffer",)

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _state_fills(self, group: dict) -> dict[str, float]:
        return {"momentum_buffer": 0.0} if group["momentum"] != 0 else {}

    def _update(self, arena, run, group) -> None:
        param, grad, buffer = self._slices(arena, run, "momentum_buffer")
        self._kernel(arena).sgd_step(param, grad, buffer, group["lr"], group["momentum"],
                                     group["dampening"], group["weight_decay"],
                                     group["nesterov"], group["maximize"], run[2] == 1)
