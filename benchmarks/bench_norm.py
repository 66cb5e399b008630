"""Batch and layer normalization, forward + backward, float32.

compiled:   minigrad._C.batch_norm and minigrad._C.layer_norm kernels (statistics, normalize,
            backward sums, input gradient).
numpy-twin: minigrad/_reference/batch_norm.py and layer_norm.py, the same computation in NumPy
            expressions.
autograd:   the module through minigrad's Tensor/Function path (module(x).backward(gy)).
torch:      the same PyTorch module forward + autograd backward, when installed.

Targets: BatchNorm1d 256x1024 at least 4x faster than the twin and no slower than PyTorch;
BatchNorm2d 64x32x28x28 and LayerNorm 256x1024 no slower than PyTorch.

Run: python -m pytest benchmarks/bench_norm.py --benchmark-only
"""
import importlib

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import kernels

CASES = {
    "BatchNorm1d 256x1024": ("BatchNorm1d", (256, 1024)),
    "BatchNorm2d 64x32x28x28": ("BatchNorm2d", (64, 32, 28, 28)),
    "LayerNorm 256x1024": ("LayerNorm", (256, 1024)),
}


def arrays(shape):
    rng = np.random.default_rng(0)
    return (rng.standard_normal(shape, dtype=np.float32),
            rng.standard_normal(shape, dtype=np.float32))


def kernel_step(load, kind, shape):
    """One forward + backward on the kernels of load(stem) (the compiled module or the twin)."""
    x, gy = arrays(shape)
    threads = kernels.get_num_threads()
    grads = dict(input_grad=True, weight_grad=True, bias_grad=True, num_threads=threads)
    if kind == "LayerNorm":
        module = load("layer_norm")
        w = b = np.ones(shape[-1], np.float32)

        def step():
            y, mean, rstd = module.layer_norm_forward(x, w, b, 1e-5, num_threads=threads)
            return module.layer_norm_backward(gy, x, mean, rstd, w, **grads)
        return step
    module = load("batch_norm")
    x3, gy3 = x.reshape(shape[0], shape[1], -1), gy.reshape(shape[0], shape[1], -1)
    w = b = np.ones(shape[1], np.float32)

    def step():
        mean, var = module.batch_norm_stats(x3, num_threads=threads)
        module.batch_norm_apply(x3, mean, var, w, b, 1e-5, num_threads=threads)
        return module.batch_norm_backward(gy3, x3, mean, var, w, 1e-5, True, **grads)
    return step


def autograd_step(kind, shape):
    x, gy = (mg.tensor(a) for a in arrays(shape))
    x.requires_grad_()
    layer = getattr(nn, kind)(shape[-1] if kind == "LayerNorm" else shape[1])

    def step():
        x.grad = None
        layer.zero_grad()
        layer(x).backward(gy)
    return step


def torch_step(kind, shape):
    torch = pytest.importorskip("torch")
    x, gy = (torch.from_numpy(a) for a in arrays(shape))
    x.requires_grad_()
    layer = getattr(torch.nn, kind)(shape[-1] if kind == "LayerNorm" else shape[1])

    def step():
        x.grad = None
        layer.zero_grad()
        layer(x).backward(gy)
    return step


IMPLEMENTATIONS = {
    "compiled": lambda kind, shape: kernel_step(lambda stem: kernels.load(stem, np.float32),
                                                kind, shape),
    "numpy-twin": lambda kind, shape: kernel_step(
        lambda stem: importlib.import_module(f"minigrad._reference.{stem}"), kind, shape),
    "autograd": autograd_step,
    "torch": torch_step,
}


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("case", CASES)
def test_norm_forward_backward(benchmark, case, impl):
    benchmark.group = case
    step = IMPLEMENTATIONS[impl](*CASES[case])
    benchmark.pedantic(step, rounds=40 if "2d" in case else 100, warmup_rounds=3)
