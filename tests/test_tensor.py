"""Tensor construction, dtype rules, attributes and conversions (PyTorch's conventions)."""
import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32), ([1.0, 2.0], np.float32), ([1, 2], np.int64), ([True, False], np.bool_),
    (np.zeros(2, np.float64), np.float64), (np.zeros(2, np.int32), np.int32),
])
def test_dtype_inference(data, dtype):
    assert mg.tensor(data).dtype == dtype


def test_tensor_copies_its_input():
    array = np.zeros(3)
    t = mg.tensor(array)
    t.data[0] = 1
    assert array[0] == 0
    assert mg.from_numpy(array).numpy() is array  # from_numpy shares, as in PyTorch


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2], requires_grad=True)


def test_factories():
    assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros((2, 3)).dtype == np.float32
    assert mg.ones(4, dtype=mg.float64).dtype == np.float64
    assert mg.full((2,), 7).dtype == np.int64 and mg.full((2,), 7.0).dtype == np.float32
    assert mg.arange(5).dtype == np.int64 and mg.arange(0.0, 1.0, 0.25).shape == (4,)
    x = mg.randn(3, 2, dtype=mg.float64)
    assert mg.zeros_like(x).dtype == np.float64 and mg.ones_like(x).shape == (3, 2)
    assert mg.empty(2, 2).shape == (2, 2) and mg.rand_like(x).shape == (3, 2)


def test_manual_seed_makes_draws_repeatable():
    mg.manual_seed(3)
    first = mg.randn(4).data.numpy().copy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(first, mg.randn(4).data)


def test_attributes_and_conversions():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.size() == (2, 2) and x.size(1) == 2
    assert x.numel() == 4 and x.dim() == 2 and len(x) == 2
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x.sum().item() == 10.0 and float(x[0, 1]) == 2.0
    np.testing.assert_array_equal(np.asarray(x), x.data)
    np.testing.assert_array_equal(x.T.data, x.data.T)
    assert x.long().dtype == np.int64 and x.double().dtype == np.float64
    with pytest.raises(RuntimeError, match="cannot be converted"):
        x.item()
    with pytest.raises(RuntimeError, match="requires grad"):
        x.requires_grad_().numpy()


def test_comparisons_return_boolean_tensors_outside_the_graph():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, True, True])
    np.testing.assert_array_equal((x == 2.0).data, [False, True, False])


def test_methods_and_functions_agree():
    x = mg.randn(3, 4)
    for name in ("exp", "tanh", "sigmoid", "relu", "abs", "sum", "mean"):
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(mg, name)(x).data)
    np.testing.assert_array_equal(x.softmax(-1).data, mg.softmax(x, dim=-1).data)
    np.testing.assert_array_equal(x.view(2, 6).data, x.reshape(2, 6).data)


def test_reductions_follow_pytorch_conventions():
    data = np.arange(12.0).reshape(3, 4)
    x = mg.tensor(data)
    np.testing.assert_allclose(x.var().item(), data.var(ddof=1))
    np.testing.assert_allclose(x.var(unbiased=False).item(), data.var())
    np.testing.assert_allclose(x.std(0, correction=0).data, data.std(0))
    values, indices = x.max(1)
    np.testing.assert_array_equal(values.data, data.max(1))
    assert indices.dtype == np.int64 and indices.tolist() == [3, 3, 3]
    assert x.sum(dim=(0, 1), keepdim=True).shape == (1, 1)
    np.testing.assert_allclose(x.logsumexp(1).data, np.log(np.exp(data).sum(1)))


def test_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2,3\).*\(4,\)|\(2, 3\).*\(4,\)"):
        mg.ones(2, 3) + mg.ones(4)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        mg.ones(2, 3) @ mg.ones(4, 5)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        mg.ones(2, 3).reshape(4, 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mg.ones(2, 3).sum(2)


def test_repr_names_dtype_and_grad_fn():
    x = mg.tensor([1.0], dtype=mg.float64, requires_grad=True)
    assert "float64" in repr(x) and "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward0>" in repr(x * 2)


def test_data_is_a_tensor_sharing_memory_outside_the_graph():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    view = w.data
    assert isinstance(view, mg.Tensor) and not view.requires_grad and view.grad_fn is None
    w.data -= 0.5 * w.grad.data  # the from-scratch SGD step of the textbooks
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0, 0.0])
    w.grad.data.zero_()
    np.testing.assert_array_equal(w.grad.numpy(), 0.0)
    view.fill_(7.0)  # shares w's memory
    np.testing.assert_array_equal(w.detach().numpy(), 7.0)


def test_changes_through_data_are_not_counted_by_the_version_counter():
    """PyTorch's .data has a version counter of its own: that is its purpose (and its danger)."""
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(2.0)
    assert w._version == 0
    y.backward()  # no error, as in PyTorch; the gradient uses the changed values
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 8.0])


def test_assigning_data_replaces_the_values_and_needs_a_tensor():
    w = mg.zeros(2, requires_grad=True)
    w.data = mg.ones(3, dtype=mg.float64)
    assert w.shape == (3,) and w.dtype == mg.float64 and w.requires_grad
    with pytest.raises(TypeError, match="has to be a tensor"):
        w.data = np.ones(3)
