"""Module containers, activation modules and PReLU against PyTorch; PyTorch weights load."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

ACTIVATIONS = [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.7}),
               ("SELU", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softmax", {"dim": 1}),
               ("LogSoftmax", {"dim": -1})]


@pytest.mark.parametrize("name, options", ACTIVATIONS)
def test_activation_modules_match_pytorch(name, options):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5))
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = getattr(nn, name)(**options)(ours), getattr(torch.nn, name)(**options)(theirs)
    gy = np.random.default_rng(1).standard_normal(x.shape)
    y.backward(mg.tensor(gy))
    ty.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 3])
def test_prelu_learns_its_slope_like_pytorch(channels):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((4, 3, 2))
    ours, theirs = nn.PReLU(channels).double(), torch.nn.PReLU(channels).double()
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours(xo) ** 2).sum().backward()
    (theirs(xt) ** 2).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_pytorch_state_dict_loads_and_gives_the_same_outputs():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8),
                                 torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    theirs(torch.randn(16, 6, dtype=torch.float64))  # move the running statistics
    theirs.eval()
    ours = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    x = np.random.default_rng(3).standard_normal((5, 6))
    np.testing.assert_allclose(ours(mg.tensor(x)).data,
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)


def test_a_failed_load_changes_nothing():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    before = {k: v.data.numpy().copy() for k, v in model.state_dict().items()}
    bad = {k: np.ones_like(v) for k, v in before.items()}
    bad["1.weight"] = np.ones((5, 5))
    with pytest.raises(RuntimeError, match="size mismatch for '1.weight'"):
        model.load_state_dict(bad)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k])


def test_containers_register_children():
    blocks = nn.ModuleList([nn.Linear(2, 2), nn.Identity()]).append(nn.ReLU())
    assert len(blocks) == 3 and isinstance(blocks[2], nn.ReLU)
    assert len(list(blocks.parameters())) == 2
    x = mg.randn(3, 2)
    assert blocks[1](x) is x
    assert "(0): Linear(in_features=2, out_features=2, bias=True)" in repr(blocks)
