"""Optimizer steps over the parameters of an MLP 784-1024-1024-10 (1.86M float32) and of a larger
set (18M float32).

compiled:      minigrad.optim on the fused Cython kernel: one call per param group (the arena).
numpy-twin:    the same optimizer on minigrad/_reference/optim.py (fused NumPy expressions).
numpy-textbook: the source texts' way, one NumPy expression per line of the formula, per
               parameter array.
torch:         PyTorch's fastest CPU implementation (fused=True where it has one, else foreach).
zero_grad:     minigrad's optimizer.zero_grad() (one memset per arena) vs PyTorch's.

Targets: each step at least 15x faster than numpy-textbook and no slower than torch.

Run: python -m pytest benchmarks/bench_optim.py --benchmark-only
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

SHAPES = {
    "mlp 1.86M": [(1024, 784), (1024,), (1024, 1024), (1024,), (10, 1024), (10,)],
    "large 18M": [(3000, 3000)] * 2,
}
OPTIMIZERS = {
    "Adam": dict(lr=1e-3), "AdamW": dict(lr=1e-3), "SGD": dict(lr=0.01, momentum=0.9),
    "RMSprop": dict(lr=1e-3), "Adagrad": dict(lr=1e-2), "Adadelta": dict(),
}
TORCH_FLAGS = {"Adam": dict(fused=True), "AdamW": dict(fused=True), "SGD": dict(fused=True),
               "Adagrad": dict(fused=True), "RMSprop": dict(foreach=True),
               "Adadelta": dict(foreach=True)}


def arrays(case):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal(s, dtype=np.float32) * 0.01,
             rng.standard_normal(s, dtype=np.float32)) for s in SHAPES[case]]


def minigrad_step(name, case):
    params = []
    for data, grad in arrays(case):
        p = mg.nn.Parameter(mg.tensor(data))
        p.grad = mg.tensor(grad)
        params.append(p)
    optimizer = getattr(optim, name)(params, **OPTIMIZERS[name])
    return optimizer.step


def textbook_step(name, case):
    """One NumPy expression per line of each update rule, per parameter (as the texts write it)."""
    pairs = arrays(case)
    state = [[np.zeros_like(p) for _ in range(2)] for p, _ in pairs]
    t = [0]

    def step():
        t[0] += 1
        for (p, g), (s1, s2) in zip(pairs, state):
            if name in ("Adam", "AdamW"):
                if name == "AdamW":
                    p *= 1 - 1e-3 * 1e-2
                s1[...] = 0.9 * s1 + 0.1 * g
                s2[...] = 0.999 * s2 + 0.001 * g * g
                m_hat = s1 / (1 - 0.9 ** t[0])
                v_hat = s2 / (1 - 0.999 ** t[0])
                p -= 1e-3 * m_hat / (np.sqrt(v_hat) + 1e-8)
            elif name == "SGD":
                s1[...] = 0.9 * s1 + g
                p -= 0.01 * s1
            elif name == "RMSprop":
                s1[...] = 0.99 * s1 + 0.01 * g * g
                p -= 1e-3 * g / (np.sqrt(s1) + 1e-8)
            elif name == "Adagrad":
                s1 += g * g
                p -= 1e-2 * g / (np.sqrt(s1) + 1e-10)
            else:  # Adadelta
                s1[...] = 0.9 * s1 + 0.1 * g * g
                delta = np.sqrt(s2 + 1e-6) / np.sqrt(s1 + 1e-6) * g
                s2[...] = 0.9 * s2 + 0.1 * delta * delta
                p -= delta
    return step


def torch_step(name, case):
    torch = pytest.importorskip("torch")
    params = []
    for data, grad in arrays(case):
        p = torch.nn.Parameter(torch.from_numpy(data))
        p.grad = torch.from_numpy(grad)
        params.append(p)
    optimizer = getattr(torch.optim, name)(params, **OPTIMIZERS[name], **TORCH_FLAGS[name])
    return optimizer.step


IMPLEMENTATIONS = {
    "compiled": minigrad_step,
    "numpy-twin": minigrad_step,
    "numpy-textbook": textbook_step,
    "torch": torch_step,
}


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("case", SHAPES)
def test_optimizer_step(benchmark, case, name, impl):
    benchmark.group = f"{name} step, {case}"
    step = IMPLEMENTATIONS[impl](name, case)
    if impl == "numpy-twin":
        mg.set_backend("numpy")
    benchmark.pedantic(step, rounds=20 if case.startswith("large") else 50, warmup_rounds=2)


@pytest.mark.parametrize("impl", ["compiled", "torch"])
@pytest.mark.parametrize("case", SHAPES)
def test_zero_grad(benchmark, case, impl):
    benchmark.group = f"zero_grad(set_to_none=False), {case}"
    if impl == "torch":
        torch = pytest.importorskip("torch")
        params = [torch.nn.Parameter(torch.from_numpy(d)) for d, _ in arrays(case)]
        for p, (_, g) in zip(params, arrays(case)):
            p.grad = torch.from_numpy(g)
        optimizer = torch.optim.SGD(params, lr=0.1)
    else:
        params = [mg.nn.Parameter(mg.tensor(d)) for d, _ in arrays(case)]
        optimizer = optim.SGD(params, lr=0.1)
        optimizer.zero_grad(set_to_none=False)
    benchmark.pedantic(lambda: optimizer.zero_grad(set_to_none=False), rounds=50, warmup_rounds=2)
