"""The Chrome trace-event JSON of a profile (chrome://tracing, Perfetto, speedscope).

Every event is a complete event ("ph": "X") with its start `ts` and duration `dur` in
microseconds from the start of the span, the process and thread ids, its kind as the category
and, in args, its phase, the input shapes and dtypes when recorded (PyTorch's "Input Dims" and
"Input type") and the kernel arguments.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .events import Event


def trace_events(events: list[Event], origin_ns: int) -> list[dict[str, Any]]:
    """The trace-event dicts of events, timed from origin_ns (moved back to the earliest event
    if one starts before it, so that every ts is non-negative)."""
    origin = min([origin_ns, *(event.start_ns for event in events)]) if events else origin_ns
    pid = os.getpid()
    rows = []
    for event in events:
        args: dict[str, Any] = {"phase": event.phase, **event.args}
        if event.input_shapes is not None:
            args["Input Dims"] = [None if s is None else list(s) for s in event.input_shapes]
            args["Input type"] = list(event.input_dtypes)
        rows.append({"name": event.name, "cat": event.kind, "ph": "X",
                     "ts": (event.start_ns - origin) / 1e3, "dur": event.duration_ns / 1e3,
                     "pid": pid, "tid": event.thread, "args": args})
    return rows


def _plain(value: Any) -> Any:
    """NumPy scalars (recorded kernel arguments) as Python numbers for JSON."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to a trace")


def write(events: list[Event], path: str, origin_ns: int) -> None:
    with open(path, "w") as file:
        json.dump({"traceEvents": trace_events(events, origin_ns), "displayTimeUnit": "ms"},
                  file, default=_plain)
