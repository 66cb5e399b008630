"""Cyclic and one-cycle learning-rate schedules (PyTorch's semantics). Both also cycle the momentum
(SGD's 'momentum', Adam's beta1) opposite to the learning rate, as PyTorch does by default."""
from __future__ import annotations

import math
from typing import Callable

from .. import _hyper
from ..optimizer import Optimizer
from .base import LRScheduler, require_optimizer


def _momentum_key(optimizer: Optimizer) -> str:
    if "momentum" in optimizer.defaults:
        return "momentum"
    if "betas" in optimizer.defaults:
        return "betas"
    raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option "
                     "enabled")


def _set_momentum(group: dict, key: str, value: float) -> None:
    if key == "betas":
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """lr oscillating between base_lr and max_lr: up in step_size_up steps, down in
    step_size_down; amplitude scaled by 1 (triangular), 1/2^(cycle-1) (triangular2) or
    gamma^t (exp_range). Step it after every batch."""

    def __init__(self, optimizer: Optimizer, base_lr: float, max_lr: float,
                 step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float = 0.8,
                 max_momentum: float = 0.9, last_epoch: int = -1) -> None:
        require_optimizer(optimizer)
        for name, value in (("base_lr", base_lr), ("max_lr", max_lr), ("gamma", gamma),
                            ("base_momentum", base_momentum), ("max_momentum", max_momentum)):
            _hyper.non_negative(name, value)
        _hyper.positive("step_size_up", step_size_up)
        if step_size_down is not None:
            _hyper.positive("step_size_down", step_size_down)
        _hyper.choice("scale_mode", scale_mode, ("cycle", "iterations"))
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"mode is invalid and scale_fn is None: mode must be one of "
                             f"('triangular', 'triangular2', 'exp_range'), got {mode!r}")
        _hyper.flag("cycle_momentum", cycle_momentum)
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be a function or None, got {scale_fn!r}")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._key = _momentum_key(optimizer)
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group["lr"] = group["initial_lr"] = base_lr
        self.max_lrs = [max_lr] * len(groups)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size, self.step_ratio = up + down, up / (up + down)
        self.mode, self.gamma = mode, gamma
        if scale_fn is None:
            self.scale_fn = {"triangular": lambda x: 1.0, "triangular2": lambda x: 1 / 2 ** (x - 1),
                             "exp_range": lambda x: gamma ** x}[mode]
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        else:
            self.scale_fn, self.scale_mode = scale_fn, scale_mode
        if cycle_momentum:
            self.base_momentums, self.max_momentums = [base_momentum] * len(groups), \
                [max_momentum] * len(groups)
            if last_epoch == -1:
                for group in groups:
                    _set_momentum(group, self._key, max_momentum)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = [base_lr] * len(groups)

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                _set_momentum(group, self._key, high - (high - low) * factor * scale)
        return lrs


class OneCycleLR(LRScheduler):
    """One cycle: lr from max_lr/div_factor up to max_lr over pct_start of total_steps, then down
    to initial/final_div_factor (cosine or linear annealing); momentum the opposite way."""

    def __init__(self, optimizer: Optimizer, max_lr: float, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        require_optimizer(optimizer)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("You must define either total_steps OR (epochs AND "
                                 "steps_per_epoch)")
            _hyper.integer("epochs", epochs, 1)
            _hyper.integer("steps_per_epoch", steps_per_epoch, 1)
            total_steps = epochs * steps_per_epoch
        _hyper.integer("total_steps", total_steps, 1)
        for name, value in (("max_lr", max_lr), ("base_momentum", base_momentum),
                            ("max_momentum", max_momentum)):
            _hyper.non_negative(name, value)
        _hyper.positive("div_factor", div_factor)
        _hyper.positive("final_div_factor", final_div_factor)
        _hyper.unit_interval("pct_start", pct_start)
        _hyper.choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
        _hyper.flag("cycle_momentum", cycle_momentum)
        _hyper.flag("three_phase", three_phase)
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        initial = max_lr / div_factor
        low = initial / final_div_factor
        up_end = float(pct_start * total_steps) - 1
        # (end step, start lr, end lr, start momentum, end momentum) per phase
        if three_phase:
            self._phases = [(up_end, initial, max_lr, max_momentum, base_momentum),
                            (float(2 * pct_start * total_steps) - 2, max_lr, initial,
                             base_momentum, max_momentum),
                            (total_steps - 1, initial, low, max_momentum, max_momentum)]
        else:
            self._phases = [(up_end, initial, max_lr, max_momentum, base_momentum),
                            (total_steps - 1, max_lr, low, base_momentum, max_momentum)]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._key = _momentum_key(optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group["initial_lr"], group["max_lr"], group["min_lr"] = initial, max_lr, low
                if cycle_momentum:
                    _set_momentum(group, self._key, max_momentum)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps "
                             f"is {self.total_steps}")
        start_step = 0.0
        for i, (end_step, lr_start, lr_end, m_start, m_end) in enumerate(self._phases):
            if step <= end_step or i == len(self._phases) - 1:
                pct = (step - start_step) / (end_step - start_step)
                lr, momentum = self._anneal(lr_start, lr_end, pct), \
                    self._anneal(m_start, m_end, pct)
                break
            start_step = end_step
        if self.cycle_momentum:
            for group in self.optimizer.param_groups:
                _set_momentum(group, self._key, momentum)
        return [lr] * len(self.optimizer.param_groups)
