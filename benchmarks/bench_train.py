"""One training step of whole networks: where per-op Python overhead and kernel speed add up.

mlp:   784-1024-1024-10 (ReLU), batch 256, cross-entropy, Adam, float32.
       Target: minigrad at least 1.1x faster than PyTorch in the same run.
moons: the source texts' 2-20-3-1 MLP (ReLU), 200 samples full batch, BCE-with-logits, SGD lr 0.2.
       Target: at least 2x faster than PyTorch, within 2x of the hand-written NumPy step below.

compiled / numpy-twin: minigrad on its compiled kernels / on the NumPy twins.
numpy-by-hand:         forward and backward written out in NumPy, no autograd (moons only).
torch:                 the same model, loss and optimizer in PyTorch, when installed.

Run: python -m pytest benchmarks/bench_train.py --benchmark-only
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim


def mlp_data(rng):
    x = rng.standard_normal((256, 784), dtype=np.float32)
    labels = rng.integers(0, 10, 256)
    return x, labels


def moons_data(rng):
    x, y = mg.data.make_moons(200, noise=0.2, seed=0)
    return np.asarray(x, np.float32), np.asarray(y, np.float32).reshape(-1, 1)


def training_step(model, loss_fn, optimizer, x, target):
    """One step, the same code for minigrad and PyTorch (x, target already in the library's type)."""
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
    return step


def build_mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(784, 1024), lib.nn.ReLU(), lib.nn.Linear(1024, 1024),
                             lib.nn.ReLU(), lib.nn.Linear(1024, 10))


def build_moons(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 20), lib.nn.ReLU(), lib.nn.Linear(20, 3),
                             lib.nn.ReLU(), lib.nn.Linear(3, 1))


def mlp_step(impl):
    x, labels = mlp_data(np.random.default_rng(0))
    if impl == "torch":
        torch = pytest.importorskip("torch")
        model = build_mlp(torch)
        return training_step(model, torch.nn.CrossEntropyLoss(),
                             torch.optim.Adam(model.parameters(), lr=1e-3, foreach=True),
                             torch.from_numpy(x), torch.from_numpy(labels))
    mg.manual_seed(0)
    model = build_mlp(mg)
    return training_step(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                         mg.tensor(x), mg.tensor(labels))


def moons_step(impl):
    x, y = moons_data(np.random.default_rng(0))
    if impl == "torch":
        torch = pytest.importorskip("torch")
        model = build_moons(torch)
        return training_step(model, torch.nn.BCEWithLogitsLoss(),
                             torch.optim.SGD(model.parameters(), lr=0.2), torch.from_numpy(x),
                             torch.from_numpy(y))
    if impl == "numpy-by-hand":
        return numpy_moons_step(x, y)
    mg.manual_seed(0)
    model = build_moons(mg)
    return training_step(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.2),
                         mg.tensor(x), mg.tensor(y))


def numpy_moons_step(x, y, lr=0.2):
    """The textbook's way: forward, the chain rule written out, and an SGD update, in NumPy."""
    rng = np.random.default_rng(0)
    sizes = [(20, 2), (3, 20), (1, 3)]
    weights = [rng.uniform(-1, 1, s).astype(np.float32) / np.sqrt(s[1]) for s in sizes]
    biases = [np.zeros(s[0], np.float32) for s in sizes]

    def step():
        activations, pre = [x], []
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = activations[-1] @ w.T + b
            pre.append(z)
            activations.append(np.maximum(z, 0) if i < 2 else z)
        logits = activations[-1]
        # BCE with logits, mean over samples: d loss / d logits = (sigmoid(z) - y) / N
        grad = (1 / (1 + np.exp(-logits)) - y) / len(x)
        for i in reversed(range(3)):
            grad_w, grad_b = grad.T @ activations[i], grad.sum(0)
            if i > 0:
                grad = (grad @ weights[i]) * (pre[i - 1] > 0)
            weights[i] -= lr * grad_w
            biases[i] -= lr * grad_b
    return step


CASES = {"mlp 784-1024-1024-10 Adam step": mlp_step, "moons 2-20-3-1 SGD step": moons_step}
IMPLEMENTATIONS = ["compiled", "numpy-twin", "numpy-by-hand", "torch"]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("case", CASES)
def test_training_step(benchmark, case, impl):
    if impl == "numpy-by-hand" and case.startswith("mlp"):
        pytest.skip("the hand-written NumPy baseline is for the moons network")
    benchmark.group = case
    step = CASES[case](impl)
    if impl == "numpy-twin":
        mg.set_backend("numpy")
    benchmark.pedantic(step, rounds=50 if case.startswith("mlp") else 500, warmup_rounds=5)
