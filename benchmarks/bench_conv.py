"""Convolution and pooling, and the source texts' conv net, forward + backward, float32.

Layers alone (batch 64): conv 1->20 5x5 pad 2 on 28x28, conv 20->20 5x5 pad 2 on 14x14,
max pool 2 on 64x20x28x28 — compiled kernel vs NumPy twin vs PyTorch.
The net (batch 64 of 1x28x28): conv 1->20 5x5 pad 2, [BatchNorm2d], ReLU, max pool 2,
conv 20->20 5x5 pad 2, [BatchNorm2d], ReLU, max pool 2, flatten, linear 980->10, cross-entropy,
through minigrad's autograd on the compiled kernels ("compiled"), on the NumPy twins
("numpy-twin"), and PyTorch ("torch"). Target: the net within 1.5x of PyTorch, without and
with BatchNorm2d.

Run: python -m pytest benchmarks/bench_conv.py --benchmark-only
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import kernels
from minigrad._reference import conv as twin

LAYERS = {
    "conv 1->20 5x5 on 64x1x28x28": ((64, 1, 28, 28), (20, 1, 5, 5)),
    "conv 20->20 5x5 on 64x20x14x14": ((64, 20, 14, 14), (20, 20, 5, 5)),
}


def arrays(*shapes):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s, dtype=np.float32) for s in shapes]


def conv_step(impl, x_shape, w_shape):
    x, w, b = arrays(x_shape, w_shape, w_shape[:1])
    if impl == "torch":
        torch = pytest.importorskip("torch")
        x, w, b = (torch.tensor(a, requires_grad=True) for a in (x, w, b))

        def step():
            x.grad = w.grad = b.grad = None
            torch.nn.functional.conv2d(x, w, b, padding=2).sum().backward()
        return step
    module = twin if impl == "numpy-twin" else kernels.load("conv", np.float32)

    def step():  # called as ops/conv.py calls the kernels
        threads = kernels.get_num_threads()
        with kernels.blas_on_one_thread():
            y, cols = module.conv2d_forward(x, w, b, 1, 2, 1, num_threads=threads)
            return module.conv2d_backward(np.ones_like(y), x, cols, w, 1, 2, 1, input_grad=True,
                                          weight_grad=True, bias_grad=True, num_threads=threads)
    return step


def build(lib, batchnorm):
    nn = lib.nn
    norm = (lambda: [nn.BatchNorm2d(20)]) if batchnorm else (lambda: [])
    return nn.Sequential(nn.Conv2d(1, 20, 5, padding=2), *norm(), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(20, 20, 5, padding=2), *norm(), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(980, 10))


def net_step(impl, batchnorm):
    x, = arrays((64, 1, 28, 28))
    labels = np.random.default_rng(1).integers(0, 10, 64)
    if impl == "torch":
        torch = pytest.importorskip("torch")
        model, x, labels = build(torch, batchnorm), torch.from_numpy(x), torch.from_numpy(labels)

        def step():
            model.zero_grad()
            torch.nn.functional.cross_entropy(model(x), labels).backward()
        return step
    mg.manual_seed(0)
    model, x = build(mg, batchnorm), mg.tensor(x)

    def step():
        model.zero_grad()
        F.cross_entropy(model(x), labels).backward()
    return step


@pytest.mark.parametrize("impl", ["compiled", "numpy-twin", "torch"])
@pytest.mark.parametrize("case", LAYERS)
def test_conv_layer_forward_backward(benchmark, case, impl):
    benchmark.group = case + " fwd+bwd"
    benchmark.pedantic(conv_step(impl, *LAYERS[case]), rounds=20, warmup_rounds=2)


@pytest.mark.parametrize("impl", ["compiled", "numpy-twin", "torch"])
@pytest.mark.parametrize("batchnorm", [False, True], ids=["plain", "batchnorm"])
def test_conv_net_forward_backward(benchmark, batchnorm, impl):
    benchmark.group = "conv net batch 64 fwd+bwd" + (" with BatchNorm2d" if batchnorm else "")
    step = net_step(impl, batchnorm)
    if impl == "numpy-twin":
        mg.set_backend("numpy")
    benchmark.pedantic(step, rounds=20, warmup_rounds=2)
