"""The scheduler base class: LRScheduler sets every param group's 'lr' at construction (step 0)
and at each step(), from the get_lr() (or closed form) its subclass defines."""
from __future__ import annotations

from typing import Any

from .. import _hyper
from ..optimizer import Optimizer


def require_optimizer(optimizer: Any) -> None:
    """TypeError unless a scheduler's first argument is an Optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"a scheduler needs an Optimizer, got {type(optimizer).__name__}")


class LRScheduler:
    """Base class: subclasses define get_lr() (and _closed_form_lr() where PyTorch has one)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        require_optimizer(optimizer)
        _hyper.integer("last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in group for group in optimizer.param_groups):
            raise KeyError("param 'initial_lr' is not specified in param_groups when resuming "
                           "an optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self.step()

    def get_last_lr(self) -> list[float]:
        """The learning rates the last step set, one per param group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (or jump to `epoch`, using the closed form where there is one)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Everything but the optimizer (and functions, which do not serialize)."""
        return {key: value for key, value in self.__dict__.items()
                if key not in ("optimizer", "lr_lambdas", "_schedulers", "scale_fn")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
