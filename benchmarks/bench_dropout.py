"""Dropout on 256 x 4096 float32 activations, forward + backward.

compiled:   minigrad._C.dropout (counter-based mask, scale and multiply in one pass).
numpy-twin: minigrad/_reference/dropout.py (the same masks, from NumPy uint64 arithmetic).
torch:      torch.nn.functional.dropout forward + autograd backward, when installed.

Run: python -m pytest benchmarks/bench_dropout.py --benchmark-only
"""
import numpy as np
import pytest

from minigrad import kernels
from minigrad._reference import dropout as twin

SHAPE = (256, 4096)


def kernel_step(module):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, dtype=np.float32).reshape(-1)
    gy = rng.standard_normal(SHAPE, dtype=np.float32).reshape(-1)

    def step():
        y, keep = module.dropout_forward(x, 0.5, 1234, num_threads=kernels.get_num_threads())
        return module.masked_scale(gy, keep, 2.0, num_threads=kernels.get_num_threads())
    return step


def torch_step():
    torch = pytest.importorskip("torch")
    x = torch.randn(SHAPE, requires_grad=True)
    gy = torch.randn(SHAPE)

    def step():
        x.grad = None
        torch.nn.functional.dropout(x, 0.5).backward(gy)
    return step


IMPLEMENTATIONS = {
    "compiled": lambda: kernel_step(kernels.load("dropout", np.float32)),
    "numpy-twin": lambda: kernel_step(twin),
    "torch": torch_step,
}


@pytest.mark.benchmark(group="dropout 256x4096 fwd+bwd")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_dropout_forward_backward(benchmark, impl):
    benchmark.pedantic(IMPLEMENTATIONS[impl](), rounds=50, warmup_rounds=3)
