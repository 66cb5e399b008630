"""Which steps of a training loop to profile: PyTorch's torch.profiler.schedule."""
from __future__ import annotations

import enum
from typing import Callable


class ProfilerAction(enum.Enum):
    """What the profiler does during one step (PyTorch's values)."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


class ProfilerActivity(enum.Enum):
    """The devices to profile: minigrad runs on the CPU only."""

    CPU = 0


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0,
             skip_first: int = 0) -> Callable[[int], ProfilerAction]:
    """The action for each step number, as torch.profiler.schedule: after skip_first steps,
    cycles of `wait` idle steps, `warmup` steps, `active` recorded steps (the last one
    RECORD_AND_SAVE, which hands the span to on_trace_ready), `repeat` times (0: forever)."""
    for name, value, least in (("wait", wait, 0), ("warmup", warmup, 0), ("active", active, 1),
                               ("repeat", repeat, 0), ("skip_first", skip_first, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"schedule expects {name} to be an int >= {least}, got {value!r}")
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return (ProfilerAction.RECORD if position < cycle - 1
                else ProfilerAction.RECORD_AND_SAVE)

    return action
