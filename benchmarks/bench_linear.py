"""Linear + ReLU, 256x784 @ 784x1024 + bias, forward and backward (float32).

compiled:   minigrad._C.linear: one gemm with bias and ReLU fused into its output pass, then the
            backward's ReLU mask and bias-gradient sum in one pass and two gemms.
numpy-twin: minigrad/_reference/linear.py, the same computation in NumPy expressions.
gemm-x3:    only the three bare matrix products (x W^T, gy W, gy^T x) into preallocated outputs:
            the floor the fused kernel is measured against (issue target: within 1.10x).
autograd:   the same layer through minigrad's Tensor/Function path (F.fused_linear + backward).
torch:      PyTorch's relu(F.linear(...)) forward and autograd backward, when installed.

Run: python -m pytest benchmarks/bench_linear.py --benchmark-only -q
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels
from minigrad._reference import linear as twin
import minigrad.nn.functional as F

N, IN, OUT = 256, 784, 1024


def make_inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, IN), dtype=np.float32)
    w = (rng.standard_normal((OUT, IN), dtype=np.float32) / np.sqrt(IN)).astype(np.float32)
    b = rng.standard_normal(OUT, dtype=np.float32)
    gy = rng.standard_normal((N, OUT), dtype=np.float32)
    return x, w, b, gy


def kernel_step(module):
    x, w, b, gy = make_inputs()

    def step():
        y = module.linear_forward(x, w, b, "relu")
        return module.linear_backward(gy, x, w, y, "relu")
    return step


def gemm_step():
    x, w, b, gy = make_inputs()
    y, gx, gw = np.empty((N, OUT), np.float32), np.empty_like(x), np.empty_like(w)

    def step():
        np.matmul(x, w.T, out=y)
        np.matmul(gy, w, out=gx)
        np.matmul(gy.T, x, out=gw)
    return step


def autograd_step():
    x, w, b, gy = (mg.tensor(a) for a in make_inputs())
    x.requires_grad_(), w.requires_grad_(), b.requires_grad_()

    def step():
        x.grad = w.grad = b.grad = None
        F.fused_linear(x, w, b, activation="relu").backward(gy)
    return step


def torch_step():
    torch = pytest.importorskip("torch")
    x, w, b, gy = (torch.from_numpy(a) for a in make_inputs())
    x.requires_grad_(), w.requires_grad_(), b.requires_grad_()

    def step():
        x.grad = w.grad = b.grad = None
        torch.relu(torch.nn.functional.linear(x, w, b)).backward(gy)
    return step


IMPLEMENTATIONS = {
    "compiled": lambda: kernel_step(kernels.load("linear", np.float32)),
    "numpy-twin": lambda: kernel_step(twin),
    "gemm-x3": gemm_step,
    "autograd": autograd_step,
    "torch": torch_step,
}


@pytest.mark.benchmark(group="linear+relu 256x784->1024 fwd+bwd")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_linear_relu_forward_backward(benchmark, impl):
    if impl == "compiled" and not kernels.compiled_available("linear"):
        pytest.skip("compiled kernels are not built")
    benchmark.pedantic(IMPLEMENTATIONS[impl](), rounds=60, warmup_rounds=5)
