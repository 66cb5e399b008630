"""The machine's roofline, measured: peak FLOP/s per dtype and memory bandwidth, cached per CPU.

    peak FLOP/s  a square gemm (x W^T, n x n by n x n: 2 n^3 FLOPs) through the linear kernel
                 with no bias and no activation, which is exactly the BLAS call the kernels make
    bandwidth    the STREAM triad a = b + s c (csrc/stream.pyx) in float64, counted as
                 3 n * 8 bytes per pass: b and c read, a written, and no write-allocate (the
                 cache line of a that a store first reads is not counted, as in STREAM)
    DRAM         three arrays of 64 MB, twice the 32 MB L3 and more (quick: 32 MB each)
    cache        three arrays of 64 KB, repeated many times within one call: each thread's
                 slice stays in its core's L2

Every figure is the best of a few timed runs (the least disturbed by other processes), under
the given thread count (kernels.set_num_threads, restored afterwards). machine() keeps the
results in the user cache directory ($XDG_CACHE_HOME or ~/.cache, minigrad/roofline.json),
keyed by CPU model and thread count, and measures only when an entry is missing.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .. import kernels
from ..utils.atomic_file import write_atomically
from .machine import Machine

DTYPES = ("float32", "float64")
GEMM_SIDE = {False: 2048, True: 512}                       # n of the n x n product
DRAM_ARRAY_BYTES = {False: 64 * 2 ** 20, True: 32 * 2 ** 20}
CACHE_ARRAY_BYTES = 64 * 2 ** 10
CACHE_REPEATS = {False: 4000, True: 500}                   # triads per timed call
TIMED_RUNS = {False: 5, True: 3}
TRIAD_SCALAR = 3.0


def best_seconds(run: Callable[[], object], runs: int) -> float:
    """The shortest wall time of `runs` calls of run, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_gflops(dtype: str, quick: bool) -> float:
    """2 n^3 / time of the best n x n gemm, in GFLOP/s."""
    n = GEMM_SIDE[quick]
    rng = np.random.default_rng(0)
    x, weight = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    linear_forward = kernels.load("linear", np.dtype(dtype)).linear_forward
    seconds = best_seconds(lambda: linear_forward(x, weight, None, "none", 0.0),
                           TIMED_RUNS[quick])
    return 2 * n ** 3 / seconds / 1e9


def triad_gbs(array_bytes: int, repeats: int, runs: int) -> float:
    """Bandwidth of the float64 triad on arrays of array_bytes each: 3 * n * 8 bytes per triad
    (no write-allocate), in GB/s."""
    n = array_bytes // 8
    b, c = np.full(n, 1.0), np.full(n, 2.0)  # written: no page is left unmapped
    a = np.zeros(n)
    triad = kernels.load("stream", np.float64).triad
    threads = kernels.get_num_threads()
    seconds = best_seconds(lambda: triad(a, b, c, TRIAD_SCALAR, repeats, num_threads=threads),
                           runs)
    return 3 * n * 8 * repeats / seconds / 1e9


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def resolved_threads(threads: int | None) -> int:
    """threads, or kernels.get_num_threads() when None; a positive int."""
    if threads is None:
        return kernels.get_num_threads()
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive int or None, got {threads!r}")
    return int(threads)


def measure(threads: int | None = None, quick: bool = False) -> Machine:
    """Measure this machine's ceilings under `threads` threads (None: the current count).
    quick: smaller products and arrays, for tests (rougher figures). Always on the compiled
    kernels (the machine's ceilings, not the twins'), whatever set_backend chose."""
    threads = resolved_threads(threads)
    previous, backend = kernels.get_num_threads(), kernels.get_backend()
    kernels.set_num_threads(threads)
    kernels.set_backend("compiled")
    try:
        peaks = {dtype: peak_gflops(dtype, quick) for dtype in DTYPES}
        dram = triad_gbs(DRAM_ARRAY_BYTES[quick], 1, 2 * TIMED_RUNS[quick])
        cache = triad_gbs(CACHE_ARRAY_BYTES, CACHE_REPEATS[quick], TIMED_RUNS[quick])
    finally:
        kernels.set_num_threads(previous)
        kernels.set_backend(backend)
    return Machine(cpu=cpu_model(), threads=threads, peak_gflops=peaks, dram_gbs=dram,
                   cache_gbs=cache)


# ------------------------------------------------------------------------------- the cache

def cache_path() -> Path:
    """$XDG_CACHE_HOME/minigrad/roofline.json, or ~/.cache/minigrad/roofline.json (XDG's rule:
    a relative XDG_CACHE_HOME is ignored)."""
    root = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(root) if os.path.isabs(root) else Path.home() / ".cache"
    return base / "minigrad" / "roofline.json"


def read_cache(path: Path) -> dict:
    """{cpu: {threads (str): entry}} from path; {} when absent, with a warning when unreadable
    (its entries are then measured again and the file rewritten)."""
    try:
        cache = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        warnings.warn(f"ignoring the unreadable roofline cache {path} ({error}); measuring again",
                      RuntimeWarning, stacklevel=3)
        return {}
    if not isinstance(cache, dict) or not all(isinstance(v, dict) for v in cache.values()):
        warnings.warn(f"ignoring the roofline cache {path}: not a {{cpu: {{threads: entry}}}} "
                      f"object; measuring again", RuntimeWarning, stacklevel=3)
        return {}
    return cache


def machine_from_entry(entry: object, cpu: str, threads: int) -> Machine | None:
    """The Machine a cache entry holds, or None when the entry is not a valid one."""
    try:
        peaks = {dtype: float(entry["peak_gflops"][dtype]) for dtype in DTYPES}
        found = Machine(cpu=cpu, threads=threads, peak_gflops=peaks,
                        dram_gbs=float(entry["dram_gbs"]), cache_gbs=float(entry["cache_gbs"]))
    except (TypeError, KeyError, ValueError):
        return None
    figures = [*peaks.values(), found.dram_gbs, found.cache_gbs]
    return found if all(np.isfinite(f) and f > 0 for f in figures) else None


def machine(threads: int | None = None, refresh: bool = False, quick: bool = False) -> Machine:
    """This CPU's ceilings under `threads` threads (None: the current count): from the cache,
    measured (and cached) when missing, invalid or `refresh`. A quick measurement is cached as
    such and serves only quick requests; a full one serves both."""
    threads = resolved_threads(threads)
    cpu, path = cpu_model(), cache_path()
    cache = read_cache(path)
    entry = cache.get(cpu, {}).get(str(threads))
    found = None if refresh else machine_from_entry(entry, cpu, threads)
    if entry is not None and found is None and not refresh:
        warnings.warn(f"the roofline cache {path} holds an invalid entry for {cpu!r}, "
                      f"{threads} threads; measuring again", RuntimeWarning, stacklevel=2)
    if found is not None and (quick or not entry.get("quick", False)):
        return found
    measured = measure(threads, quick)
    record = {key: value for key, value in dataclasses.asdict(measured).items()
              if key not in ("cpu", "threads")}
    cache.setdefault(cpu, {})[str(threads)] = {**record, "quick": quick}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, (json.dumps(cache, indent=1) + "\n").encode(), "the roofline cache")
    return measured


def ridge_points(ceilings: Machine) -> dict[str, float]:
    """FLOP/byte where the DRAM slope meets each dtype's peak: below it a kernel is
    memory-bound."""
    return {dtype: peak / ceilings.dram_gbs for dtype, peak in ceilings.peak_gflops.items()}


def describe(ceilings: Machine, path: Path | None = None) -> str:
    """The ceilings as lines of text (what `minigrad roofline` prints)."""
    ridges = ridge_points(ceilings)
    lines = [f"roofline of {ceilings.cpu}, {ceilings.threads} thread(s)"]
    lines += [f"  peak {dtype}: {peak:8.1f} GFLOP/s   ridge point {ridges[dtype]:6.2f} FLOP/byte"
              for dtype, peak in ceilings.peak_gflops.items()]
    lines += [f"  DRAM bandwidth:  {ceilings.dram_gbs:8.1f} GB/s (STREAM triad, DRAM-sized arrays)",
              f"  cache bandwidth: {ceilings.cache_gbs:8.1f} GB/s (STREAM triad, cache-sized arrays)"]
    if path is not None:
        lines.append(f"cached in {path}")
    return "\n".join(lines)
