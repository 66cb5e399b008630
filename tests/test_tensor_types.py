"""PyTorch's legacy tensor types (FloatTensor, LongTensor, ...), is_tensor and bmm, against
PyTorch."""
import numpy as np
import pytest

import minigrad as mg

NAMES = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "ByteTensor"]


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_legacy_constructors_and_type_checks_follow_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(mg, name)([1, 0, 3]), getattr(torch, name)([1, 0, 3])
    assert str(ours.dtype) == str(theirs.dtype).replace("torch", "minigrad")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert getattr(mg, name)(2, 3).shape == tuple(getattr(torch, name)(2, 3).shape)
    assert isinstance(ours, getattr(mg, name)) and isinstance(ours, mg.Tensor)
    others = [n for n in NAMES if n != name]
    assert not any(isinstance(ours, getattr(mg, n)) for n in others)
    converted = mg.tensor([1.5, 2.0]).type(getattr(mg, name))
    np.testing.assert_array_equal(converted.numpy(),
                                  torch.tensor([1.5, 2.0]).type(getattr(torch, name)).numpy())
    assert ours.type() == theirs.type().replace("torch", "minigrad")


def test_is_tensor_and_is_floating_point():
    assert mg.is_tensor(mg.ones(1)) and not mg.is_tensor(np.ones(1))
    assert mg.is_floating_point(mg.ones(1)) and not mg.ones(1).long().is_floating_point()


@pytest.mark.torch
def test_bmm_matches_pytorch_with_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng()
    a, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 3, 5))
    ours = [mg.tensor(v, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    y, z = mg.bmm(*ours), torch.bmm(*theirs)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (z * z).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="3D"):
        mg.bmm(mg.ones(2, 3), mg.ones(3, 2))
    with pytest.raises(RuntimeError, match="same number of batches"):
        mg.bmm(mg.ones(2, 2, 3), mg.ones(3, 3, 2))


@pytest.mark.torch
def test_tensor_of_a_size_is_a_shape_and_of_a_tuple_is_data():
    torch = pytest.importorskip("torch")
    assert mg.Tensor(mg.ones(2, 3).shape).shape == tuple(torch.Tensor(torch.ones(2, 3).shape).shape)
    np.testing.assert_array_equal(mg.Tensor((2, 3)).numpy(), torch.Tensor((2, 3)).numpy())
