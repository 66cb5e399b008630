"""Linear + ReLU, 256x784 @ 784x1024 + bias, forward and backward (float32).

compiled:   minigrad._C.linear: one gemm with bias and ReLU fused into its output pass, then the
            backward's ReLU mask and bias-gradient sum in one pass and two gemms.
numpy-twin: minigrad/_reference/linear.py, the same computation in NumPy expressions.
gemm-x3:    only the three bare matrix products the kernel contains (x W^T, gy W, gy^T x), through
            the same BLAS (scipy-openblas32's cblas_sgemm, through ctypes), into fresh outputs as
            the kernel's: the floor the fused kernel is measured against (target: within 1.10x,
            later 1.05x).
numpy-gemm-x3: the same three products with NumPy's matmul (NumPy bundles its own OpenBLAS).
autograd:   the same layer through minigrad's Tensor/Function path (F.fused_linear + backward).
torch:      PyTorch's relu(F.linear(...)) forward and autograd backward, when installed.

Run: python -m pytest benchmarks/bench_linear.py --benchmark-only -q
"""
import ctypes
import os

import numpy as np
import pytest
import scipy_openblas32

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
        y = module.linear_forward(x, w, b, "relu", 0.01)
        return module.linear_backward(gy, x, w, y, "relu", 0.01, input_grad=True,
                                      weight_grad=True, bias_grad=True)
    return step


def openblas_sgemm():
    """scipy-openblas32's cblas_sgemm (the function the kernels call) through ctypes."""
    path = os.path.join(scipy_openblas32.get_lib_dir(), scipy_openblas32.get_library(True))
    sgemm = ctypes.CDLL(path).scipy_cblas_sgemm
    c_int, c_float, pointer = ctypes.c_int, ctypes.c_float, ctypes.c_void_p
    sgemm.restype = None
    sgemm.argtypes = [c_int] * 6 + [c_float, pointer, c_int, pointer, c_int, c_float, pointer, c_int]
    return sgemm


def gemm_step():
    x, w, b, gy = make_inputs()
    sgemm, row_major, plain, transposed = openblas_sgemm(), 101, 111, 112  # cblas.h's enums

    def product(a, trans_a, b, trans_b):
        """op(a) @ op(b) into a fresh row-major array."""
        m, k = a.shape[::-1] if trans_a else a.shape
        n = b.shape[0] if trans_b else b.shape[1]
        c = np.empty((m, n), np.float32)
        sgemm(row_major, transposed if trans_a else plain, transposed if trans_b else plain,
              m, n, k, 1.0, a.ctypes.data, a.shape[1], b.ctypes.data, b.shape[1], 0.0,
              c.ctypes.data, n)
        return c

    def step():
        return product(x, False, w, True), product(gy, False, w, False), product(gy, True, x, False)
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
