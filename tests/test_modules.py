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


def graph_nodes(output: mg.Tensor) -> int:
    """How many recorded ops produced output."""
    seen, stack = set(), [output._node]
    while stack:
        node = stack.pop()
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            stack.extend(p._node for p in node.parents if p is not None)
    return len(seen)


def run_one_by_one(model: nn.Sequential, x: mg.Tensor) -> mg.Tensor:
    for module in model:
        x = module(x)
    return x


@pytest.mark.parametrize("slope, fused_nodes", [(0.2, 4), (-0.5, 5)])
def test_sequential_fuses_linear_and_relu_with_identical_results(backend, rng, slope,
                                                                  fused_nodes):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7, dtype=mg.float64), nn.ReLU(),
                          nn.Linear(7, 6, dtype=mg.float64), nn.LeakyReLU(slope),
                          nn.Linear(6, 3, dtype=mg.float64), nn.Tanh())
    x = rng.standard_normal((9, 5))
    x[0, :] = 0
    model[0].bias.data[:] = 0  # so row 0 sits exactly at the ReLU's kink
    upstream = mg.tensor(rng.standard_normal((9, 3)))
    grads, outputs = [], []
    for forward in (model, lambda t: run_one_by_one(model, t)):
        model.zero_grad()
        inputs = mg.tensor(x, requires_grad=True)
        y = forward(inputs)
        outputs.append((y.data, graph_nodes(y)))
        (y * upstream).sum().backward()
        grads.append([inputs.grad.data] + [p.grad.data.numpy().copy() for p in model.parameters()])
    np.testing.assert_array_equal(outputs[0][0], outputs[1][0])
    for fused, separate in zip(*grads):
        np.testing.assert_array_equal(fused, separate)
    # Linear+ReLU always fuses; Linear+LeakyReLU only for slopes >= 0 (the kernel's rule)
    assert (outputs[0][1], outputs[1][1]) == (fused_nodes, 6)


def test_sequential_does_not_fuse_reparametrized_derived_or_patched_modules(rng):
    class Doubled(nn.Linear):
        def forward(self, input):
            return super().forward(input) * 2

    mg.manual_seed(0)
    normed = nn.utils.weight_norm(nn.Linear(4, 3))
    x = mg.tensor(rng.standard_normal((5, 4)).astype(np.float32))
    for layer in (normed, Doubled(4, 3)):
        model = nn.Sequential(layer, nn.ReLU())
        np.testing.assert_array_equal(model(x).data, np.maximum(layer(x).data, 0))
    patched = nn.ReLU()
    patched.forward = lambda input: input * 3  # replaced on the instance: must be called
    plain = nn.Linear(4, 3)
    np.testing.assert_array_equal(nn.Sequential(plain, patched)(x).data, plain(x).data * 3)
