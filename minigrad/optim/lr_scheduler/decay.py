"""Decay schedules: lr falling with the step count, in PyTorch's recursive ("chainable") forms
lr_t from lr_{t-1}, so that ChainedScheduler composes them, with closed forms lr_t = f(base_lr, t)
for SequentialLR's restarts. The source texts' inverse time and natural exponential decays are
added as InverseTimeLR and NaturalExpLR."""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Callable, Sequence

from .. import _hyper
from ..optimizer import Optimizer
from .base import LRScheduler, require_optimizer


class LambdaLR(LRScheduler):
    """lr_t = base_lr * lr_lambda(t) (one function, or one per group)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | Sequence[Callable],
                 last_epoch: int = -1) -> None:
        require_optimizer(optimizer)
        count = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else \
            [lr_lambda] * count
        if not all(map(callable, self.lr_lambdas)):
            raise TypeError(f"lr_lambda must be a function or a list of functions, got "
                            f"{lr_lambda!r} ({type(lr_lambda).__name__})")
        if len(self.lr_lambdas) != count:
            raise ValueError(f"Expected {count} lr_lambdas, but got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]


class StepLR(LRScheduler):
    """lr multiplied by gamma every step_size steps (piecewise constant)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        _hyper.integer("step_size", step_size, 1)
        _hyper.non_negative("gamma", gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr multiplied by gamma at each milestone (piecewise constant)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if not isinstance(milestones, (list, tuple, range)):
            raise TypeError(f"milestones must be a list of ints >= 0, got {milestones!r} "
                            f"({type(milestones).__name__})")
        for milestone in milestones:
            _hyper.integer("each milestone", milestone, 0)
        _hyper.non_negative("gamma", gamma)
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current()]

    def _closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr_t = gamma lr_{t-1} = base_lr gamma^t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _hyper.non_negative("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2, in PyTorch's recursive
    form (which keeps going past T_max as a cosine wave)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        _hyper.integer("T_max", T_max, 1)
        _hyper.non_negative("eta_min", eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, period = self.last_epoch, self.T_max
        if t == 0:
            return self._current()
        if (t - 1 - period) % (2 * period) == 0:
            return [lr + (base - self.eta_min) * (1 - math.cos(math.pi / period)) / 2
                    for lr, base in zip(self._current(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - self.eta_min) + self.eta_min for lr in self._current()]

    def _closed_form_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr factor moving linearly from start_factor to end_factor over total_iters steps (warmup)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        _hyper.real("start_factor", start_factor, "a float in (0, 1]", lambda x: 0.0 < x <= 1.0)
        _hyper.unit_interval("end_factor", end_factor)
        _hyper.integer("total_iters", total_iters, 1)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, \
            total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * start for lr in self._current()]
        if t > self.total_iters:
            return self._current()
        factor = 1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start))
        return [lr * factor for lr in self._current()]

    def _closed_form_lr(self) -> list[float]:
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * progress)
                for base in self.base_lrs]


class InverseTimeLR(LRScheduler):
    """The source texts' inverse time decay: lr_t = base_lr / (1 + gamma t)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _hyper.non_negative("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base / (1 + self.gamma * self.last_epoch) for base in self.base_lrs]


class NaturalExpLR(LRScheduler):
    """The source texts' natural exponential decay: lr_t = base_lr exp(-gamma t)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _hyper.non_negative("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * math.exp(-self.gamma * self.last_epoch) for base in self.base_lrs]
