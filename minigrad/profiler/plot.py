"""The profile's pictures (matplotlib, the `plot` extra): the roofline with every profiled kernel
as a point, and a bar per phase of where the step's time goes.

    roofline: x = arithmetic intensity (FLOP/byte), y = achieved GFLOP/s, both logarithmic;
              the ceilings min(peak, I * bandwidth) for DRAM and for cache-sized data;
              each kernel a point whose area is its share of the kernels' time.
    phases:   per phase (forward, backward, optimizer, other), its time in kernels and outside
              them (the Tensor/Function path, validation, allocation: the engine).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from .events import KERNEL, PHASES, Event
from .machine import Machine

MISSING = "plot skipped: matplotlib is not installed (pip install \"minigrad[plot]\")"


@dataclasses.dataclass(frozen=True)
class KernelPoint:
    """One kernel row on the roofline: its FLOPs per byte, achieved GFLOP/s, dtype and the
    fraction of the kernels' self time it took."""

    name: str
    dtype: str
    intensity: float
    gflops: float
    share: float


def phase_times(events: list[Event]) -> dict[str, tuple[float, float]]:
    """Per phase, (seconds in kernels, seconds outside them) of the events' top-level ranges'
    self times: every event's self time counted once, kernels apart."""
    kernels = {phase: 0 for phase in PHASES}
    engine = {phase: 0 for phase in PHASES}
    for event in events:
        (kernels if event.kind == KERNEL else engine)[event.phase] += event.self_ns
    return {phase: (kernels[phase] / 1e9, engine[phase] / 1e9) for phase in PHASES}


def save(points: list[KernelPoint], machine: Machine | None,
         phases: dict[str, tuple[float, float]], path: Path) -> str:
    """Write the roofline (left; only the phase bar when machine is None) and the phase bar
    (right) to path; return the line to print."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return MISSING
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5),
                                         gridspec_kw={"width_ratios": [2, 1]})
    if machine is not None and points:
        _roofline(left, points, machine)
    else:
        left.set_axis_off()
        left.text(0.5, 0.5, "no roofline: run `minigrad roofline`", ha="center")
    _phases(right, phases)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return f"roofline: {path}"


def _roofline(axis, points: list[KernelPoint], machine: Machine) -> None:
    intensities = [p.intensity for p in points if p.intensity > 0]
    low = min(intensities + [0.05]) / 2
    high = max(intensities + [100.0]) * 2
    grid = [low * (high / low) ** (i / 200) for i in range(201)]
    for dtype, style in (("float32", "-"), ("float64", "--")):
        peak = machine.peak_gflops.get(dtype)
        if peak is None:
            continue
        axis.plot(grid, [min(peak, i * machine.dram_gbs) for i in grid], "k" + style,
                  label=f"{dtype}: {peak:.0f} GFLOP/s, DRAM {machine.dram_gbs:.0f} GB/s")
        axis.plot(grid, [min(peak, i * machine.cache_gbs) for i in grid], "k" + style,
                  alpha=0.3, label=f"{dtype}: cache {machine.cache_gbs:.0f} GB/s")
    for point in points:
        if point.intensity <= 0 or point.gflops <= 0:
            continue
        axis.scatter(point.intensity, point.gflops, s=20 + 600 * point.share, alpha=0.6)
        axis.annotate(point.name, (point.intensity, point.gflops), fontsize=7,
                      xytext=(3, 3), textcoords="offset points")
    axis.set(xscale="log", yscale="log", xlabel="arithmetic intensity (FLOP/byte)",
             ylabel="achieved GFLOP/s", title=f"roofline, {machine.threads} thread(s)")
    axis.legend(fontsize=7, loc="lower right")


def _phases(axis, phases: dict[str, tuple[float, float]]) -> None:
    names = [phase for phase in PHASES if sum(phases[phase]) > 0]
    kernel_ms = [phases[phase][0] * 1e3 for phase in names]
    engine_ms = [phases[phase][1] * 1e3 for phase in names]
    axis.bar(names, kernel_ms, label="kernels")
    axis.bar(names, engine_ms, bottom=kernel_ms, label="outside kernels (engine)")
    axis.set(ylabel="ms (all recorded steps)", title="where the time goes")
    axis.legend(fontsize=8)
