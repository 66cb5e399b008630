"""Sequential's fusion of Linear + ReLU / LeakyReLU into one fused_linear call: the same numbers
as the modules one by one, the opt-out switch, and both modules still visible and observable."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


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


def three_layers() -> nn.Sequential:
    """Two fusable pairs and an unfusable tail: 4 graph nodes fused, 6 unfused."""
    return nn.Sequential(nn.Linear(5, 7, dtype=mg.float64), nn.ReLU(),
                         nn.Linear(7, 6, dtype=mg.float64), nn.LeakyReLU(0.2),
                         nn.Linear(6, 3, dtype=mg.float64), nn.Tanh())


def test_the_class_switch_turns_fusion_off_for_every_sequential(rng, monkeypatch):
    mg.manual_seed(0)
    model = three_layers()
    x = mg.tensor(rng.standard_normal((4, 5)))
    fused = model(x)
    monkeypatch.setattr(nn.Sequential, "fuse_linear_activation", False)
    separate = model(x)
    assert (graph_nodes(fused), graph_nodes(separate)) == (4, 6)
    np.testing.assert_array_equal(fused.detach().numpy(), separate.detach().numpy())


def test_the_instance_switch_turns_fusion_off_for_one_model(rng):
    mg.manual_seed(0)
    model, other = three_layers(), three_layers()
    model.fuse_linear_activation = False
    x = mg.tensor(rng.standard_normal((4, 5)))
    assert (graph_nodes(model(x)), graph_nodes(other(x))) == (6, 4)
    assert "fuse_linear_activation" not in model.state_dict()


def test_a_fused_pair_is_still_two_modules():
    mg.manual_seed(0)
    model = nn.Sequential(OrderedDict(hidden=nn.Linear(3, 2), act=nn.ReLU()))
    assert isinstance(model[0], nn.Linear) and isinstance(model[1], nn.ReLU)
    assert [name for name, _ in model.named_modules()] == ["", "hidden", "act"]
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias"]
    assert repr(model) == ("Sequential(\n  (hidden): Linear(in_features=3, out_features=2, "
                           "bias=True)\n  (act): ReLU()\n)")


@pytest.mark.torch
def test_a_fused_pair_prints_as_pytorch_prints_it():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2), nn.LeakyReLU(0.1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2),
                                 torch.nn.LeakyReLU(0.1))
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.torch
@pytest.mark.parametrize("observed", [0, 1])
def test_a_hooked_linear_or_relu_runs_unfused_and_sees_pytorchs_values(observed, rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU()).double()
    ours = nn.Sequential(nn.Linear(4, 6), nn.ReLU()).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    seen, expected = [], []
    ours[observed].register_forward_hook(lambda m, i, o: seen.append(o.detach().numpy()))
    theirs[observed].register_forward_hook(lambda m, i, o: expected.append(o.detach().numpy()))
    x = rng.standard_normal((5, 4))
    y = ours(mg.tensor(x))
    theirs(torch.from_numpy(x))
    assert graph_nodes(y) == 2 and len(seen) == 1
    np.testing.assert_allclose(seen[0], expected[0], rtol=1e-12, atol=1e-12)
