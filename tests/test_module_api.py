"""nn.Module's API as PyTorch programs use it (traversal, registration, modes, state_dict and
containers): each test runs the same calls on a minigrad model and on the PyTorch model of the
same structure and compares what they return."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

pytestmark = pytest.mark.torch


def build(lib):
    """A model with nesting, a shared module, a non-persistent and a persistent buffer."""
    shared = lib.nn.Linear(3, 3)
    model = lib.nn.Sequential(OrderedDict([
        ("encoder", lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), shared)),
        ("heads", lib.nn.ModuleDict({"main": lib.nn.Linear(3, 1), "again": shared})),
        ("blocks", lib.nn.ModuleList([lib.nn.Identity(), lib.nn.Flatten(0, -1)]))]))
    model.encoder.register_buffer("scale", lib.ones(3), persistent=False)
    model.encoder.register_buffer("count", lib.zeros(1))
    return model


@pytest.fixture
def models():
    torch = pytest.importorskip("torch")
    return build(mg), build(torch)


def names(pairs):
    return [name for name, _ in pairs]


def test_traversal_names_match_pytorch(models):
    ours, theirs = models
    for call in (lambda m: m.named_modules(), lambda m: m.named_modules(prefix="model"),
                 lambda m: m.named_modules(remove_duplicate=False),
                 lambda m: m.named_parameters(), lambda m: m.named_parameters("p"),
                 lambda m: m.named_parameters(remove_duplicate=False),
                 lambda m: m.encoder.named_parameters(recurse=False),
                 lambda m: m.named_buffers(), lambda m: m.named_children(),
                 lambda m: m.heads.named_children()):
        assert names(call(ours)) == names(call(theirs))
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == len(list(theirs.children()))
    assert len(list(ours.parameters(recurse=False))) == 0
    memo = {ours.encoder}
    assert "encoder" not in names(ours.named_modules(memo))


def test_state_dict_keeps_persistent_buffers_only(models):
    ours, theirs = models
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.state_dict(prefix="net.")) == list(theirs.state_dict(prefix="net."))
    assert "encoder.scale" in names(ours.named_buffers())
    assert ours.state_dict(keep_vars=True)["encoder.0.weight"] is ours.encoder[0].weight
    assert not ours.state_dict()["encoder.0.weight"].requires_grad
    ours.encoder.register_buffer("scale", mg.ones(3))  # registered again, now persistent
    assert "encoder.scale" in ours.state_dict()


def test_load_state_dict_reports_keys_as_pytorch(models):
    ours, theirs = models
    state = {k: v for k, v in ours.state_dict().items() if k != "encoder.count"}
    state["extra"] = mg.zeros(1)
    result = ours.load_state_dict(state, strict=False)
    expected = theirs.load_state_dict(
        {k: theirs.state_dict()[k] for k in state if k != "extra"} | {"extra": state["extra"]
                                                                          .numpy()}, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (expected.missing_keys,
                                                             expected.unexpected_keys)
    assert repr(result) == repr(expected)
    assert repr(ours.load_state_dict(ours.state_dict())) == "<All keys matched successfully>"
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "encoder.count"'):
        ours.load_state_dict({k: v for k, v in state.items() if k != "extra"})


def test_modes_and_helpers_return_self_and_match_pytorch(models):
    ours, theirs = models
    for model in models:
        assert model.eval() is model and not any(m.training for m in model.modules())
        assert model.train() is model and all(m.training for m in model.modules())
        assert model.train(False) is model and not model.encoder.training
        assert model.requires_grad_(False) is model
        assert not any(p.requires_grad for p in model.parameters())
        model.requires_grad_()
    visited = []
    assert ours.apply(lambda m: visited.append(type(m).__name__)) is ours
    expected = []
    theirs.apply(lambda m: expected.append(type(m).__name__))
    assert visited == expected
    assert ours.get_submodule("heads.main") is ours.heads["main"]
    assert ours.get_submodule("") is ours
    for target, message in (("encoder.9", "Sequential has no attribute `9`"),
                            ("encoder.0.weight", "`weight` is not an nn.Module")):
        with pytest.raises(AttributeError, match=message):
            ours.get_submodule(target)
        with pytest.raises(AttributeError, match=message):
            theirs.get_submodule(target)


def test_zero_grad_and_module_registration():
    model = nn.Linear(2, 1)
    model(mg.ones(3, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is not None and not model.weight.grad.numpy().any()
    model.zero_grad()
    assert model.weight.grad is None
    model.register_module("act", nn.ReLU())
    model.add_module("out", nn.Tanh())
    assert names(model.named_children()) == ["act", "out"]


def test_containers_index_slice_and_edit_as_pytorch(models):
    torch = pytest.importorskip("torch")
    for lib in (mg, torch):
        seq = lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(2, 3)), ("act", lib.nn.ReLU()),
                                             ("out", lib.nn.Linear(3, 1))]))
        assert names(seq[1:].named_children()) == ["act", "out"]
        assert isinstance(seq[-1], lib.nn.Linear) and len(seq) == 3
        with pytest.raises(IndexError, match="index 5 is out of range"):
            seq[5]
        layers = lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid()])
        assert isinstance(layers[1:], lib.nn.ModuleList)
        assert names(layers[1:].named_children()) == ["0", "1"]
        del layers[0]
        layers.insert(1, lib.nn.Identity())
        layers[0] = lib.nn.ReLU()
        assert [type(m).__name__ for m in layers] == ["ReLU", "Identity", "Sigmoid"]
        assert names(layers.named_children()) == ["0", "1", "2"]
        heads = lib.nn.ModuleDict({"a": lib.nn.ReLU()})
        heads["b"] = lib.nn.Linear(1, 1)
        heads.update([("c", lib.nn.Tanh())])
        assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
        assert isinstance(heads.pop("a"), lib.nn.ReLU) and list(heads.keys()) == ["b", "c"]
        with pytest.raises(KeyError):
            heads["zz"]
        assert len(list(heads.parameters())) == 2


def test_flatten_and_identity_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 4, 5))
    for options in (dict(), dict(start_dim=0), dict(start_dim=2, end_dim=-1),
                    dict(start_dim=1, end_dim=2)):
        ours = nn.Flatten(**options)(mg.tensor(x))
        theirs = torch.nn.Flatten(**options)(torch.tensor(x))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert repr(nn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))
    identity = nn.Identity(54, unused="argument")
    x = mg.tensor(x)
    assert identity(x) is x
