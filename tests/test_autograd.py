"""The engine: accumulation, broadcasting reduction, graph freeing, grad mode, deep graphs, errors."""
import numpy as np
import pytest

import minigrad as mg


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 + 2 * np.array([1.0, 2.0]))


def test_a_reused_node_receives_the_sum_of_its_consumers_gradients():
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    y = x * x          # used twice below
    z = y * y + y      # dz/dx = (2y + 1) * 2x = 36 at x = 2
    z.backward()
    assert x.grad.item() == 36.0


def test_broadcast_operands_get_gradients_of_their_own_shape():
    a = mg.ones(2, 3, requires_grad=True)
    b = mg.ones(3, requires_grad=True)
    c = mg.ones(2, 1, requires_grad=True)
    (a * b + c).sum().backward()
    assert b.grad.shape == (3,) and c.grad.shape == (2, 1)
    np.testing.assert_array_equal(b.grad.data, [2, 2, 2])
    np.testing.assert_array_equal(c.grad.data, [[3], [3]])


def test_leaf_gradients_do_not_alias_each_other():
    a = mg.zeros(2, requires_grad=True)
    b = mg.zeros(2, requires_grad=True)
    (a + b).sum().backward()       # Add hands the same array to both inputs
    a.grad.data[0] = 100
    assert b.grad.data[0] == 1


def test_graph_is_freed_after_backward_unless_retained():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 4 * np.exp([1.0, 2.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_a_chain_of_100000_ops_backpropagates_without_recursion():
    x = mg.tensor([1.0], dtype=mg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert x.grad.item() == 1.0
    del y  # freeing the chain must not recurse either


def test_no_grad_and_enable_grad_as_context_and_decorator():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        assert not (x * 2).requires_grad
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            assert (x * 2).requires_grad
    assert mg.is_grad_enabled()

    @mg.no_grad()
    def doubled(t):
        return t * 2

    assert not doubled(x).requires_grad and mg.is_grad_enabled()


def test_set_grad_enabled_restores_the_previous_mode():
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_backward_errors_match_pytorch():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).sum().backward()
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mg.ones(3))


def test_non_scalar_backward_with_an_explicit_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(mg.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, 40.0])


def test_in_place_modification_of_a_leaf_that_requires_grad_raises():
    x = mg.ones(3, requires_grad=True)
    before = x.data.numpy().copy()
    for modify in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(),
                   lambda: x.__setitem__(0, 5.0), lambda: x.fill_(0)):
        with pytest.raises(RuntimeError, match="in-place"):
            modify()
    np.testing.assert_array_equal(x.data, before)  # nothing half-changed
    with mg.no_grad():
        x.add_(1)  # allowed outside grad mode, as in PyTorch (the optimizer's case)
    np.testing.assert_array_equal(x.data, before + 1)


def test_detach_shares_data_and_stops_gradients():
    x = mg.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2, 2])


def test_ops_record_only_when_some_input_requires_grad():
    assert (mg.ones(2) * 2).grad_fn is None
    assert (mg.ones(2, requires_grad=True) * 2).grad_fn is not None


def test_gradient_dtype_follows_the_leaf():
    x = mg.ones(2, dtype=mg.float32, requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32


def test_nan_propagates_through_forward_and_backward():
    x = mg.tensor([np.nan, 1.0], requires_grad=True)
    for op in (mg.relu, mg.exp, mg.tanh, lambda t: mg.max(t), lambda t: t * 2):
        out = op(x)
        assert np.isnan(out.data.numpy().reshape(-1)[0])
    mg.max(x).backward()  # the NaN is the maximum and takes the gradient, as in PyTorch
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0])
