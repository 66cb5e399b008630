"""Initializers: their statistics, bounds and fans against the formulas (and PyTorch's gains)."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init


def test_gains_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape, fan_in, fan_out", [((300, 200), 200, 300),
                                                     ((64, 32, 3, 3), 288, 576)])
def test_statistics_follow_the_formulas(shape, fan_in, fan_out):
    mg.manual_seed(0)
    t = mg.empty(*shape, dtype=mg.float64)
    checks = [
        (lambda: init.normal_(t, 0.5, 0.01), 0.5, 0.01),
        (lambda: init.xavier_uniform_(t, gain=2.0), 0.0, 2 * math.sqrt(2 / (fan_in + fan_out))),
        (lambda: init.xavier_normal_(t), 0.0, math.sqrt(2 / (fan_in + fan_out))),
        (lambda: init.kaiming_uniform_(t, nonlinearity="relu"), 0.0, math.sqrt(2 / fan_in)),
        (lambda: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), 0.0,
         math.sqrt(2 / fan_out)),
        (lambda: init.uniform_(t, -1, 3), 1.0, 4 / math.sqrt(12)),
    ]
    for fill, mean, std in checks:
        values = fill().data.numpy()
        assert values.mean() == pytest.approx(mean, abs=4 * std / math.sqrt(values.size))
        assert values.std() == pytest.approx(std, rel=0.03)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(init.xavier_uniform_(t).data).max() <= bound
    np.testing.assert_array_equal(init.constant_(t, 0.3).data, 0.3)
    np.testing.assert_array_equal(init.zeros_(t).data, 0)
    np.testing.assert_array_equal(init.ones_(t).data, 1)


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 2, 2, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    t = init.orthogonal_(mg.empty(*shape, dtype=mg.float64), gain=1.5)
    flat = t.data.numpy().reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(small), atol=1e-12)


def test_truncated_normal_stays_in_bounds_with_the_truncated_moments():
    mg.manual_seed(1)
    values = init.trunc_normal_(mg.empty(200_000, dtype=mg.float64), 0.0, 1.0, -1.0, 2.0).numpy()
    assert values.min() >= -1.0 and values.max() <= 2.0
    # mean of N(0, 1) truncated to [-1, 2]: (phi(-1) - phi(2)) / (Phi(2) - Phi(-1))
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
    assert values.mean() == pytest.approx((phi(-1) - phi(2)) / (cdf(2) - cdf(-1)), abs=0.01)


def test_draws_follow_the_seed_and_fans_need_two_dims():
    mg.manual_seed(4)
    first = init.kaiming_normal_(mg.empty(3, 4)).data.numpy().copy()
    mg.manual_seed(4)
    np.testing.assert_array_equal(init.kaiming_normal_(mg.empty(3, 4)).data, first)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(mg.empty(3, 3), mode="fan_avg")
