"""Softmax cross-entropy, 256 x 1000 logits, class-index targets, forward + backward, float32.

compiled:   minigrad._C.loss (one pass for softmax and loss, backward from the saved softmax).
numpy-twin: minigrad/_reference/loss.py, the same computation in NumPy expressions.
autograd:   F.cross_entropy(x, target).backward() through minigrad's Function path.
torch:      torch.nn.functional.cross_entropy forward + autograd backward, when installed.

Target: at least 3x faster than the NumPy twin.

Run: python -m pytest benchmarks/bench_loss.py --benchmark-only
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import kernels
from minigrad._reference import loss as twin

ROWS, CLASSES = 256, 1000


def problem():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((ROWS, CLASSES), dtype=np.float32) * 3,
            rng.integers(0, CLASSES, ROWS))


def kernel_step(module):
    x, target = problem()
    ones = np.full(ROWS, 1.0 / ROWS)

    def step():
        losses, probs = module.cross_entropy_forward(x, target, None, -100, 0.0,
                                                     num_threads=kernels.get_num_threads())
        (grad,) = module.cross_entropy_backward(ones, probs, target, None, -100, 0.0,
                                                input_grad=True,
                                                num_threads=kernels.get_num_threads())
        return losses.mean(), grad
    return step


def autograd_step():
    x, target = problem()
    x = mg.tensor(x, requires_grad=True)

    def step():
        x.grad = None
        F.cross_entropy(x, target).backward()
    return step


def torch_step():
    torch = pytest.importorskip("torch")
    x, target = problem()
    x, target = torch.tensor(x, requires_grad=True), torch.from_numpy(target)

    def step():
        x.grad = None
        torch.nn.functional.cross_entropy(x, target).backward()
    return step


IMPLEMENTATIONS = {
    "compiled": lambda: kernel_step(kernels.load("loss", np.float32)),
    "numpy-twin": lambda: kernel_step(twin),
    "autograd": autograd_step,
    "torch": torch_step,
}


@pytest.mark.benchmark(group="cross-entropy 256x1000 fwd+bwd")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_cross_entropy_forward_backward(benchmark, impl):
    benchmark.pedantic(IMPLEMENTATIONS[impl](), rounds=100, warmup_rounds=5)
