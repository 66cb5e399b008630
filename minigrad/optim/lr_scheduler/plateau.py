"""ReduceLROnPlateau (PyTorch's semantics): the schedule driven by a metric, not the step count."""
from __future__ import annotations

import math

from .. import _hyper
from ..optimizer import Optimizer
from .base import LRScheduler, require_optimizer


class ReduceLROnPlateau(LRScheduler):
    """lr multiplied by factor when a metric has not improved for `patience` steps (then
    `cooldown` steps of rest); step(metric) after each validation."""

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float = 0, eps: float = 1e-8) -> None:
        require_optimizer(optimizer)
        _hyper.below_one("factor", factor)
        _hyper.choice("mode", mode, ("min", "max"))
        _hyper.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        _hyper.integer("patience", patience, 0)
        _hyper.integer("cooldown", cooldown, 0)
        for name, value in (("threshold", threshold), ("min_lr", min_lr), ("eps", eps)):
            _hyper.non_negative(name, value)
        self.optimizer, self.mode, self.factor, self.patience = optimizer, mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.eps, self.last_epoch = eps, 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter = 0, 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, current: float) -> bool:
        if self.mode == "min":
            bound = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else \
                self.best - self.threshold
            return current < bound
        bound = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else \
            self.best + self.threshold
        return current > bound

    def step(self, metrics: float) -> None:  # type: ignore[override]
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
