"""Run a PyTorch program unchanged, on minigrad or on PyTorch.

    run = run_program("linreg_scratch", "minigrad")   # `import torch` gives minigrad
    run.results["losses"], run.printed                 # the program's RESULTS, its stdout lines

On minigrad, an import hook maps every module name `torch` or `torch.<x>` to `minigrad` or
`minigrad.<x>` (`import torch.nn.functional as F` gives minigrad.nn.functional); a name minigrad
lacks fails as it would for a user, with ModuleNotFoundError. The real torch modules, if loaded,
are set aside for the run and put back afterwards. Each run executes the program's file in a
fresh namespace (runpy) and restores the default dtype, so no run leaks into the next.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import io
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path

PROGRAMS = Path(__file__).parent
NAMES = sorted(path.stem for path in PROGRAMS.glob("*.py")
               if path.stem not in ("harness", "__init__"))
BACKENDS = ("minigrad", "torch")


@dataclass
class Run:
    results: dict   # the program's module-level RESULTS
    printed: list   # the lines it printed
    compare: dict   # the program's COMPARE: how its results may be compared with PyTorch's


class _TorchAsMinigrad(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `torch.<x>` as the module `minigrad.<x>` (the same module object, not a copy)."""

    def __init__(self) -> None:
        self._specs: dict = {}  # importlib overwrites a loaded module's __spec__: put it back

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        target_name = "minigrad" + fullname[len("torch"):]
        if importlib.util.find_spec(target_name) is None:
            return None  # the import fails for the program: minigrad lacks this module
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module("minigrad" + spec.name[len("torch"):])
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module) -> None:  # already executed, under its own name
        module.__spec__ = self._specs.pop(module.__spec__.name)


def _torch_modules() -> dict:
    return {name: module for name, module in sys.modules.items()
            if name == "torch" or name.startswith("torch.")}


@contextlib.contextmanager
def torch_is_minigrad():
    """While inside, `import torch...` imports minigrad...; afterwards everything is as before."""
    import minigrad

    saved = _torch_modules()
    for name in saved:
        del sys.modules[name]
    finder = _TorchAsMinigrad()
    sys.meta_path.insert(0, finder)
    dtype = minigrad.get_default_dtype()
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in _torch_modules():
            del sys.modules[name]
        sys.modules.update(saved)
        minigrad.set_default_dtype(dtype)


@contextlib.contextmanager
def real_torch():
    import torch

    dtype = torch.get_default_dtype()
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)


def run_program(name: str, backend: str) -> Run:
    """Run tests/programs/<name>.py with `torch` being `backend` ("minigrad" or "torch")."""
    if name not in NAMES:
        raise ValueError(f"no program {name!r} in {PROGRAMS}; there are {', '.join(NAMES)}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    output = io.StringIO()
    context = torch_is_minigrad() if backend == "minigrad" else real_torch()
    with context, contextlib.redirect_stdout(output):
        namespace = runpy.run_path(str(PROGRAMS / f"{name}.py"), run_name="__program__")
    return Run(namespace["RESULTS"], output.getvalue().splitlines(), namespace.get("COMPARE", {}))


def first_failure(name: str) -> str:
    """'ok', or the first exception running the program on minigrad (for the to-do list)."""
    try:
        run_program(name, "minigrad")
    except Exception as error:  # noqa: BLE001 (any failure is what we report)
        frame = error.__traceback__
        line = "?"
        while frame is not None:  # the last line of the program itself that ran
            if frame.tb_frame.f_code.co_filename.endswith(f"{name}.py"):
                line = frame.tb_lineno
            frame = frame.tb_next
        message = (str(error).splitlines() or [""])[0][:150]
        return f"line {line}: {type(error).__name__}: {message}"
    return "ok"


if __name__ == "__main__":  # python tests/programs/harness.py: the to-do list
    sys.path.insert(0, str(PROGRAMS.parents[1]))  # this checkout's minigrad, not an installed one
    for program in NAMES:
        print(f"{program:24s} {first_failure(program)}")
