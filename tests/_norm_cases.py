"""What tests/test_batch_norm.py and tests/test_layer_norm.py share: the compiled kernels and the
NumPy twins of both stems under one name each, the kernels' keyword arguments, the tolerances of
TESTING.md's point 4, and the float64 plain-NumPy batch norm."""
from types import SimpleNamespace

import numpy as np
import pytest

from minigrad import kernels
from minigrad._reference import batch_norm as twin_batch_norm, layer_norm as twin_layer_norm

compiled_batch_norm, compiled_layer_norm = (
    pytest.importorskip(kernels.compiled_module_name(stem), reason="compiled kernels are not built")
    for stem in ("batch_norm", "layer_norm"))


def both_stems(batch_norm, layer_norm):
    """The batch- and layer-norm kernels of one implementation under one name."""
    return SimpleNamespace(**{name: getattr(module, name) for module in (batch_norm, layer_norm)
                              for name in dir(module) if name.startswith(("batch", "layer"))})


compiled = both_stems(compiled_batch_norm, compiled_layer_norm)
twin = both_stems(twin_batch_norm, twin_layer_norm)
THREADS = dict(num_threads=2)  # the kernels' keyword-only thread count
ALL_GRADS = dict(input_grad=True, weight_grad=True, bias_grad=True, **THREADS)

TOL = {np.float32: dict(rtol=1.3e-6, atol=1e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}


def plain_batch_norm(x, weight, bias, eps=1e-5):
    """Independent reference in float64: statistics over every axis but the channel axis 1."""
    x64 = x.astype(np.float64)
    mean, var = x64.mean(axis=(0, 2), keepdims=True), x64.var(axis=(0, 2), keepdims=True)
    return (x64 - mean) / np.sqrt(var + eps) * weight[:, None] + bias[:, None]


def data(rng, shape, dtype, offset=0.0):
    """Normal samples of the given shape and dtype, spread 2 around offset."""
    return (rng.standard_normal(shape) * 2 + offset).astype(dtype)
