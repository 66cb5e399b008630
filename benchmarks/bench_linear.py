"""Linear + ReLU, 256x784 @ 784x1024 + bias, forward and backward (float32).

compiled:   minigrad._C.linear: one gemm with bias and ReLU fused into its output pass, then the
            backward's ReLU mask and bias-gradient sum in one pass and two gemms.
numpy-twin: minigrad/_reference/linear.py, the same computation in NumPy expressions.
gemm-x3:    only the three bare matrix products the kernel contains (x W^T, gy W, gy^T x), through
            the same BLAS (SciPy's OpenBLAS, via scipy.linalg.blas): the floor the fused kernel is
            measured against (target: within 1.10x, later 1.05x).
numpy-gemm-x3: the same three products with NumPy's matmul (NumPy bundles its own, newer OpenBLAS).
autograd:   the same layer through minigrad's Tensor/Function path (F.fused_linear + backward).
torch:      PyTorch's relu(F.linear(...)) forward and autograd backward, when installed.

Run: python -m pytest benchmarks/bench_linear.py --benchmark-only -q
"""
import numpy as np
import pytest
from scipy.linalg import blas

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
    """Row-major products through column-major BLAS without copies: a C-contiguous (r, c) array
    is an F-contiguous (c, r) one, so each call computes the transpose of the wanted product."""
    x, w, b, gy = make_inputs()

    def step():
        blas.sgemm(1.0, w.T, x.T, trans_a=1)   # (x W^T)^T = W x^T
        blas.sgemm(1.0, w.T, gy.T)             # (gy W)^T = W^T gy^T
        blas.sgemm(1.0, x.T, gy.T, trans_b=1)  # (gy^T x)^T = x^T gy
    return step


def numpy_gemm_step():
    x, w, b, gy = make_inputs()

    def step():
        return x @ w.T, gy @ w, gy.T @ x
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
    "numpy-gemm-x3": numpy_gemm_step,
    "autograd": autograd_step,
    "torch": torch_step,
}


@pytest.mark.benchmark(group="linear+relu 256x784->1024 fwd+bwd")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_linear_relu_forward_backward(benchmark, impl):
    if impl == "compiled" and not kernels.compiled_available("linear"):
        pytest.skip("compiled kernels are not built")
    benchmark.pedantic(IMPLEMENTATIONS[impl](), rounds=60, warmup_rounds=5)
