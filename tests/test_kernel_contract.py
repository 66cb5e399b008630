"""The op-kernel contract, checked for every kernel stem.

A stem is a NumPy twin minigrad/_reference/<stem>.py with its Cython source csrc/<stem>.pyx,
compiled as minigrad._C.<stem> (and the x86-64-v3 build that kernels.compiled_module_name
names). The stems are found from the twins' files, so a new or split stem is checked as soon as
it exists. The rules:
- the compiled modules and the twin export the same public functions with the same signatures
  (names, kinds, defaults; the twin's type hints are not part of it);
- csrc/ imports nothing from minigrad but minigrad._validate (threads come from the caller);
- no hand-written dtype dispatch (`== np.float32`): Cython's fused types choose;
- every public kernel that reaches a prange takes a required keyword-only num_threads, last;
- every *_backward takes required keyword-only bool flags named <gradient>_grad;
- tests name the compiled module in use through kernels.compiled_module_name only.
Each check is a function returning what breaks the rule (empty when kept), so a failure lists it.
"""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

import minigrad
from minigrad import kernels

ROOT = Path(minigrad.__file__).parent.parent
STEMS = sorted(path.stem for path in (ROOT / "minigrad" / "_reference").glob("*.py")
               if not path.stem.startswith("_"))
SOURCES = sorted((ROOT / "csrc").glob("*.pyx"))
TESTS = sorted(path for path in (ROOT / "tests").glob("*.py") if path.name != Path(__file__).name)


# ----------------------------------------------------------------------------- the checks

def public_functions(module: ModuleType) -> dict:
    """The functions a module defines (not imports) whose names do not start with '_'."""
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and callable(value) and not isinstance(value, type)
            and getattr(value, "__module__", None) == module.__name__}


def bare_signature(function) -> inspect.Signature:
    """function's signature without annotations: names, kinds and defaults."""
    signature = inspect.signature(function)
    return signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=signature.empty)


def signature_differences(compiled: ModuleType, twin: ModuleType) -> list[str]:
    """Public functions missing on one side, or with another signature."""
    ours, theirs = public_functions(compiled), public_functions(twin)
    differences = [f"{name}: only in {module.__name__}" for names, module in
                   ((ours.keys() - theirs.keys(), compiled), (theirs.keys() - ours.keys(), twin))
                   for name in sorted(names)]
    for name in sorted(ours.keys() & theirs.keys()):
        kernel, reference = bare_signature(ours[name]), bare_signature(theirs[name])
        if kernel != reference:
            differences.append(f"{name}: compiled {kernel} but twin {reference}")
    return differences


IMPORT = re.compile(r"^\s*(?:from|c?import)\s+(minigrad[\w.]*)", re.MULTILINE)


def forbidden_imports(source: str) -> list[str]:
    """The minigrad modules a .pyx imports other than minigrad._validate (and its modules)."""
    return [name for name in IMPORT.findall(source)
            if name != "minigrad._validate" and not name.startswith("minigrad._validate.")]


DTYPE_BRANCH = re.compile(r"==\s*np\.float(?:32|64)\b")


def dtype_branches(source: str) -> list[str]:
    """The lines of a .pyx that compare a dtype with np.float32 or np.float64."""
    return [line.strip() for line in source.splitlines() if DTYPE_BRANCH.search(line)]


DEFINITION = re.compile(r"^(?:cpdef|cdef|def)\s")
CALLED = re.compile(r"\b(\w+)\s*[(\[]")  # f(...) and fused f[float](...)


def function_bodies(source: str) -> dict[str, str]:
    """{name: text} of each top-level def / cdef / cpdef function of a .pyx source: from its
    line to the next line at column 0 that is not blank or a comment."""
    bodies, name = {}, None
    for line in source.splitlines():
        if line[:1].strip() and not line.startswith("#"):  # a new top-level statement
            head = line.split("(")[0]
            name = re.findall(r"\w+", head)[-1] if DEFINITION.match(line) and "(" in line \
                and "=" not in head else None
            if name:
                bodies[name] = ""
        if name:
            bodies[name] += line + "\n"
    return bodies


def threaded_public_functions(source: str) -> set[str]:
    """The public defs of a .pyx from which a prange can be reached through its own functions."""
    bodies = function_bodies(source)
    calls = {name: set(CALLED.findall(body)) & bodies.keys() - {name}
             for name, body in bodies.items()}

    def reaches_prange(name: str, seen: set[str]) -> bool:
        seen.add(name)
        return "prange(" in bodies[name] or any(reaches_prange(callee, seen)
                                                for callee in calls[name] - seen)

    return {name for name in bodies if re.match(r"def\s+[^_]", bodies[name])
            and reaches_prange(name, set())}


def num_threads_problems(function) -> list[str]:
    """What is wrong with function's num_threads: it must be keyword-only, required, last."""
    parameters = list(inspect.signature(function).parameters.values())
    last = parameters[-1] if parameters else None
    if last is None or last.name != "num_threads":
        return ["num_threads is not its last parameter"]
    if last.kind is not last.KEYWORD_ONLY or last.default is not last.empty:
        return [f"num_threads must be keyword-only without a default, got {last}"]
    return []


def gradient_flag_problems(function) -> list[str]:
    """What is wrong with a backward's flags: at least one parameter <gradient>_grad, each a
    keyword-only bool without a default (the twin's annotation says bool)."""
    flags = [p for p in inspect.signature(function).parameters.values()
             if p.name.endswith("_grad")]
    if not flags:
        return ["no keyword-only <gradient>_grad flags"]
    return [f"{p} must be a keyword-only bool without a default" for p in flags
            if p.kind is not p.KEYWORD_ONLY or p.default is not p.empty
            or p.annotation not in (bool, "bool")]


HAND_BUILT_NAME = re.compile(r"SIMD_SUFFIX|minigrad\._C\.\{[^}]*\}\{|[\"']minigrad\._C\.[\"']\s*\+")


def hand_built_module_names(source: str) -> list[str]:
    """Lines that build the compiled module's name themselves (stem and a suffix)."""
    return [line.strip() for line in source.splitlines() if HAND_BUILT_NAME.search(line)]


# ------------------------------------------------------------------------------ the tests

def twin(stem: str) -> ModuleType:
    return importlib.import_module(f"minigrad._reference.{stem}")


def test_the_stems_are_found():
    assert {"linear", "loss", "dropout"} <= set(STEMS) and SOURCES


@pytest.mark.parametrize("build", ["in use", "baseline"])
@pytest.mark.parametrize("stem", STEMS)
def test_compiled_module_and_twin_export_the_same_signatures(stem, build):
    name = kernels.compiled_module_name(stem) if build == "in use" else f"minigrad._C.{stem}"
    compiled = pytest.importorskip(name, reason="compiled kernels are not built")
    assert signature_differences(compiled, twin(stem)) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_kernel_sources_import_nothing_from_minigrad_but_validate(path):
    assert forbidden_imports(path.read_text()) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_kernel_sources_have_no_dtype_branch_dispatch(path):
    assert dtype_branches(path.read_text()) == []


@pytest.mark.parametrize("stem", STEMS)
def test_threaded_kernels_take_keyword_only_num_threads(stem):
    threaded = threaded_public_functions((ROOT / "csrc" / f"{stem}.pyx").read_text())
    functions = public_functions(twin(stem))
    assert threaded <= functions.keys()
    assert {name: num_threads_problems(functions[name]) for name in sorted(threaded)
            if num_threads_problems(functions[name])} == {}


@pytest.mark.parametrize("stem", STEMS)
def test_backward_kernels_take_keyword_only_gradient_flags(stem):
    backwards = {name: function for name, function in public_functions(twin(stem)).items()
                 if name.endswith("_backward")}
    assert {name: gradient_flag_problems(function) for name, function in backwards.items()
            if gradient_flag_problems(function)} == {}


@pytest.mark.parametrize("path", TESTS, ids=lambda path: path.name)
def test_tests_name_the_compiled_module_through_the_one_helper(path):
    assert hand_built_module_names(path.read_text()) == []
