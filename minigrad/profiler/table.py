"""Averages per name (key_averages), PyTorch's table of them, and the step's summary line.

The table's columns are the list COLUMNS (PyTorch's, with minigrad's Phase and Python), then
COUNT_COLUMNS (FLOPs, GFLOP/s, GB/s, FLOP/B of the counted rows: the kernels, from counts.py,
and the NumPy ops that ran no kernel, from counts_ops.py) and, when a
Machine is given, ROOFLINE_COLUMNS (Bound, % roof): each is a header and a function of one row
(and of the total self time, or of the Machine).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from . import counts, counts_ops
from .events import KERNEL, OP, RANGE, Event
from .machine import Machine

SORT_KEYS = ("self_cpu_time_total", "cpu_time_total", "count", "cpu_time")
_NAME_WIDTH = 55  # PyTorch's widest Name column


@dataclasses.dataclass
class FunctionEventAvg:
    """The events of one name and phase (and input shapes, when grouped by them); times in
    microseconds, as PyTorch's FunctionEventAvg."""

    key: str
    kind: str
    phase: str
    input_shapes: str = ""
    count: int = 0
    cpu_time_total: float = 0.0
    self_cpu_time_total: float = 0.0
    python_time_total: float = 0.0   # outside kernels (ops: their Python overhead)
    counted: bool = False            # kernel rows, and op rows with a count (counts_ops.py)
    flops: int = 0                   # counted rows: the FLOPs and bytes of all counted calls
    bytes: int = 0
    dtype: str | None = None         # counted rows: the data's dtype (whose peak bounds them)
    events: list[Event] = dataclasses.field(default_factory=list, repr=False)

    @property
    def cpu_time(self) -> float:
        """The mean time of one call."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def add(self, event: Event) -> None:
        self.count += 1
        self.cpu_time_total += event.duration_ns / 1e3
        self.self_cpu_time_total += event.self_ns / 1e3
        self.python_time_total += event.python_ns / 1e3
        if event.kind == KERNEL:
            self._count(counts.count_event(event), counts.data_dtype(event))
        else:
            op_count = counts_ops.count_op_event(event)  # None: no rule, or it ran a kernel
            if op_count is not None:
                self._count(op_count, counts_ops.data_dtype(event))
        self.events.append(event)

    def _count(self, count: tuple[int, int], dtype: str | None) -> None:
        self.counted = True
        self.flops, self.bytes = self.flops + count[0], self.bytes + count[1]
        self.dtype = self.dtype or dtype

    @property
    def gflops_per_s(self) -> float | None:
        """Achieved GFLOP/s: FLOPs / self time (counted rows with time), else None."""
        seconds = self.self_cpu_time_total / 1e6
        return self.flops / seconds / 1e9 if self.counted and seconds > 0 else None

    @property
    def gbytes_per_s(self) -> float | None:
        """Achieved GB/s: bytes / self time (counted rows with time), else None."""
        seconds = self.self_cpu_time_total / 1e6
        return self.bytes / seconds / 1e9 if self.counted and seconds > 0 else None

    @property
    def intensity(self) -> float | None:
        """Arithmetic intensity, FLOPs per byte (counted rows that move bytes), else None."""
        return self.flops / self.bytes if self.counted and self.bytes > 0 else None

    def bound(self, machine: Machine) -> str | None:
        """"memory" or "compute" at this row's intensity on machine (None: not known)."""
        if self.intensity is None or self.dtype not in machine.peak_gflops:
            return None
        return machine.bound(self.intensity, self.dtype)

    def roof_percent(self, machine: Machine) -> float | None:
        """Achieved GFLOP/s as a percentage of the attainable min(peak, intensity x bandwidth)."""
        if self.bound(machine) is None or self.gflops_per_s is None:
            return None
        attainable = machine.attainable_gflops(self.intensity, self.dtype)
        return 100 * self.gflops_per_s / attainable if attainable > 0 else None


class EventList(list):
    """The rows of key_averages(), with PyTorch's `table` and minigrad's `summary`."""

    def __init__(self, rows: list[FunctionEventAvg], summary_line: str,
                 grouped_by_shape: bool, machine: Machine | None = None) -> None:
        super().__init__(rows)
        self._summary_line = summary_line
        self._grouped_by_shape = grouped_by_shape
        self.machine = machine

    def summary(self) -> str:
        """The step's wall time split into kernels and engine (profile.summary())."""
        return self._summary_line

    def table(self, sort_by: str = "self_cpu_time_total", row_limit: int = 20,
              machine: Machine | None = None) -> str:
        """The rows sorted by sort_by (largest first), at most row_limit of them (all when
        negative), in PyTorch's layout with minigrad's Phase and Python columns, then the counts'
        columns, then Bound and % roof when there is a Machine (this one, else the profile's)."""
        rows = sort_rows(self, sort_by)
        if row_limit >= 0:
            rows = rows[:row_limit]
        total_self = sum(row.self_cpu_time_total for row in self)
        machine = machine if machine is not None else self.machine
        columns = [c for c in COLUMNS if self._grouped_by_shape or c[0] != "Input Shapes"]
        columns += COUNT_COLUMNS
        columns += [(header, _given(value, machine)) for header, value in ROOFLINE_COLUMNS
                    if machine is not None]
        cells = [[header for header, _ in columns]]
        cells += [[value(row, total_self) for _, value in columns] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        widths[0] = min(widths[0], _NAME_WIDTH)
        rule = "  ".join("-" * width for width in widths)
        lines = [rule, _line(cells[0], widths), rule]
        lines += [_line(line, widths) for line in cells[1:]]
        lines += [rule, f"Self CPU time total: {format_time(total_self)}", self.summary()]
        return "\n".join(lines) + "\n"


def _line(cells: list[str], widths: list[int]) -> str:
    name = cells[0] if len(cells[0]) <= widths[0] else cells[0][:widths[0] - 3] + "..."
    rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
    return "  ".join([name.ljust(widths[0])] + rest)


def sort_rows(rows: list[FunctionEventAvg], sort_by: str) -> list[FunctionEventAvg]:
    if sort_by not in SORT_KEYS:
        raise ValueError(f"sort_by must be one of {SORT_KEYS}, got {sort_by!r}")
    return sorted(rows, key=lambda row: getattr(row, sort_by), reverse=True)


def format_time(us: float) -> str:
    """PyTorch's format: 12.345us, 1.234ms, 1.234s."""
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "0.00%"


COLUMNS: list[tuple[str, Callable[[FunctionEventAvg, float], str]]] = [
    ("Name", lambda row, total: row.key),
    ("Phase", lambda row, total: row.phase),
    ("Self CPU %", lambda row, total: _percent(row.self_cpu_time_total, total)),
    ("Self CPU", lambda row, total: format_time(row.self_cpu_time_total)),
    ("CPU total %", lambda row, total: _percent(row.cpu_time_total, total)),
    ("CPU total", lambda row, total: format_time(row.cpu_time_total)),
    ("CPU time avg", lambda row, total: format_time(row.cpu_time)),
    ("Python", lambda row, total: format_time(row.python_time_total) if row.kind == OP else "-"),
    ("# of Calls", lambda row, total: str(row.count)),
    ("Input Shapes", lambda row, total: row.input_shapes),
]


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _si(count: int) -> str:
    """A count with an SI prefix: 1.234M, 56.000G."""
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if count >= scale:
            return f"{count / scale:.3f}{prefix}"
    return str(count)


def _counted_only(value: Callable[[FunctionEventAvg], str]) -> Callable:
    return lambda row, total: value(row) if row.counted else "-"


COUNT_COLUMNS: list[tuple[str, Callable[[FunctionEventAvg, float], str]]] = [
    ("FLOPs", _counted_only(lambda row: _si(row.flops))),
    ("GFLOP/s", _counted_only(lambda row: _number(row.gflops_per_s))),
    ("GB/s", _counted_only(lambda row: _number(row.gbytes_per_s))),
    ("FLOP/B", _counted_only(lambda row: _number(row.intensity))),
]

ROOFLINE_COLUMNS: list[tuple[str, Callable[[FunctionEventAvg, Machine], str]]] = [
    ("Bound", lambda row, machine: row.bound(machine) or "-"),
    ("% roof", lambda row, machine: _number(row.roof_percent(machine), 1)),
]


def _given(value: Callable, machine: Machine) -> Callable[[FunctionEventAvg, float], str]:
    """A roofline column's value as a function of (row, total) like the others."""
    return lambda row, total: value(row, machine)


def _shapes_text(event: Event) -> str:
    """PyTorch's Input Shapes: [[256, 2], [20, 2], []] (an empty list for a non-array)."""
    shapes = event.input_shapes or ()
    return "[" + ", ".join("[]" if s is None else str(list(s)) for s in shapes) + "]"


def key_averages(events: list[Event], group_by_input_shape: bool, summary_line: str,
                 machine: Machine | None = None) -> EventList:
    """One row per name and phase (and input shapes when group_by_input_shape); a kernel event
    without a count raises LookupError (counts.count), an op without one counts nothing."""
    rows: dict[tuple, FunctionEventAvg] = {}
    for event in events:
        shapes = _shapes_text(event) if group_by_input_shape else ""
        key = (event.name, event.phase, shapes)
        if key not in rows:
            rows[key] = FunctionEventAvg(event.name, event.kind, event.phase, shapes)
        rows[key].add(event)
    return EventList(list(rows.values()), summary_line, group_by_input_shape, machine)


def _is_step(event: Event) -> bool:
    return event.kind == RANGE and event.name.startswith("ProfilerStep#")


def _root(event: Event) -> Event:
    while event.parent is not None:
        event = event.parent
    return event


def summarize(events: list[Event], wall_ns: int) -> str:
    """"step 182 us: kernels 64 us, engine 118 us": the mean over the ProfilerStep ranges when
    a schedule marked steps, else the whole span. Engine: the wall time minus kernel self time."""
    steps = [event for event in events if _is_step(event)]
    kernels = [event for event in events if event.kind == KERNEL]
    if steps:
        step_set = set(map(id, steps))
        kernel_ns = sum(k.self_ns for k in kernels if id(_root(k)) in step_set)
        wall_ns, count, label = sum(s.duration_ns for s in steps), len(steps), "step"
    else:
        kernel_ns, count, label = sum(k.self_ns for k in kernels), 1, "profile"
    wall, kernel = wall_ns / 1e3 / count, kernel_ns / 1e3 / count
    line = f"{label} {wall:,.0f} us: kernels {kernel:,.0f} us, engine {wall - kernel:,.0f} us"
    return line + (f" (mean of {count} steps)" if steps else "")
