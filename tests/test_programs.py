"""Whole PyTorch programs (tests/programs/*.py) run unchanged on minigrad, and match PyTorch.

Each program records what it computes in RESULTS and says in COMPARE how its numbers may be
compared with PyTorch's run on the same data and initial weights:
    rtol, atol   tolerances (default 1e-9: float64 programs; float32 ones give their own)
    unseeded     keys computed from the framework's own random generator (dropout masks,
                 shuffling): compared by structure only (same shapes, finite numbers)
    printed      whether the printed lines are compared (default True): the same text, and each
                 number equal to the tolerance or to one unit of its last printed digit
Run `python tests/programs/harness.py` for each program's first failure on minigrad.
"""
import builtins
import functools
import math
import re
import warnings

import numpy as np
import pytest

from programs.harness import NAMES, run_program, torch_is_minigrad

# Programs that stop on this branch, with their first failure (`python tests/programs/
# harness.py`): the API the other parts of issue 12 add. strict: a fixed one must leave the list.
KNOWN_FAILURES: dict[str, str] = {}  # program -> 'ExceptionType: message' while it fails
NUMBER = re.compile(r"-?\d+\.?\d*(?:[eE][-+]?\d+)?")


def on_minigrad(name):
    """The program as a test parameter, expected to fail (with that exception) if known to."""
    known = KNOWN_FAILURES.get(name)
    marks = [pytest.mark.xfail(raises=getattr(builtins, known.split(":")[0]), strict=True,
                               reason=known)] if known else []
    return pytest.param(name, marks=marks, id=name)


PROGRAMS = [on_minigrad(name) for name in NAMES]


def quietly(name, backend):
    with warnings.catch_warnings():  # the programs' own warnings (e.g. float() of a leaf)
        warnings.simplefilter("ignore")
        return run_program(name, backend)


@functools.lru_cache(maxsize=None)
def pytorch_run(name):
    """The reference run, once per program for the whole session."""
    return quietly(name, "torch")


def assert_properties_hold(run, name):
    """The program's yes/no results (converged, learned, ...) are all True."""
    properties = {key: value for key, value in run.results.items()
                  if isinstance(value, (bool, np.bool_))}
    assert all(properties.values()), f"{name}: properties that do not hold: {properties}"


def assert_same(ours, theirs, rtol, atol, where):
    """Equal structure; numbers within the tolerance, everything else equal."""
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), where
        for key in theirs:
            assert_same(ours[key], theirs[key], rtol, atol, f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, rtol, atol, f"{where}[{index}]")
    elif isinstance(theirs, (bool, np.bool_, str, type(None))):
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"
    else:
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)


def assert_same_structure(ours, theirs, where):
    """For unseeded results: the same nesting and lengths, finite numbers."""
    if isinstance(theirs, (list, tuple, dict)):
        assert len(ours) == len(theirs), where
        for a, b in zip(ours.values() if isinstance(ours, dict) else ours,
                        theirs.values() if isinstance(theirs, dict) else theirs):
            assert_same_structure(a, b, where)
    else:
        assert math.isfinite(float(ours)), where


def assert_same_lines(ours, theirs, rtol, atol):
    """The same text; each printed number equal within the tolerance plus one unit of its
    last printed digit (a value a hair from a rounding boundary may print either way)."""
    assert len(ours) == len(theirs), f"{len(ours)} printed lines, PyTorch printed {len(theirs)}"
    for line, reference in zip(ours, theirs):
        assert NUMBER.sub("#", line) == NUMBER.sub("#", reference), (line, reference)
        for a, b in zip(NUMBER.findall(line), NUMBER.findall(reference)):
            digits = len(b.split(".")[1]) if "." in b and "e" not in b.lower() else 0
            unit = 10.0 ** -digits if digits else 0.0
            assert abs(float(a) - float(b)) <= atol + rtol * abs(float(b)) + unit, (line,
                                                                                    reference)


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_on_minigrad(name):
    run = quietly(name, "minigrad")
    assert run.results, f"{name} recorded no RESULTS"
    assert_properties_hold(run, name)


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_program_runs_on_pytorch(name):
    """The reference itself: every program is a working PyTorch program."""
    pytest.importorskip("torch")
    assert_properties_hold(pytorch_run(name), name)


@pytest.mark.torch
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_matches_pytorch(name):
    pytest.importorskip("torch")
    theirs = pytorch_run(name)
    ours = quietly(name, "minigrad")
    compare = theirs.compare
    rtol, atol = compare.get("rtol", 1e-9), compare.get("atol", 1e-9)
    unseeded = set(compare.get("unseeded", ()))
    assert sorted(ours.results) == sorted(theirs.results)
    for key, value in theirs.results.items():
        if key in unseeded:
            assert_same_structure(ours.results[key], value, key)
        else:
            assert_same(ours.results[key], value, rtol, atol, key)
    if compare.get("printed", True):
        assert_same_lines(ours.printed, theirs.printed, rtol, atol)


@pytest.mark.torch
def test_the_alias_is_undone_after_a_run():
    """After a minigrad run, `torch` is PyTorch again (and minigrad is unchanged)."""
    torch = pytest.importorskip("torch")
    import minigrad

    spec = minigrad.__spec__
    quietly("optimizer_trajectories", "minigrad")
    import torch as again
    assert again is torch and minigrad.__spec__ is spec
    assert minigrad.get_default_dtype() == np.float32  # the program set float64; restored
    assert torch.get_default_dtype() == torch.float32


def test_a_module_minigrad_lacks_fails_as_for_a_user():
    with torch_is_minigrad(), pytest.raises(ModuleNotFoundError, match="torch.no_such_module"):
        import torch.no_such_module  # noqa: F401
    import minigrad.nn.functional
    with torch_is_minigrad():
        import torch.nn.functional as F
    assert F is minigrad.nn.functional
