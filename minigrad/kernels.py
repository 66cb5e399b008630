"""Choosing a kernel: the compiled module minigrad._C.<stem>, or its NumPy twin.

`load(stem, dtype)` returns a module with the stem's kernel functions. The compiled module is used
for float32/float64 data unless the NumPy backend is forced, by the environment variable
MINIGRAD_BACKEND=numpy or by `set_backend("numpy")`. If the compiled modules were not built,
minigrad says so once and runs on the twins.
"""
from __future__ import annotations

import ctypes
import importlib
import os
import sys
import warnings
from types import ModuleType
from typing import Any

import numpy as np

# libgomp threads spin after a parallel region by default and then fight OpenBLAS's threads for the
# cores (measured in docs/benchmarks.md); passive waiting must be set before libgomp is loaded.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# The same the other way round: after a gemm, OpenBLAS's threads spin for 2^28 cycles (~0.1 s) by
# default, through the OpenMP passes that follow (im2col, col2im, ...). 2^20 cycles (~0.4 ms) still
# covers the gap between back-to-back gemms (sleeping at once, 2^4, slowed the MLP step) but not a
# whole OpenMP pass. Read when the kernels' OpenBLAS loads, on the next line.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
# The OpenBLAS the kernels' gemms call (csrc/_blas.pxd): importing the wheel's package loads its
# library, which the compiled modules are linked against, before any of them is imported.
import scipy_openblas32  # noqa: E402,F401


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
    libc.mallopt(m_mmap_threshold, 32 << 20)  # blocks below 32 MB (its maximum) come from the heap...
    libc.mallopt(m_trim_threshold, 256 << 20)  # ...which keeps up to 256 MB free for reuse


_keep_freed_memory()

BACKENDS = ("compiled", "numpy")
_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

_backend = os.environ.get("MINIGRAD_BACKEND", "compiled").lower()
if _backend not in BACKENDS:
    raise ValueError(f"MINIGRAD_BACKEND must be one of {BACKENDS}, got {_backend!r}")
_cache: dict[tuple[str, bool], ModuleType] = {}
_warned_missing = False


def set_backend(name: str) -> None:
    """Force the kernels of every later op: "compiled" (the default) or "numpy" (the twins)."""
    global _backend
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    _backend = name


def get_backend() -> str:
    """The backend requested: "compiled" or "numpy"."""
    return _backend


def _simd_suffix() -> str:
    """'_v3' when the CPU has the x86-64-v3 instructions (AVX2, FMA, BMI2, F16C) that the second
    build of every kernel uses (setup.py), as NumPy detected them; MINIGRAD_SIMD=baseline opts out."""
    if os.environ.get("MINIGRAD_SIMD", "").lower() == "baseline":
        return ""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy 1.x
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as features
        except ImportError:
            return ""
    return "_v3" if all(features.get(f) for f in ("AVX2", "FMA3", "BMI2", "F16C")) else ""


SIMD_SUFFIX = _simd_suffix()


def _import(stem: str, compiled: bool) -> ModuleType:
    global _warned_missing
    if compiled:
        try:
            if SIMD_SUFFIX:
                try:
                    return importlib.import_module(f"minigrad._C.{stem}{SIMD_SUFFIX}")
                except ImportError:
                    pass  # built without variants (another platform): the baseline build
            return importlib.import_module(f"minigrad._C.{stem}")
        except ImportError:
            if not _warned_missing:
                warnings.warn("minigrad's compiled kernels are not built; running on the NumPy "
                              "twins (build with `pip install -e .`)", RuntimeWarning, stacklevel=3)
                _warned_missing = True
    return importlib.import_module(f"minigrad._reference.{stem}")


def load(stem: str, dtype: Any = np.float32) -> ModuleType:
    """The kernel module for stem: compiled for float32/float64 unless the twins are forced."""
    compiled = _backend == "compiled" and dtype in _COMPILED_DTYPES
    key = (stem, compiled)
    module = _cache.get(key)
    if module is None:
        module = _cache[key] = _import(stem, compiled)
    return module


def compiled_available(stem: str) -> bool:
    """True when minigrad._C.<stem> was built and imports."""
    try:
        importlib.import_module(f"minigrad._C.{stem}")
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------- threads

_num_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def set_num_threads(n: int) -> None:
    """Threads for OpenMP kernels and for BLAS (through threadpoolctl), as torch.set_num_threads."""
    global _num_threads
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n!r}")
    from threadpoolctl import threadpool_limits

    _num_threads = int(n)
    threadpool_limits(limits=_num_threads)


def get_num_threads() -> int:
    """The thread count set by set_num_threads (default: the cores this process may use)."""
    return int(_num_threads or 1)
