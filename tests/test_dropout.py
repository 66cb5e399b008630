"""Dropout, alpha dropout and Gaussian dropout (csrc/dropout.pyx) against the twin and the
closed forms of their statistics."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import kernels
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad._reference import dropout as twin
from conftest import assert_same_as_twin

compiled = pytest.importorskip(kernels.compiled_module_name("dropout"),
                              reason="compiled kernels are not built")

FORWARDS = ["dropout_forward", "alpha_dropout_forward", "gaussian_dropout_forward"]
THREADS = dict(num_threads=2)  # the OpenMP team the ops would pass on a two-core machine
FUNCTIONS = [F.dropout, F.alpha_dropout, F.gaussian_dropout]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", FORWARDS)
def test_kernel_and_twin_draw_the_same_masks(rng, name, dtype):
    x = rng.standard_normal(200_001).astype(dtype)  # large enough to run threaded
    y, mask = getattr(compiled, name)(x, 0.3, 987654321, **THREADS)
    y_twin, mask_twin = getattr(twin, name)(x, 0.3, 987654321, **THREADS)
    np.testing.assert_allclose(mask, mask_twin, rtol=1e-12 if dtype == np.float64 else 1e-6)
    np.testing.assert_allclose(y, y_twin, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-6)
    gy = rng.standard_normal(x.size).astype(dtype)
    np.testing.assert_allclose(compiled.masked_scale(gy, mask, 1.7, **THREADS),
                               twin.masked_scale(gy, mask_twin, 1.7, **THREADS), rtol=1e-6)


def test_dropout_keeps_one_minus_p_and_preserves_the_mean(backend):
    mg.manual_seed(1)
    x = mg.ones(200_000, requires_grad=True)
    y = F.dropout(x, 0.3)
    kept = y.data.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.005  # std of the fraction: sqrt(0.21 / 2e5) = 0.001
    np.testing.assert_allclose(y.data.numpy()[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.data.numpy().mean() - 1) < 0.01
    y.backward(mg.full((200_000,), 2.0))
    np.testing.assert_allclose(x.grad.data, np.where(kept, 2 / 0.7, 0), rtol=1e-6)


def test_alpha_dropout_keeps_selu_mean_and_variance(backend):
    mg.manual_seed(2)
    x = mg.randn(400_000, dtype=mg.float64)
    y = F.alpha_dropout(x, 0.2, training=True).data
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.01
    a, b = twin.alpha_coefficients(0.2)
    dropped = np.isclose(y, a * twin.ALPHA_PRIME + b)
    assert abs(dropped.mean() - 0.2) < 0.005


def test_alpha_coefficients_match_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.randn(10_000, dtype=torch.float64)
    y = torch.nn.functional.alpha_dropout(x, 0.3, training=True)
    a, b = compiled.alpha_coefficients(0.3)
    dropped = (y - (a * twin.ALPHA_PRIME + b)).abs() < 1e-12
    np.testing.assert_allclose(y[~dropped].numpy(), a * x[~dropped].numpy() + b, rtol=1e-12)


def test_gaussian_dropout_noise_has_mean_one_and_variance_p_over_one_minus_p(backend):
    mg.manual_seed(3)
    x = mg.ones(400_000, dtype=mg.float64, requires_grad=True)
    y = F.gaussian_dropout(x, 0.2)
    assert abs(y.data.numpy().mean() - 1) < 0.005 and abs(y.data.numpy().var() - 0.25) < 0.005
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # d(x n)/dx = n, and here x = 1


@pytest.mark.parametrize("function", FUNCTIONS)
def test_same_seed_same_mask_and_new_calls_new_masks(backend, function):
    x = mg.randn(1000)
    mg.manual_seed(7)
    first, second = function(x, 0.5, True).data, function(x, 0.5, True).data
    mg.manual_seed(7)
    np.testing.assert_array_equal(function(x, 0.5, True).data, first)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_identity_in_eval_and_at_p_zero(backend, function):
    x = mg.randn(50)
    assert function(x, 0.5, False) is x and function(x, 0.0, True) is x


def test_p_one_drops_everything(backend):
    x = mg.randn(50, requires_grad=True)
    for function in (F.dropout, F.alpha_dropout):
        y = function(x, 1.0, True)
        np.testing.assert_array_equal(y.data, 0)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.data, 0)
    with pytest.raises(ValueError, match="p < 1"):
        F.gaussian_dropout(x, 1.0)


@pytest.mark.parametrize("make", [lambda p: nn.Dropout(p), lambda p: nn.AlphaDropout(p),
                                  lambda p: nn.GaussianDropout(p),
                                  lambda p: F.dropout(mg.ones(3), p)])
@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_bad_probabilities_raise(make, p):
    with pytest.raises(ValueError, match="dropout probability has to be in"):
        make(p)


@pytest.mark.parametrize("make", [lambda p: nn.Dropout(p), lambda p: F.dropout(mg.ones(3), p)])
@pytest.mark.parametrize("p, shown", [("0.5", "str '0.5'"), (None, "NoneType None")])
def test_probabilities_that_are_not_numbers_raise_type_errors(make, p, shown):
    # PyTorch raises TypeError here too; the message says what was given, not "got 0.5"
    with pytest.raises(TypeError, match=f"dropout probability must be a number in \\[0, 1\\], "
                                        f"got {shown}"):
        make(p)


@pytest.mark.parametrize("kernel", [twin, compiled])
@pytest.mark.parametrize("p", [float("nan"), 1.0, -0.5, "0.1"])
def test_alpha_coefficients_reject_what_has_no_real_value(kernel, p):
    # ((1 - p)(1 + p alpha'^2))^-0.5 was complex for NaN (and a ZeroDivisionError at p = 1)
    with pytest.raises((ValueError, TypeError), match="dropout probability"):
        kernel.alpha_coefficients(p)


def test_modules_follow_train_and_eval(backend):
    mg.manual_seed(0)
    layer, x = nn.Sequential(nn.Dropout(0.5)), mg.ones(100)
    assert (layer(x).numpy() == 0).any()
    layer.eval()
    assert layer(x) is x


def test_nan_stays_nan_even_where_dropped(backend):
    x = mg.tensor(np.full(1000, np.nan))
    assert np.isnan(F.dropout(x, 0.5).data).all()
    assert np.isnan(F.alpha_dropout(x, 0.5, True).data).all()


def test_results_do_not_depend_on_the_thread_count(rng):
    x = rng.standard_normal(300_000).astype(np.float32)
    runs = []
    for threads in (1, 2):
        runs.append([a for name in FORWARDS
                     for a in getattr(compiled, name)(x, 0.4, 11, num_threads=threads)])
    for a, e in zip(*runs):
        np.testing.assert_array_equal(a, e)


def test_inputs_are_not_mutated(rng):
    x = rng.standard_normal(1000)
    copy = x.copy()
    for name in FORWARDS:
        y, mask = getattr(compiled, name)(x, 0.4, 11, **THREADS)
        compiled.masked_scale(x, mask, 2.0, **THREADS)
    np.testing.assert_array_equal(x, copy)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 7), dtype=st.sampled_from([np.float32, np.float64, np.int32]),
       step=st.integers(1, 2), p=st.sampled_from([0.0, 0.3, 0.99, 1.0, -0.5]),
       name=st.sampled_from(FORWARDS), data=st.data())
def test_random_shapes_strides_and_dtypes_raise_or_match_the_twin(size, dtype, step, p, name,
                                                                  data):
    values = data.draw(hnp.arrays(np.float64, (size * step,), elements=st.floats(-3, 3)))
    x = values.astype(dtype)[::step]

    def run(module):
        y, mask = getattr(module, name)(x, p, 5, **THREADS)
        return y, mask, module.masked_scale(x, mask, 1.5, **THREADS)

    assert_same_as_twin(run, compiled, twin, lambda e: dict(rtol=1e-6, atol=1e-6))
