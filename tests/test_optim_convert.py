"""A model converted (model.double(), .float(), .to(dtype)) after its optimizer was built: the
optimizer steps the parameters in their new dtype, as PyTorch's does, and raises where PyTorch's
step raises (Adam's and centered RMSprop's state cannot be mixed with another dtype)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim

pytestmark = pytest.mark.torch

OPTIMIZERS = [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
              ("Adam", dict(lr=0.1)), ("AdamW", dict(lr=0.1, amsgrad=True)),
              ("RMSprop", dict(lr=0.01, momentum=0.9)), ("RMSprop", dict(centered=True)),
              ("Adagrad", dict(lr=0.1)), ("Adadelta", dict())]


def paired_models(torch, seed):
    """The same Linear(3, 2) (float32) in minigrad and in PyTorch, and an input batch."""
    rng = np.random.default_rng(seed)
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    for name in ("weight", "bias"):
        value = rng.standard_normal(getattr(ours, name).shape).astype(np.float32)
        getattr(ours, name).data = mg.tensor(value)
        getattr(theirs, name).data = torch.tensor(value)
    return ours, theirs, rng.standard_normal((4, 3))


def train(lib, model, optimizer, x, steps):
    dtype = model.weight.dtype
    for _ in range(steps):
        optimizer.zero_grad()
        (model(lib.tensor(x).to(dtype)) ** 2).sum().backward()
        optimizer.step()


@pytest.mark.parametrize("name, options", OPTIMIZERS)
@pytest.mark.parametrize("seed", [0, 1])
def test_converted_before_the_first_step_trains_as_pytorch_in_float64(name, options, seed):
    torch = pytest.importorskip("torch")
    ours, theirs, x = paired_models(torch, seed)
    ours_optimizer = getattr(optim, name)(ours.parameters(), **options)
    theirs_optimizer = getattr(torch.optim, name)(theirs.parameters(), **options)
    ours.double()
    theirs.double()
    train(mg, ours, ours_optimizer, x, 4)
    train(torch, theirs, theirs_optimizer, x, 4)
    # PyTorch's Adagrad makes its 'sum' at construction, in float32, and keeps it so: its
    # trajectory then carries float32 roundings, as after steps (see the next test)
    tolerance = 1e-5 if name == "Adagrad" else 1e-12
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.dtype == np.float64 and p._array.dtype == np.float64
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=tolerance,
                                   atol=tolerance)
    for value in ours_optimizer.state[ours.weight].values():
        assert not isinstance(value, mg.Tensor) or value._array.dtype == np.float64


@pytest.mark.parametrize("name, options", [o for o in OPTIMIZERS
                                           if o[0] not in ("Adam", "AdamW")
                                           and not o[1].get("centered")])
@pytest.mark.parametrize("target", ["double", "float"])
def test_converted_after_three_steps_trains_on_as_pytorch(name, options, target):
    """PyTorch keeps each state buffer in its old dtype (its in-place updates cast into it);
    minigrad converts the buffers, so the trajectories agree to float32's rounding of the
    state, not bit for bit."""
    torch = pytest.importorskip("torch")
    ours, theirs, x = paired_models(torch, 0)
    if target == "float":
        ours.double(), theirs.double()
    ours_optimizer = getattr(optim, name)(ours.parameters(), **options)
    theirs_optimizer = getattr(torch.optim, name)(theirs.parameters(), **options)
    train(mg, ours, ours_optimizer, x, 3)
    train(torch, theirs, theirs_optimizer, x, 3)
    getattr(ours, target)(), getattr(theirs, target)()
    train(mg, ours, ours_optimizer, x, 3)
    train(torch, theirs, theirs_optimizer, x, 3)
    expected = np.float64 if target == "double" else np.float32
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p._array.dtype == expected
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    for value in ours_optimizer.state[ours.weight].values():
        if isinstance(value, mg.Tensor):
            assert value._array.dtype == expected


@pytest.mark.parametrize("name, options", [o for o in OPTIMIZERS if o[0] in ("Adam", "AdamW")
                                           or o[1].get("centered")])
def test_converted_after_steps_raises_where_pytorch_raises(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs, x = paired_models(torch, 0)
    ours_optimizer = getattr(optim, name)(ours.parameters(), **options)
    theirs_optimizer = getattr(torch.optim, name)(theirs.parameters(), **options)
    train(mg, ours, ours_optimizer, x, 2)
    train(torch, theirs, theirs_optimizer, x, 2)
    ours.double(), theirs.double()
    with pytest.raises(RuntimeError):
        train(torch, theirs, theirs_optimizer, x, 1)
    before = [p.detach().numpy().copy() for p in ours.parameters()]
    state = {k: (v.numpy().copy() if isinstance(v, mg.Tensor) else v)
             for k, v in ours_optimizer.state[ours.weight].items()}
    (ours(mg.tensor(x)) ** 2).sum().backward()
    with pytest.raises(RuntimeError, match="converted from float32 to float64 after its state"):
        ours_optimizer.step()
    for p, value in zip(ours.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), value)
    for k, v in ours_optimizer.state[ours.weight].items():
        np.testing.assert_array_equal(v.numpy() if isinstance(v, mg.Tensor) else v, state[k])


def test_one_converted_parameter_moves_to_an_arena_of_its_dtype():
    w = mg.ones(3, requires_grad=True)
    b = mg.zeros(2, requires_grad=True)
    optimizer = optim.SGD([w, b], lr=0.5)
    b.data = b.data.double()
    w.grad, b.grad = mg.ones(3), mg.ones(2, dtype=mg.float64)
    optimizer.step()
    assert w._array.dtype == np.float32 and b._array.dtype == np.float64
    np.testing.assert_array_equal(w.detach().numpy(), [0.5] * 3)
    np.testing.assert_array_equal(b.detach().numpy(), [-0.5] * 2)
    optimizer.zero_grad(set_to_none=False)
    assert b.grad._array.dtype == np.float64 and not b.grad.numpy().any()


def test_a_shape_change_keeps_its_clear_error():
    w = mg.ones(3, requires_grad=True)
    optimizer = optim.SGD([w], lr=0.5)
    w.data = mg.ones(4, dtype=mg.float64)
    w.grad = mg.ones(4, dtype=mg.float64)
    with pytest.raises(ValueError, match="shape"):
        optimizer.step()
