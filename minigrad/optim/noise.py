"""Gradient noise (the source texts' gradient perturbation): N(0, sigma_t^2) added to every
gradient before the wrapped optimizer's update, sigma_t^2 = eta / (1 + t)^gamma at step t = 0, 1, ..."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..random import numpy_rng
from . import _hyper
from .optimizer import Optimizer


class GradientNoise:
    """Wraps an optimizer: step() perturbs the gradients, then calls the optimizer's step.

    Noise comes from np.random.default_rng(seed) when a seed is given, else from minigrad's
    generator (mg.manual_seed). Everything else (param_groups, zero_grad, state_dict, ...) is
    the wrapped optimizer's; schedulers take the wrapped optimizer.
    """

    def __init__(self, optimizer: Optimizer, eta: float = 0.3, gamma: float = 0.55,
                 seed: int | None = None) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"GradientNoise wraps an Optimizer, got {type(optimizer).__name__}")
        _hyper.non_negative("eta", eta)
        _hyper.non_negative("gamma", gamma)
        if seed is not None:
            _hyper.integer("seed", seed, 0)
        self.optimizer, self.eta, self.gamma = optimizer, eta, gamma
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.steps = 0

    def variance(self, t: int) -> float:
        """sigma_t^2 = eta / (1 + t)^gamma."""
        return self.eta / (1 + t) ** self.gamma

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None if closure is None else closure()
        rng = self._rng if self._rng is not None else numpy_rng()
        sigma = self.variance(self.steps) ** 0.5
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = p.grad._array
                    g += (sigma * rng.standard_normal(g.shape)).astype(g.dtype)
        self.steps += 1
        self.optimizer.step()
        return loss

    def __getattr__(self, name: str) -> Any:
        return getattr(self.optimizer, name)
