"""Choosing a kernel: the compiled module minigrad._C.<stem>, or its NumPy twin.

`load(stem, dtype)` returns a module with the stem's kernel functions. The compiled module is used
for float32/float64 data unless the NumPy backend is forced, by the environment variable
MINIGRAD_BACKEND=numpy or by `set_backend("numpy")`. If the compiled modules were not built,
minigrad says so once and runs on the twins.
"""
from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import threading
import warnings
from types import ModuleType
from typing import Any, Iterator

import numpy as np

from . import _process  # noqa: F401  (the environment the kernels' OpenMP and OpenBLAS read)
# The OpenBLAS the kernels' gemms call (csrc/_blas.pxd): importing the wheel's package loads its
# library, which the compiled modules are linked against, before any of them is imported.
import scipy_openblas32  # noqa: E402

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


def compiled_module_name(stem: str) -> str:
    """The name of the compiled module that load(stem) uses for this CPU: minigrad._C.<stem>_v3
    when it has the x86-64-v3 instructions, minigrad._C.<stem> otherwise."""
    return f"minigrad._C.{stem}{SIMD_SUFFIX}"


def _import(stem: str, compiled: bool) -> ModuleType:
    global _warned_missing
    if compiled:
        try:
            if SIMD_SUFFIX:
                try:
                    return importlib.import_module(compiled_module_name(stem))
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
#
# Three thread pools serve the kernels: OpenMP's (prange), minigrad's OpenBLAS (the compiled
# gemms) and NumPy's own OpenBLAS (mg.matmul and the twins). docs/determinism.md says which
# results depend on their sizes and which do not.

_num_threads = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                else os.cpu_count() or 1)
_deterministic = False
_openblas_path = os.path.join(scipy_openblas32.get_lib_dir(),
                              scipy_openblas32.get_library(fullname=True))
_openblas = ctypes.CDLL(_openblas_path)  # already loaded by the import above: the same library
_one_thread_sections = 0  # blas_on_one_thread bodies running now, in any Python thread
_sections_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """Threads for OpenMP kernels and for BLAS (through threadpoolctl), as torch.set_num_threads."""
    global _num_threads
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n!r}")
    from threadpoolctl import threadpool_limits

    _num_threads = int(n)
    threadpool_limits(limits=_num_threads)
    _limit_other_blas()
    with _sections_lock:
        if _one_thread_sections:  # a conv2d loop is running: its gemms stay on one thread
            _openblas.scipy_openblas_set_num_threads(1)


def get_num_threads() -> int:
    """The thread count set by set_num_threads (default: the cores this process may use)."""
    return _num_threads


@contextlib.contextmanager
def blas_on_one_thread() -> Iterator[None]:
    """minigrad's OpenBLAS on one thread while the body runs, for kernels that call gemm from
    their own OpenMP threads (conv2d's per-image loop). The count is global to the library: it
    is set to 1 when the first such body starts, in any Python thread, and back to
    get_num_threads() when the last one ends, so overlapping bodies never hand each other a
    multithreaded BLAS. A gemm of another Python thread then runs on one thread too, with the
    same result (csrc/_blas.pxd makes gemm's bits independent of the count)."""
    global _one_thread_sections
    with _sections_lock:
        if _one_thread_sections == 0:
            _openblas.scipy_openblas_set_num_threads(1)
        _one_thread_sections += 1
    try:
        yield
    finally:
        with _sections_lock:
            _one_thread_sections -= 1
            if _one_thread_sections == 0:
                _openblas.scipy_openblas_set_num_threads(get_num_threads())


def float64_gemm_threads() -> contextlib.AbstractContextManager:
    """What the float64 linear kernels hold around their gemms: blas_on_one_thread() in
    deterministic mode, nothing otherwise.

    OpenBLAS's threaded driver cuts the rows of a product at multiples of 8 in float64 (16 in
    float32) on SkylakeX, while its float64 kernel works on 16 at a time and the rows left at a
    cut take code that rounds differently: a float64 product's bits depend on the thread count
    even when the inner dimension is chunked (csrc/_blas.pxd); float32 ones do not.
    """
    return blas_on_one_thread() if _deterministic else contextlib.nullcontext()


def use_deterministic_algorithms(mode: bool) -> None:
    """Make every result bit-identical for any thread count (PyTorch's name).

    The float32 compiled kernels already are, and so are all but the float64 linear layer
    (docs/determinism.md). What the mode adds: float64 linear gemms run on one BLAS thread
    (float64_gemm_threads), and NumPy's own BLAS, which computes mg.matmul / Tensor @ and the
    NumPy twins' products, runs on one thread, because OpenBLAS sums a product's inner dimension
    in blocks that differ between its single-threaded and threaded code. mg.set_num_threads keeps
    that BLAS at one thread while the mode is on; turning it off gives it get_num_threads()
    threads again.
    """
    global _deterministic
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, got {type(mode).__name__}")
    _deterministic = mode
    _limit_other_blas()


def are_deterministic_algorithms_enabled() -> bool:
    """True while use_deterministic_algorithms(True) is in force (PyTorch's name)."""
    return _deterministic


def _limit_other_blas() -> None:
    """Every BLAS in the process other than minigrad's (NumPy's, SciPy's): one thread in
    deterministic mode, get_num_threads() otherwise."""
    from threadpoolctl import ThreadpoolController

    for library in ThreadpoolController().select(user_api="blas").lib_controllers:
        if os.path.realpath(library.filepath) != os.path.realpath(_openblas_path):
            library.set_num_threads(1 if _deterministic else get_num_threads())


# ------------------------------------------------------------------------------------- fork


def _stop_openmp_workers() -> None:
    """Before a fork: end the calling thread's OpenMP worker threads (OpenMP 5.0's
    omp_pause_resource_all), if GNU libgomp is loaded.

    A forked child has only the thread that forked, but libgomp still believes that thread's
    team of workers is there, and the child's next parallel region waits for them forever.
    With the workers ended first the child starts a new team, with any thread count; the
    parent's next parallel region starts one too (ending and restarting took 0.1 ms here).
    OpenBLAS ends its own threads before a fork (its pthread_atfork handler)."""
    global _openmp_stopped
    try:
        gomp = ctypes.CDLL("libgomp.so.1", mode=getattr(os, "RTLD_NOLOAD", 0))
    except OSError:  # not loaded (no compiled kernel imported yet) or not GNU's runtime
        _openmp_stopped = True
        return
    omp_pause_hard = 2
    _openmp_stopped = gomp.omp_pause_resource_all(omp_pause_hard) == 0


def _reset_threads_in_child() -> None:
    """After a fork, in the child: the bookkeeping of threads that the child does not have."""
    global _one_thread_sections, _sections_lock, _num_threads
    _one_thread_sections = 0
    _sections_lock = threading.Lock()  # another thread may have held it at the fork
    if not _openmp_stopped:  # the workers could not be ended: no OpenMP team in the child
        _num_threads = 1
    _openblas.scipy_openblas_set_num_threads(get_num_threads())


_openmp_stopped = True
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_stop_openmp_workers, after_in_child=_reset_threads_in_child)
