"""Shared fixtures: run a test under each backend, and seed minigrad's generator; the fuzz
suite's example counts (tests/test_fuzz_kernels.py) printed at the end of the run."""
from collections import Counter

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels


@pytest.fixture(params=["compiled", "numpy"])
def backend(request):
    """Run the test once with the compiled kernels and once with the NumPy twins."""
    if request.param == "compiled" and not kernels.compiled_available("linear"):
        pytest.skip("compiled kernels are not built")
    previous = mg.get_backend()
    mg.set_backend(request.param)
    yield request.param
    mg.set_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def assert_projected_gradients_match(fn, tensors, rng, eps, rtol):
    """JAX's check_vjp for layers too large to gradcheck element by element.

    Along one seeded random direction t (one block per input) and output cotangent c, the
    directional derivative by central differences, <c, (f(x + eps t) - f(x - eps t)) / (2 eps)>,
    must equal <t, J^T c> from backward. The differences are taken in float64 (float32 rounding
    would swamp them); backward runs in the tensors' own dtype, which is what is checked.
    """
    directions = [rng.standard_normal(t.shape).astype(t.dtype) for t in tensors]
    cotangent = rng.standard_normal(fn(*tensors).shape).astype(tensors[0].dtype)

    def shifted(sign):
        moved = [mg.tensor(t.data.numpy().astype(np.float64) + sign * eps * d) for t, d in
                 zip(tensors, directions)]
        return fn(*moved).data.numpy()

    numerical = np.sum(cotangent * (shifted(1) - shifted(-1))) / (2 * eps)
    for t in tensors:
        t.grad = None
    fn(*tensors).backward(mg.tensor(cotangent))
    analytic = sum(np.sum(d.astype(np.float64) * t.grad.numpy()) for t, d in zip(tensors, directions))
    np.testing.assert_allclose(analytic, numerical, rtol=rtol)


def assert_same_as_twin(run, compiled, twin, tolerance) -> None:
    """run(module) on the compiled module and on the twin: where the twin raises TypeError or
    ValueError the compiled kernel raises the same type; else every result agrees (None where
    the twin's is None) within tolerance(result), a dict of assert_allclose's rtol and atol."""
    try:
        expected = run(twin)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            run(compiled)
        return
    for a, e in zip(run(compiled), expected, strict=True):
        if e is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, e, **tolerance(e))


FUZZ_COUNTS: Counter = Counter()  # kernel -> examples run, filled by tests/test_fuzz_kernels.py


def pytest_collection_modifyitems(items):
    """Mark every test of tests/test_experiments_*.py `experiment`: they train small networks
    end to end, so CI's debug and sanitizer builds (kernels at -O0 or instrumented) skip them
    with -m "not experiment"; the optimized build runs them."""
    for item in items:
        if item.path.name.startswith("test_experiments_"):
            item.add_marker(pytest.mark.experiment)


def pytest_terminal_summary(terminalreporter):
    """One line per fuzzed kernel, so that a CI log shows how much was fuzzed."""
    if FUZZ_COUNTS:
        terminalreporter.section("fuzz")
        for kernel, count in sorted(FUZZ_COUNTS.items()):
            terminalreporter.write_line(f"fuzz: {kernel} {count} examples")
