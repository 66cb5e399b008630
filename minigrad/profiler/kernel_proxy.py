"""Kernel modules that time their calls: what `kernels.load` returns while a profile records.

A KernelProxy stands in for one kernel module (minigrad._C.<stem> or its NumPy twin): each public
function the module defines is wrapped to record a "kernel" event named "<stem>.<function>"
(linear.linear_forward) with the backend in its args and, kept for the FLOP and byte counts
(counts.py), the shapes and dtypes of its array arguments (always, whatever record_shapes says),
the scalar arguments and the names of the keyword arguments; everything else is read from the
module. `install` puts proxies in
`kernels._cache` and wraps `kernels.load` for modules loaded later; `restore` undoes both.
"""
from __future__ import annotations

import threading
import time
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .. import kernels
from .events import KERNEL, Recorder

_now = time.perf_counter_ns
_thread = threading.get_ident
_SCALARS = (int, float, bool, str, tuple, np.generic, type(None))  # tuple: stride, padding


def backend_of(module: ModuleType) -> str:
    """'compiled' for a module of minigrad._C, 'numpy' for a twin."""
    return "compiled" if module.__name__.startswith("minigrad._C.") else "numpy"


def describe_arrays(values: Any) -> tuple:
    """Per argument (positional ones, then keyword ones in their order): (shape, dtype) when it
    is an array, None otherwise; one cheap pass (Recorder.events() splits and names them)."""
    return tuple([(a.shape, a.dtype) if isinstance(a, np.ndarray) else None for a in values])


def scalar_arguments(args: tuple, kwargs: dict) -> dict[int | str, Any]:
    """The arguments that are not arrays (sizes, flags, hyperparameters), by position or name."""
    scalars = {i: a for i, a in enumerate(args) if isinstance(a, _SCALARS)}
    scalars.update((k, v) for k, v in kwargs.items() if isinstance(v, _SCALARS))
    return scalars


class KernelProxy:
    """One kernel module whose public functions are timed."""

    def __init__(self, module: ModuleType, recorder: Recorder) -> None:
        self.module = module
        stem = module.__name__.rsplit(".", 1)[1].removesuffix("_v3")
        backend = backend_of(module)
        for name, value in vars(module).items():
            if not name.startswith("_") and callable(value) \
                    and getattr(value, "__module__", None) == module.__name__:
                setattr(self, name, _timed_kernel(recorder, f"{stem}.{name}", stem, backend,
                                                  value))

    def __getattr__(self, name: str) -> Any:  # what is not a kernel function of the module
        return getattr(self.module, name)

    def __repr__(self) -> str:
        return f"<KernelProxy of {self.module.__name__}>"


def _timed_kernel(recorder: Recorder, name: str, stem: str, backend: str,
                  kernel: Callable) -> Callable:
    raw = recorder.raw
    fixed_phase = "optimizer" if stem == "optim" else None

    def profiled_kernel(*args: Any, **kwargs: Any) -> Any:
        arrays = describe_arrays((*args, *kwargs.values()))  # always: the counts need them
        start = _now()
        try:
            return kernel(*args, **kwargs)
        finally:
            end = _now()
            raw.append((name, KERNEL, fixed_phase or recorder.phase, start, end, _thread(),
                        arrays, {"backend": backend, "scalars": scalar_arguments(args, kwargs),
                                 "keywords": tuple(kwargs)}))

    return profiled_kernel


class KernelInstallation:
    """The proxies in kernels._cache and the wrapped kernels.load of one recording span."""

    def __init__(self, recorder: Recorder) -> None:
        self._load = kernels.__dict__["load"]
        self._proxies: dict[ModuleType, KernelProxy] = {}
        for key, module in list(kernels._cache.items()):
            kernels._cache[key] = self._proxy(module, recorder)
        load = self._load

        def profiled_load(stem: str, dtype: Any = np.float32) -> Any:
            module = load(stem, dtype)
            if type(module) is KernelProxy:
                return module
            proxy = self._proxy(module, recorder)  # loaded for the first time: cache its proxy
            for key, cached in kernels._cache.items():
                if cached is module:
                    kernels._cache[key] = proxy
            return proxy

        kernels.load = profiled_load

    def _proxy(self, module: ModuleType, recorder: Recorder) -> KernelProxy:
        if module not in self._proxies:
            self._proxies[module] = KernelProxy(module, recorder)
        return self._proxies[module]

    def restore(self) -> None:
        """The modules back in kernels._cache, the original kernels.load back in place."""
        kernels.load = self._load
        for key, cached in list(kernels._cache.items()):
            if type(cached) is KernelProxy:
                kernels._cache[key] = cached.module


def install(recorder: Recorder) -> KernelInstallation:
    return KernelInstallation(recorder)
