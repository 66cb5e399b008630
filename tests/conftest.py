"""Shared fixtures: run a test under each backend, and seed minigrad's generator."""
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
