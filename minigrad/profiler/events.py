"""What the profiler records: one Event per timed call, and how events nest.

While a profile records, every wrapper appends one plain tuple to `Recorder.raw` (the cheapest
thing to build on a hot path); `Recorder.events()` turns them into Event objects afterwards and
works out, per thread, which event contains which (intervals: a parent's [start, end] contains
its children's), giving each event its self time and, for ops, the time spent in kernels.
"""
from __future__ import annotations

import dataclasses
from typing import Any

OP, KERNEL, USER, RANGE = "op", "kernel", "user", "range"
PHASES = ("forward", "backward", "optimizer", "other")


@dataclasses.dataclass
class Event:
    """One timed call. Times are perf_counter_ns values; durations are in nanoseconds."""

    name: str
    kind: str                      # op, kernel, user (record_function) or range (engine, step)
    phase: str                     # forward, backward, optimizer or other
    start_ns: int
    end_ns: int
    thread: int
    # per argument (positional, then keyword): a shape tuple / the dtype's name, or None (not an
    # array); kernels always have them (counts.py), ops only under record_shapes
    input_shapes: tuple | None
    input_dtypes: tuple | None
    args: dict[str, Any]           # kernels: backend, scalar arguments, keyword names (counts)
    self_ns: int = 0               # duration minus the direct children's durations
    kernel_ns: int = 0             # time inside kernel events nested anywhere within this one
    parent: Event | None = dataclasses.field(default=None, repr=False)
    # ops with a count in counts_ops.OPS: (rule, inputs, outputs, options), inputs and outputs
    # as (shape, dtype) or None per value (instrument.py; counts_ops.count_op_event reads them)
    operands: tuple | None = dataclasses.field(default=None, repr=False)

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    @property
    def python_ns(self) -> int:
        """The time outside kernels: for an op, its Python overhead (Tensor/Function path,
        validation, allocation)."""
        return self.duration_ns - self.kernel_ns


class Recorder:
    """The state of one recording span: the raw tuples and the engine's current phase.

    The phase is "forward" outside the graph walk and the optimizer step; the wrappers of
    autograd.backpropagate and Optimizer.step set it for what runs inside them.
    """

    # a raw row: (name, kind, phase, start_ns, end_ns, thread, arrays or None, args or None),
    # arrays holding (shape, dtype) or None per argument (see _event); an op's row may end with
    # its operands, for its count (Event.operands)

    def __init__(self, record_shapes: bool) -> None:
        self.record_shapes = record_shapes
        self.raw: list[tuple] = []
        self.phase = "forward"
        self.start_ns = self.end_ns = 0

    def events(self) -> list[Event]:
        """The recorded events, ordered by start time, with self and kernel times filled in."""
        events = [_event(*row) for row in self.raw]
        events.sort(key=lambda e: (e.thread, e.start_ns, -e.end_ns))  # parents before children
        _link_parents(events)
        for event in events:
            event.self_ns = event.duration_ns
        for event in reversed(events):  # children come after their parents: finish them first
            parent = event.parent
            if parent is not None:
                parent.self_ns -= event.duration_ns
                parent.kernel_ns += event.duration_ns if event.kind == KERNEL else event.kernel_ns
        events.sort(key=lambda e: e.start_ns)
        return events


def _event(name: str, kind: str, phase: str, start_ns: int, end_ns: int, thread: int,
           arrays: tuple | None, args: dict | None, operands: tuple | None = None) -> Event:
    """An Event from a raw row: arrays (per argument, (shape, dtype) or None) split in two."""
    shapes = dtypes = None
    if arrays is not None:
        shapes = tuple(None if a is None else a[0] for a in arrays)
        dtypes = tuple(None if a is None else a[1].name for a in arrays)
    return Event(name, kind, phase, start_ns, end_ns, thread, shapes, dtypes, args or {},
                 operands=operands)


def _link_parents(events: list[Event]) -> None:
    """Give each event its innermost enclosing event of the same thread (events sorted by
    thread, then start, longest first)."""
    open_events: list[Event] = []
    for event in events:
        while open_events and not _contains(open_events[-1], event):
            open_events.pop()
        event.parent = open_events[-1] if open_events else None
        open_events.append(event)


def _contains(outer: Event, inner: Event) -> bool:
    return (outer.thread == inner.thread and outer.start_ns <= inner.start_ns
            and inner.end_ns <= outer.end_ns)
