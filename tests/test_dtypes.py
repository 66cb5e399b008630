"""dtypes and type promotion, against PyTorch: the result dtype and values of every elementwise
op over every pair of operand kinds (dimensioned tensors, 0-d tensors, Python and NumPy scalars),
the default float dtype, and the gradient dtype guarantee."""
import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
SCALARS = [True, 3, 2.5, np.float64(0.1), np.float32(1.5), np.int64(2), np.int32(-1)]


def tensor_operands(lib, dtype, ndim):
    values = np.array([0.1, 2.0, 3.0]) if "float" in dtype else np.array([1, 0, 1])
    values = values.astype(dtype)
    values = values if ndim else values[1]
    return lib.tensor(values.tolist(), dtype=getattr(lib, dtype))


def operands(lib):
    """(name, operand) for every tensor dtype as a 1-d and a 0-d tensor, and every scalar."""
    kinds = [(f"{d}[{n}]", tensor_operands(lib, d, n)) for d in DTYPES for n in (1, 0)]
    return kinds + [(f"{type(s).__name__}({s})", s) for s in SCALARS]


OPS = {
    "add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "sub": lambda a, b: a - b, "eq": lambda a, b: a == b, "lt": lambda a, b: a < b,
}
PAIRS = [(op, i, j) for op in OPS for i, j in itertools.product(range(len(DTYPES) * 2 + 7), repeat=2)
         if i < len(DTYPES) * 2 or j < len(DTYPES) * 2]  # at least one tensor


@pytest.mark.torch
@pytest.mark.parametrize("op, i, j", PAIRS)
def test_binary_ops_promote_as_pytorch(op, i, j):
    torch = pytest.importorskip("torch")
    (name_a, a), (name_b, b) = operands(mg)[i], operands(mg)[j]
    ta, tb = operands(torch)[i][1], operands(torch)[j][1]
    try:
        expected = OPS[op](ta, tb)
    except RuntimeError:  # PyTorch refuses some (bool - bool): minigrad must not give a result
        with pytest.raises((RuntimeError, TypeError, np.exceptions.DTypePromotionError)):
            OPS[op](a, b)
        return
    result = OPS[op](a, b)
    assert str(result.dtype) == str(expected.dtype).replace("torch", "minigrad"), (name_a, name_b)
    np.testing.assert_allclose(result.numpy().astype(np.float64),
                               expected.numpy().astype(np.float64), rtol=1e-6)


def test_the_issues_reproductions_stay_float32():
    assert (mg.ones(2) * np.float64(2.0)).dtype == mg.float32
    assert (mg.ones(1, 3) / np.sqrt(3)).dtype == mg.float32
    assert (mg.tensor([1, 2]) / 2).dtype == mg.float32
    np.testing.assert_array_equal((mg.tensor([1, 2]) / 2).numpy(), [0.5, 1.0])


def test_a_loss_times_a_numpy_weight_backpropagates_in_float32():
    w = mg.randn(3, requires_grad=True)
    loss = (w * w).sum() * np.float64(0.5)
    assert loss.dtype == mg.float32
    loss.backward()
    assert w.grad.dtype == mg.float32
    np.testing.assert_allclose(w.grad.numpy(), w.detach().numpy(), rtol=1e-6)


def test_gradients_keep_their_tensors_dtype_through_a_float64_op():
    """maximum with a float64 tensor promotes the result; the linear layer's weight still gets a
    float32 gradient (the engine casts where it hands a gradient to a parent)."""
    x, w = mg.randn(4, 2), mg.randn(3, 2, requires_grad=True)
    y = mg.maximum(F.linear(x, w), mg.zeros(4, 3, dtype=mg.float64))
    assert y.dtype == mg.float64
    y.sum().backward()
    assert w.grad.dtype == mg.float32
    positive = (x.numpy() @ w.detach().numpy().T > 0).astype(np.float32)
    np.testing.assert_allclose(w.grad.numpy(), positive.T @ x.numpy(), rtol=1e-5)


def test_dtype_objects_print_and_compare_like_torchs():
    assert str(mg.float32) == "minigrad.float32" and repr(mg.int64) == "minigrad.int64"
    assert mg.float32 == np.float32 and mg.float == mg.float32 and mg.double is mg.float64
    assert mg.float32 != mg.float64 and mg.tensor([1.0]).dtype is mg.float32
    assert np.zeros(2, mg.float64).dtype == np.float64  # NumPy takes a minigrad dtype
    assert mg.float32.is_floating_point and not mg.int64.is_floating_point
    assert mg.float64.itemsize == 8


@pytest.fixture
def float64_default():
    mg.set_default_dtype(mg.float64)
    yield
    mg.set_default_dtype(mg.float32)


@pytest.mark.usefixtures("float64_default")
def test_set_default_dtype_changes_every_float_that_names_no_dtype():
    assert mg.get_default_dtype() is mg.float64
    assert mg.tensor([1.5]).dtype == mg.float64 and mg.zeros(2).dtype == mg.float64
    assert mg.randn(2).dtype == mg.float64 and mg.arange(0.0, 1.0, 0.5).dtype == mg.float64
    assert mg.nn.Linear(2, 3).weight.dtype == mg.float64
    assert (mg.tensor([1, 2]) / 2).dtype == mg.float64
    assert (mg.tensor([1, 2]) * 0.5).dtype == mg.float64


def test_set_default_dtype_refuses_non_floats_before_changing_anything():
    with pytest.raises(TypeError, match="floating-point"):
        mg.set_default_dtype(mg.int64)
    assert mg.get_default_dtype() is mg.float32


def test_python_floats_given_a_dtype_are_not_rounded_through_the_default():
    assert mg.tensor([0.1], dtype=mg.float64).item() == 0.1
    assert mg.tensor(0.1, dtype=mg.float64).item() == 0.1
    assert mg.tensor([0.1]).item() == np.float32(0.1)
