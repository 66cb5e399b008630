"""Adam and AdamW (PyTorch's rules): one kernel, coupled L2 or decoupled weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from .. import kernels
from . import _hyper
from .optimizer import Optimizer


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2 (amsgrad: v_max = max(v_max, v));
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    weight_decay adds wd p to g (L2); AdamW instead scales p by 1 - lr wd (decoupled)."""

    state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    dtype_bound_states = ("exp_avg",)  # PyTorch: exp_avg.lerp_(grad, 1 - beta1)
    option_checks = {**Optimizer.option_checks, "eps": _hyper.non_negative,
                     "betas": _hyper.betas, "amsgrad": _hyper.flag}
    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _state_fills(self, group: dict) -> dict[str, float]:
        # amsgrad turned on after some steps starts v_max at 0 (PyTorch raises a KeyError)
        names = self.state_names if group["amsgrad"] else self.state_names[:2]
        return {name: 0.0 for name in names}

    def _update(self, arena, run, group) -> None:
        param, grad, m, v, v_max = self._slices(arena, run, *self.state_names)
        beta1, beta2 = group["betas"]
        self._kernel(arena).adam_step(
            param=param, grad=grad, exp_avg=m, exp_avg_sq=v, max_exp_avg_sq=v_max,
            step=run.step, lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
            weight_decay=group["weight_decay"], amsgrad=group["amsgrad"],
            maximize=group["maximize"], decoupled=self.decoupled,
            num_threads=kernels.get_num_threads())


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr wd before the Adam step (default 1e-2)."""

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
