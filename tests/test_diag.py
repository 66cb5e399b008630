"""mg.diag and Tensor.diag against torch.diag: values and dtypes for vectors and matrices on every
diagonal (including ones past the edge), float64 gradients, and the errors PyTorch raises.
The float64 gradchecks of both directions are registry entries (tests/test_registry.py)."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

# (input shape, diagonal): vectors and square / wide / tall matrices, main diagonal, above,
# below, and diagonals outside the matrix (an empty result)
CASES = [((3,), 0), ((3,), 2), ((3,), -1), ((1,), 0), ((0,), 1),
         ((3, 3), 0), ((3, 4), 1), ((3, 4), -2), ((4, 3), 2), ((4, 3), -3), ((3, 4), 5),
         ((2, 3), -2), ((0, 3), 0)]


@pytest.mark.parametrize("shape, k", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_values_and_dtype_match_torch(shape, k, dtype):
    x = (np.random.default_rng().uniform(-5, 5, shape)).astype(dtype)
    ours = mg.diag(mg.tensor(x), k)
    theirs = torch.diag(torch.from_numpy(x), k)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("shape, k", CASES)
def test_float64_gradients_match_torch(shape, k):
    rng = np.random.default_rng()
    x = rng.standard_normal(shape)
    x_ours = mg.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = x_ours.diag(k), x_theirs.diag(k)
    weights = rng.standard_normal(tuple(y_theirs.shape))  # a gradient that tells elements apart
    (y_ours * mg.tensor(weights)).sum().backward()
    (y_theirs * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-12)


def test_result_is_a_new_array():
    """Both directions copy, as PyTorch's diag does: writing the result leaves the input alone."""
    m = mg.tensor(np.arange(9.0).reshape(3, 3))
    d = mg.diag(m)
    d += 100
    np.testing.assert_array_equal(m.numpy(), np.arange(9.0).reshape(3, 3))


def error_of(call):
    with pytest.raises(Exception) as info:
        call()
    return info.type, str(info.value)


@pytest.mark.parametrize("make, k", [(lambda m: m.zeros(2, 2, 2), 0), (lambda m: m.tensor(1.0), 0),
                                     (lambda m: m.zeros(3), 1.5), (lambda m: m.zeros(3), True),
                                     (lambda m: [1.0, 2.0], 0)])
def test_errors_match_torch(make, k):
    assert error_of(lambda: mg.diag(make(mg), k)) == error_of(lambda: torch.diag(make(torch), k))
