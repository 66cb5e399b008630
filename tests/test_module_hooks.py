"""Module forward hooks (register_forward_pre_hook / register_forward_hook) against PyTorch."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def build(lib, weights):
    """Linear(3, 4) -> ReLU -> Linear(4, 2) with the given weights, in minigrad or torch."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(lib.tensor(w))
    return model


def weights(rng):
    return [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (4,), (2, 4), (2,))]


def run(lib, weights, x, register):
    """Register hooks with register(model, seen); return the output and what the hooks saw."""
    model = build(lib, weights)
    seen = []
    register(model, seen)
    out = model(lib.tensor(x))
    return out.detach().numpy(), [np.asarray(v.detach().numpy()) for v in seen]


def observe_linear_and_relu(model, seen):
    model[0].register_forward_hook(lambda m, args, out: seen.extend([args[0], out]))
    model[1].register_forward_hook(lambda m, args, out: seen.append(out))


def double_relu_input(model, seen):
    model[1].register_forward_pre_hook(lambda m, args: args[0] * 2)


def replace_output(model, seen):
    model[2].register_forward_hook(lambda m, args, out: out + 1)


def kwargs_hooks(model, seen):
    model[0].register_forward_pre_hook(lambda m, args, kwargs: ((args[0] - 1,), kwargs),
                                       with_kwargs=True)
    model[0].register_forward_hook(lambda m, args, kwargs, out: seen.append(out) or out * 3,
                                   with_kwargs=True)


def ordered_and_prepended(model, seen):
    model[2].register_forward_hook(lambda m, a, out: out * 2)
    model[2].register_forward_hook(lambda m, a, out: out + 1)
    model[2].register_forward_hook(lambda m, a, out: out - 5, prepend=True)


@pytest.mark.parametrize("register", [observe_linear_and_relu, double_relu_input, replace_output,
                                      kwargs_hooks, ordered_and_prepended])
def test_hooks_see_and_change_what_pytorchs_do(register):
    rng = np.random.default_rng()
    w, x = weights(rng), rng.standard_normal((5, 3)).astype(np.float32)
    ours, our_seen = run(mg, w, x, register)
    theirs, their_seen = run(torch, w, x, register)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert len(our_seen) == len(their_seen)
    for a, b in zip(our_seen, their_seen):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def chain_length(out):
    """The number of nodes from out back to the input (the first tensor parent of each)."""
    length, node = 0, out._node
    while node is not None:
        length += 1
        node = next((p._node for p in node.parents if p is not None and p._node is not None),
                    None)
    return length


def test_a_removed_hook_no_longer_runs_and_the_pair_fuses_again():
    model = build(mg, weights(np.random.default_rng(0)))
    calls = []
    handle = model[1].register_forward_hook(lambda m, a, out: calls.append(1))
    x = mg.randn(2, 3)
    out = model(x)
    assert calls == [1] and chain_length(out) == 3  # linear, relu, linear: unfused
    handle.remove()
    handle.remove()  # a second remove does nothing
    out = model(x)
    assert calls == [1] and chain_length(out) == 2  # linear+relu fused, linear


def test_hooks_are_per_module_and_keep_gradients():
    model = build(mg, weights(np.random.default_rng(0)))
    other = build(mg, weights(np.random.default_rng(0)))
    model[2].register_forward_hook(lambda m, a, out: out * 2)
    x = mg.randn(4, 3)
    model(x).sum().backward()
    other(x).sum().backward()
    np.testing.assert_allclose(model[2].weight.grad.numpy(), 2 * other[2].weight.grad.numpy(),
                               rtol=1e-6)
    assert "forward" not in nn.Linear(1, 1).__dict__  # no module shares another's hooks


def test_bad_hooks_raise_before_anything_is_registered():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="callable"):
        layer.register_forward_hook(3)
    with pytest.raises(NotImplementedError, match="always_call"):
        layer.register_forward_hook(lambda *a: None, always_call=True)
    assert "forward" not in layer.__dict__
    layer.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        layer(mg.randn(1, 2))


def test_hooks_on_a_replaced_forward_give_it_back_when_removed():
    layer = nn.Linear(2, 2)
    own = lambda x: x * 0  # noqa: E731  (a forward of the instance's, as weight_norm sets)
    layer.forward = own
    handle = layer.register_forward_hook(lambda m, a, out: out + 1)
    np.testing.assert_array_equal(layer(mg.ones(1, 2)).numpy(), [[1.0, 1.0]])
    handle.remove()
    assert layer.forward is own
