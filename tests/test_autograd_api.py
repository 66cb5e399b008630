"""mg.autograd.grad / backward, tensor hooks, retain_grad and inference_mode, against PyTorch."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def pair(rng, shape=(3, 4)):
    """The same float64 leaf in both libraries."""
    values = rng.standard_normal(shape)
    return mg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def program(lib, x, w):
    """A small graph that reuses x and has a non-leaf used twice."""
    h = (x @ w).tanh()
    return (h * h).sum() + (h * x[:, :2]).mean(), h


def test_grad_matches_pytorch_and_leaves_grad_untouched():
    rng = np.random.default_rng(0)
    (x, tx), (w, tw) = pair(rng), pair(rng, (4, 2))
    loss, h = program(mg, x, w)
    tloss, th = program(torch, tx, tw)
    gx, gw, gh = mg.autograd.grad(loss, [x, w, h])
    expected = torch.autograd.grad(tloss, [tx, tw, th])
    for got, want in zip((gx, gw, gh), expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    assert x.grad is None and w.grad is None


def test_grad_outputs_weight_a_non_scalar_output_and_retain_graph_allows_a_second_call():
    rng = np.random.default_rng(1)
    x, tx = pair(rng)
    weights = rng.standard_normal((3, 4))
    y, ty = x.exp() * 2, tx.exp() * 2
    (g,) = mg.autograd.grad(y, x, mg.tensor(weights), retain_graph=True)
    (g2,) = mg.autograd.grad([y], [x], [weights])
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(weights))
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(g.numpy(), g2.numpy())
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        mg.autograd.grad(y, x, mg.tensor(weights))


@pytest.mark.parametrize("call, error, message", [
    (lambda lib, x, u, c: lib.autograd.grad(x * 2, x), RuntimeError,
     "grad can be implicitly created only for scalar outputs"),
    (lambda lib, x, u, c: lib.autograd.grad((x * 2).sum(), [x, u]), RuntimeError,
     "The differentiated Tensor at index 1 appears to not have been used in the graph"),
    (lambda lib, x, u, c: lib.autograd.grad((x * 2).sum(), c), RuntimeError,
     "One of the differentiated Tensors does not require grad"),
    (lambda lib, x, u, c: lib.autograd.grad(c.sum(), x), RuntimeError,
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    (lambda lib, x, u, c: lib.autograd.grad((x * 2).sum(), []), RuntimeError,
     "`inputs` argument to `grad\\(\\)` cannot be empty"),
    (lambda lib, x, u, c: lib.autograd.grad([x.sum(), x.sum()], x, [None]), RuntimeError,
     "got 2 tensors and 1 gradients"),
    (lambda lib, x, u, c: lib.autograd.grad(x.sum(), x, lib.ones(3)), RuntimeError,
     "Mismatch in shape: grad_output\\[0\\] has a shape of .*Size\\(\\[3\\]\\) and output\\[0\\]"),
    (lambda lib, x, u, c: lib.autograd.grad(x.sum(), x, materialize_grads=True,
                                            allow_unused=False), ValueError,
     "Expected allow_unused to be True or not passed when materialize_grads=True"),
])
def test_grad_raises_pytorchs_errors(call, error, message):
    for lib in (mg, torch):
        x, u = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        with pytest.raises(error, match=message):
            call(lib, x, u, lib.ones(2))


def test_unused_inputs_give_none_or_zeros():
    x, u = mg.ones(2, requires_grad=True), mg.ones(3, requires_grad=True)
    assert mg.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)[1] is None
    g = mg.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)[1]
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))


def test_create_graph_is_refused_clearly():
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="higher-order"):
        mg.autograd.grad((x * x).sum(), x, create_graph=True)


def test_autograd_backward_sums_several_outputs():
    for lib in (mg, torch):
        a = lib.ones(2, requires_grad=True)
        lib.autograd.backward([(a * 2).sum(), (a * 3).sum()])
        lib.autograd.backward(a * 2, grad_tensors=lib.ones(2))
        np.testing.assert_array_equal(a.grad.numpy(), [7.0, 7.0])


def hooked_program(lib, seen):
    x = lib.ones(2, requires_grad=True)
    y = x * 3
    y.retain_grad()
    x.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: seen.append(g.numpy().copy()))  # observes, returns None
    y.register_hook(lambda g: g + 1)  # replaces y's gradient before it flows on
    return x, y


def test_hooks_replace_gradients_in_order_and_retain_grad_keeps_the_final_one():
    results = {}
    for lib in (mg, torch):
        seen = []
        x, y = hooked_program(lib, seen)
        ((y * y).sum() + y.sum()).backward()
        results[lib] = (x.grad.numpy(), y.grad.numpy(), seen[0], y.retains_grad, x.retains_grad)
    for got, want in zip(results[mg], results[torch]):
        np.testing.assert_array_equal(got, want)


def test_hooks_run_in_grad_and_a_removed_hook_does_not():
    for lib in (mg, torch):
        x = lib.ones(2, requires_grad=True)
        handle = x.register_hook(lambda g: g * 10)
        (g,) = lib.autograd.grad((x * 2).sum(), x)
        handle.remove()
        handle.remove()  # a second remove does nothing
        (g_after,) = lib.autograd.grad((x * 2).sum(), x)
        np.testing.assert_array_equal([g.numpy(), g_after.numpy()], [[20, 20], [2, 2]])


def test_hooks_on_tensors_without_grad_are_refused():
    for lib in (mg, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_hook(print)
        with pytest.raises(RuntimeError, match="can't retain_grad on Tensor"):
            lib.ones(2).retain_grad()


def test_inference_mode_disables_recording_as_context_and_decorator():
    x = mg.ones(2, requires_grad=True)
    assert not mg.is_inference_mode_enabled()
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with mg.inference_mode(False):  # leaves inference mode, grad mode stays off (PyTorch)
            assert not mg.is_inference_mode_enabled() and not mg.is_grad_enabled()

    @mg.inference_mode
    def bare():
        return mg.is_inference_mode_enabled(), (x * 2).requires_grad

    @mg.inference_mode()
    def called():
        return mg.is_inference_mode_enabled(), (x * 2).requires_grad

    assert bare() == called() == (True, False)
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()
    assert (x * 2).requires_grad
