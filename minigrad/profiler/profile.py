"""The profiler's context manager (torch.profiler.profile) and user ranges (record_function).

A profile moves through its schedule's actions at each `step()`; while the action is RECORD or
RECORD_AND_SAVE, a recording span is open: the wrappers of instrument.py are installed and feed
one Recorder. When a span ends (at a RECORD_AND_SAVE step, or when the profile stops), the
wrappers are removed, the span becomes what `events()`, `key_averages()`, `summary()` and
`export_chrome_trace()` read, and `on_trace_ready(prof)` is called.
"""
from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, Iterable

from . import instrument, table, trace
from .events import RANGE, USER, Event, Recorder
from .machine import Machine
from .schedule import ProfilerAction, ProfilerActivity

_now = time.perf_counter_ns
_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
_active: Recorder | None = None  # the span recording now, in any profile (one at a time)


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


class profile:
    """Record what minigrad runs while active: ops, their backward, kernels, optimizer steps and
    record_function ranges (PyTorch's torch.profiler.profile, CPU only)."""

    def __init__(self, *, activities: Iterable[ProfilerActivity] | None = None,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable[[profile], Any] | None = None,
                 record_shapes: bool = False, machine: Machine | None = None) -> None:
        for activity in activities if activities is not None else ():
            if activity is not ProfilerActivity.CPU:
                raise ValueError(f"minigrad profiles ProfilerActivity.CPU only, got {activity!r}")
        if schedule is not None and not callable(schedule):
            raise TypeError(f"schedule must be callable (step -> ProfilerAction), got {schedule!r}")
        self.schedule = schedule or _always_record
        self.record_steps = schedule is not None  # PyTorch's: ProfilerStep#N ranges
        self.on_trace_ready = on_trace_ready
        self.record_shapes = bool(record_shapes)
        self.machine = machine  # the roofline of the table's Bound and % roof columns
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._recorder: Recorder | None = None  # the span recording now
        self._installation: instrument.Installation | None = None
        self._span: Recorder | None = None      # the last span that ended
        self._step_start: int | None = None

    # ----------------------------------------------------------------- the schedule
    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def start(self) -> None:
        if _active is not None:
            raise RuntimeError("another minigrad profile is already recording; one at a time")
        self._transit(ProfilerAction.NONE, self.current_action)
        self._open_step()

    def stop(self) -> None:
        try:
            self._close_step()
        finally:
            self._transit(self.current_action, None)

    def step(self) -> None:
        """Mark the end of a training step: move to the schedule's next action."""
        self._close_step()
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(previous, self.current_action)
        self._open_step()

    def _transit(self, previous: ProfilerAction, current: ProfilerAction | None) -> None:
        """PyTorch's transitions: a span ends (and is handed over) when recording stops or
        after a RECORD_AND_SAVE step; one starts when recording begins."""
        if previous in _RECORDING and (previous is ProfilerAction.RECORD_AND_SAVE
                                       or current not in _RECORDING):
            self._end_span()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        if current in _RECORDING and self._recorder is None:
            self._begin_span()

    def _begin_span(self) -> None:
        global _active
        if _active is not None:
            raise RuntimeError("another minigrad profile is already recording; one at a time")
        recorder = Recorder(self.record_shapes)
        self._installation = instrument.install(recorder)
        _active = self._recorder = recorder
        recorder.start_ns = _now()

    def _end_span(self) -> None:
        global _active
        recorder = self._recorder
        recorder.end_ns = _now()
        _active = self._recorder = None
        self._installation.restore()
        self._installation = None
        self._span = recorder

    def _open_step(self) -> None:
        self._step_start = _now() if self.record_steps and self._recorder is not None else None

    def _close_step(self) -> None:
        if self._step_start is not None and self._recorder is not None:
            self._recorder.raw.append((f"ProfilerStep#{self.step_num}", RANGE, "other",
                                       self._step_start, _now(), threading.get_ident(),
                                       None, None))
        self._step_start = None

    # ----------------------------------------------------------------- the results
    def _results(self) -> Recorder | None:
        return self._recorder if self._recorder is not None else self._span

    def events(self) -> list[Event]:
        """The events of the last span (of the current one while it records)."""
        recorder = self._results()
        return recorder.events() if recorder is not None else []

    def key_averages(self, group_by_input_shape: bool = False) -> table.EventList:
        """The events grouped by name and phase (and input shapes), with their totals."""
        events = self.events()
        return table.key_averages(events, group_by_input_shape,
                                  table.summarize(events, self._wall_ns()), self.machine)

    def summary(self) -> str:
        """One line: the step's wall time split into kernels and engine (everything else)."""
        return table.summarize(self.events(), self._wall_ns())

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as Chrome/Perfetto trace-event JSON (chrome://tracing, Perfetto)."""
        recorder = self._results()
        trace.write(self.events(), path, origin_ns=recorder.start_ns if recorder else 0)

    def _wall_ns(self) -> int:
        recorder = self._results()
        if recorder is None:
            return 0
        return (recorder.end_ns or _now()) - recorder.start_ns


class record_function:
    """A user range in the profile, as a context manager or a decorator (PyTorch's
    torch.profiler.record_function); nothing is recorded when no profile records."""

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function expects a str name, got {type(name).__name__}")
        self.name, self.args = name, args
        self._recorder: Recorder | None = None
        self._start = 0

    def __enter__(self) -> record_function:
        self._recorder = _active
        if self._recorder is not None:
            self._start = _now()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        recorder = self._recorder
        if recorder is not None:
            recorder.raw.append((self.name, USER, recorder.phase, self._start, _now(),
                                 threading.get_ident(), None,
                                 None if self.args is None else {"args": self.args}))
            self._recorder = None

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def ranged(*args: Any, **kwargs: Any) -> Any:
            with record_function(self.name, self.args):
                return function(*args, **kwargs)

        return ranged
