"""Optimizer state made on first use (options turned on after training started, schedulers that
set momentum) and the all-or-nothing load_state_dict, against PyTorch doing the same."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim
from minigrad.optim import lr_scheduler as S

SHAPES = [(5, 4), (5,), (3, 2, 2)]
TOLERANCE = {np.float32: 2e-6, np.float64: 1e-12}


def paired_parameters(torch, dtype, seed=0):
    rng = np.random.default_rng(seed)
    ours = [nn.Parameter(mg.tensor(rng.standard_normal(s).astype(dtype))) for s in SHAPES]
    return ours, [torch.nn.Parameter(torch.tensor(p.data.numpy().copy())) for p in ours]


def step_both(pair, optimizers, rng, skip=()):
    """One step of both optimizers on the same random gradients; parameters in skip get none."""
    for i, (p, q) in enumerate(zip(*pair)):
        g = rng.standard_normal(p.shape).astype(p.dtype)
        p.grad, q.grad = (None, None) if i in skip else (mg.tensor(g), q.new_tensor(g))
    for optimizer in optimizers:
        optimizer.step()
    for p, q in zip(*pair):
        tolerance = TOLERANCE[np.dtype(p.dtype).type]
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=tolerance, atol=tolerance)


def test_the_issues_reproduction_trains_on_with_the_gradient_as_new_buffer():
    m = mg.nn.Linear(4, 3)
    opt = mg.optim.SGD(m.parameters(), lr=0.1)
    m(mg.randn(5, 4)).sum().backward()
    opt.step()
    opt.param_groups[0]["momentum"] = 0.9
    opt.zero_grad()
    m(mg.randn(5, 4)).sum().backward()
    before = m.weight.data.numpy().copy()
    opt.step()  # segfaulted: the kernel got no momentum buffer
    buffer = opt.state[m.weight]["momentum_buffer"].data
    np.testing.assert_array_equal(buffer, m.weight.grad.data)  # PyTorch's clone of the gradient
    np.testing.assert_array_equal(m.weight.data, before - np.float32(0.1) * buffer)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_momentum_turned_on_off_and_on_follows_pytorch(backend, dtype):
    """The new-buffer flag is per parameter and means "no buffer yet", not step 1: parameter 1
    has no gradient when momentum is first turned on, so its buffer starts one step later."""
    torch = pytest.importorskip("torch")
    pair = paired_parameters(torch, dtype)
    options = dict(lr=0.1, weight_decay=0.1, dampening=0.3)
    optimizers = [optim.SGD(pair[0], **options), torch.optim.SGD(pair[1], **options)]
    rng = np.random.default_rng(1)
    for step, momentum in enumerate([0, 0, 0.9, 0.9, 0.9, 0, 0.5, 0.5]):
        for optimizer in optimizers:
            optimizer.param_groups[0]["momentum"] = momentum
        step_both(pair, optimizers, rng, skip=(1,) if step == 2 else ())


LATE_OPTIONS = [  # (optimizer, options, turned on after 3 steps, buffers PyTorch lacks then)
    ("SGD", dict(lr=0.1), dict(momentum=0.9, nesterov=True), ()),
    ("Adam", dict(lr=0.01), dict(amsgrad=True), ("max_exp_avg_sq",)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1), dict(amsgrad=True), ("max_exp_avg_sq",)),
    ("RMSprop", dict(lr=0.01), dict(momentum=0.9), ("momentum_buffer",)),
    ("RMSprop", dict(lr=0.01), dict(centered=True), ("grad_avg",)),
    ("RMSprop", dict(lr=0.01), dict(centered=True, momentum=0.5), ("grad_avg", "momentum_buffer")),
    ("Adagrad", dict(lr=0.1), dict(initial_accumulator_value=0.5), ()),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, options, late, missing", LATE_OPTIONS,
                         ids=[f"{c[0]}-{'-'.join(c[2])}" for c in LATE_OPTIONS])
def test_options_turned_on_after_training_started(backend, name, options, late, missing, dtype):
    """PyTorch's Adam and RMSprop raise KeyError here; minigrad starts the buffer at zeros,
    which is PyTorch with a zero buffer put into its state by hand."""
    torch = pytest.importorskip("torch")
    pair = paired_parameters(torch, dtype)
    optimizers = [getattr(optim, name)(pair[0], **options),
                  getattr(torch.optim, name)(pair[1], **options)]
    rng = np.random.default_rng(2)
    for step in range(7):
        if step == 3:
            for optimizer in optimizers:
                optimizer.param_groups[0].update(late)
            for q in pair[1]:
                optimizers[1].state[q].update({key: torch.zeros_like(q) for key in missing})
        step_both(pair, optimizers, rng)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adam"])
@pytest.mark.parametrize("make", [
    lambda s, o: s.OneCycleLR(o, 0.5, 10),
    lambda s, o: s.CyclicLR(o, 0.01, 0.1, 3),
], ids=["OneCycleLR", "CyclicLR"])
def test_cyclic_schedulers_created_after_training_started(backend, make, name):
    torch = pytest.importorskip("torch")
    pair = paired_parameters(torch, np.float64)
    optimizers = [getattr(optim, name)(pair[0], lr=0.1), getattr(torch.optim, name)(pair[1], lr=0.1)]
    rng = np.random.default_rng(3)
    for _ in range(3):
        step_both(pair, optimizers, rng)
    schedulers = [make(S, optimizers[0]), make(torch.optim.lr_scheduler, optimizers[1])]
    for _ in range(6):
        step_both(pair, optimizers, rng)
        for scheduler in schedulers:
            scheduler.step()


def test_rmsprop_under_one_cycle_created_late_trains_on(backend):
    params = [nn.Parameter(mg.ones(3, 2))]
    optimizer = optim.RMSprop(params, lr=0.01)
    for step in range(6):
        if step == 2:
            scheduler = S.OneCycleLR(optimizer, 0.05, 10)  # sets momentum 0.95: a new buffer
        params[0].grad = mg.full((3, 2), 0.5)
        optimizer.step()
        if step >= 2:
            scheduler.step()
    assert np.isfinite(params[0].data).all()
    assert optimizer.state[params[0]]["momentum_buffer"].data.numpy().any()
