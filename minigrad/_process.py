"""Process-wide tuning that minigrad applies once, when it is imported.

Three settings make the kernels' threads and memory behave; each was measured (docs/benchmarks.md)
and each can be turned off:

- `OMP_WAIT_POLICY=PASSIVE`: libgomp's threads spin after a parallel region by default and then
  fight OpenBLAS's threads for the cores. libgomp reads the variable once, when it loads (with the
  first compiled kernel), so it is set here, before. A value you set yourself wins (setdefault).
- `OPENBLAS_THREAD_TIMEOUT=20`: the same the other way round. After a gemm, OpenBLAS's threads
  spin for 2^28 cycles (~0.1 s) by default, through the OpenMP passes that follow (im2col,
  col2im, ...). 2^20 cycles (~0.4 ms) still covers the gap between back-to-back gemms (sleeping
  at once, 2^4, slowed the MLP step) but not a whole OpenMP pass. The kernels' OpenBLAS reads it
  when minigrad.kernels loads it; NumPy's own OpenBLAS is already loaded by then and keeps its
  default. A value you set yourself wins.
- glibc's malloc keeps freed blocks of up to 32 MB for reuse (`mallopt`) instead of returning
  them to the OS, so a training step does not page-fault its activations back in each time.
  `MINIGRAD_MALLOC_TUNING=0` leaves malloc alone.

A side effect on PyTorch: the variable is set for the whole process, and when torch is imported
after minigrad its OpenMP runtime (one libgomp.so.1 per process) reads it too, so PyTorch's
threads wait passively as well. That slows its small ops: PyTorch's moons training step took 300-330 us in a process of its own and
1,150-1,530 us after `import minigrad` (measured for issue 12, docs/benchmarks.md). The opt-out
is to set `OMP_WAIT_POLICY` yourself before importing minigrad; minigrad's OpenMP threads then
wait that way too. `ACTIVE` makes every OpenMP thread spin for up to minutes; libgomp's default
when the variable is unset is 300,000 spins (~3 ms), which `GOMP_SPINCOUNT=300000` restores on
top of minigrad's PASSIVE (OMP_DISPLAY_ENV=VERBOSE then reports the same settings as unset).
"""
from __future__ import annotations

import ctypes
import os
import sys

# NumPy loads its own OpenBLAS first, which keeps its default thread timeout (see above).
import numpy  # noqa: F401

def _set_thread_wait_policies() -> None:
    """Passive OpenMP waiting and a short OpenBLAS spin, unless the user set them."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")


def _keep_freed_memory() -> None:
    """Let glibc reuse freed large blocks instead of returning them to the OS on every free.

    By default glibc serves blocks of a few MB with mmap or trims them from the heap when freed,
    so every training step page-faults its activations and gradients back in: measured on the
    linear layer's forward+backward, 1,800 page faults and 10.5 ms per step against 7.0 ms with
    the thresholds raised (docs/benchmarks.md). Set MINIGRAD_MALLOC_TUNING=0 to leave malloc alone.
    """
    if not sys.platform.startswith("linux") or os.environ.get("MINIGRAD_MALLOC_TUNING") == "0":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, 32 << 20)  # blocks below 32 MB (the maximum) from the heap...
    libc.mallopt(m_trim_threshold, 256 << 20)  # ...which keeps up to 256 MB free for reuse


_set_thread_wait_policies()
_keep_freed_memory()
