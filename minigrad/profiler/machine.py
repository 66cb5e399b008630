"""The machine's ceilings, for the roofline: peak FLOP/s per dtype and memory bandwidth.

A kernel of arithmetic intensity I (FLOPs per byte moved) can reach at most
    attainable(I) = min(peak FLOP/s, I * bandwidth)
(Williams, Waterman and Patterson's roofline). It is memory-bound when I * bandwidth < peak,
compute-bound otherwise; "% of roofline" is achieved / attainable(I). The figures are measured
by `minigrad roofline` (profiler/roofline.py) on this machine, per thread count.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Machine:
    """Measured ceilings: peak_gflops by dtype name ("float32", "float64"), the bandwidth of
    DRAM-sized and of cache-sized streams in GB/s, for `threads` threads on `cpu`."""

    cpu: str
    threads: int
    peak_gflops: dict[str, float]
    dram_gbs: float
    cache_gbs: float

    def attainable_gflops(self, intensity: float, dtype: str) -> float:
        """min(peak, intensity * DRAM bandwidth): the roofline at this intensity (FLOP/byte)."""
        return min(self.peak_gflops[dtype], intensity * self.dram_gbs)

    def bound(self, intensity: float, dtype: str) -> str:
        """"memory" left of the ridge point (intensity * bandwidth < peak), else "compute"."""
        return "memory" if intensity * self.dram_gbs < self.peak_gflops[dtype] else "compute"
