"""The fused linear kernel (csrc/linear.pyx) against its NumPy twin, plain NumPy and PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import kernels
from minigrad._reference import linear as twin
from conftest import assert_projected_gradients_match

compiled = pytest.importorskip(kernels.compiled_module_name("linear"),
                              reason="compiled kernels are not built")

ACTIVATIONS = ["none", "relu", "leaky_relu", "sigmoid", "tanh"]
ALL_GRADS = dict(input_grad=True, weight_grad=True, bias_grad=True)
TOL = {np.float32: dict(rtol=1.3e-6, atol=1e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}


def plain_numpy(x, w, b, activation, slope=0.01):
    z = x.astype(np.float64) @ w.T.astype(np.float64) + (0 if b is None else b)
    return {"none": z, "relu": np.maximum(z, 0), "leaky_relu": np.where(z > 0, z, slope * z),
            "sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z)}[activation]


def inputs(rng, n=7, k=5, m=4, dtype=np.float32):
    return (rng.standard_normal((n, k)).astype(dtype), rng.standard_normal((m, k)).astype(dtype),
            rng.standard_normal(m).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_matches_twin_and_plain_numpy(rng, activation, dtype):
    x, w, b = inputs(rng, dtype=dtype)
    out = compiled.linear_forward(x, w, b, activation, 0.01)
    np.testing.assert_allclose(out, twin.linear_forward(x, w, b, activation, 0.01), **TOL[dtype])
    np.testing.assert_allclose(out, plain_numpy(x, w, b, activation), rtol=1e-5, atol=1e-5)
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_twin(rng, activation, dtype):
    x, w, b = inputs(rng, dtype=dtype)
    y = compiled.linear_forward(x, w, b, activation, 0.01)
    gy = rng.standard_normal(y.shape).astype(dtype)
    got = compiled.linear_backward(gy, x, w, y, activation, 0.01, **ALL_GRADS)
    expected = twin.linear_backward(gy, x, w, y, activation, 0.01, **ALL_GRADS)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, **TOL[dtype])


def test_only_requested_gradients_are_computed(rng):
    x, w, b = inputs(rng)
    y = compiled.linear_forward(x, w, b, "relu", 0.01)
    gx, gw, gb = compiled.linear_backward(np.ones_like(y), x, w, y, "relu", 0.01,
                                          input_grad=False, weight_grad=True, bias_grad=False)
    assert gx is None and gb is None and gw.shape == w.shape


def test_non_contiguous_inputs_give_the_same_results(rng):
    x, w, b = inputs(rng, n=8, k=6, m=4)
    x_strided = np.asfortranarray(x)[::-1][::-1]           # Fortran order
    w_view = np.ascontiguousarray(w.T).T                    # transposed view
    b_strided = np.repeat(b, 2)[::2]                        # sliced with a step
    gy = rng.standard_normal((8, 4)).astype(np.float32)
    gy_broadcast = np.broadcast_to(gy[:1], gy.shape)        # zero stride
    y = compiled.linear_forward(x, w, b, "tanh", 0.01)
    np.testing.assert_array_equal(
        compiled.linear_forward(x_strided, w_view, b_strided, "tanh", 0.01), y)
    for a, e in zip(compiled.linear_backward(gy_broadcast, x_strided, w_view, y, "tanh", 0.01,
                                             **ALL_GRADS),
                    compiled.linear_backward(np.ascontiguousarray(gy_broadcast), x, w, y, "tanh",
                                             0.01, **ALL_GRADS)):
        np.testing.assert_array_equal(a, e)


def test_inputs_are_not_mutated(rng):
    x, w, b = inputs(rng)
    copies = [a.copy() for a in (x, w, b)]
    y = compiled.linear_forward(x, w, b, "sigmoid", 0.01)
    gy = np.ones_like(y)
    saved = [y.copy(), gy.copy()]
    compiled.linear_backward(gy, x, w, y, "sigmoid", 0.01, **ALL_GRADS)
    for a, c in zip((x, w, b, y, gy), copies + saved):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("n, k, m", [(0, 3, 2), (3, 0, 2), (3, 2, 0), (0, 0, 0)])
def test_empty_sizes(n, k, m):
    x, w, b = np.ones((n, k), np.float32), np.ones((m, k), np.float32), np.ones(m, np.float32)
    y = compiled.linear_forward(x, w, b, "relu", 0.01)
    np.testing.assert_array_equal(y, twin.linear_forward(x, w, b, "relu", 0.01))
    gy = np.ones((n, m), np.float32)
    got = compiled.linear_backward(gy, x, w, y, "relu", 0.01, **ALL_GRADS)
    for g, e in zip(got, twin.linear_backward(gy, x, w, y, "relu", 0.01, **ALL_GRADS)):
        np.testing.assert_array_equal(g, e)


def test_nan_propagates(rng):
    x, w, b = inputs(rng)
    x[0, 0] = np.nan
    for activation in ACTIVATIONS:
        assert np.isnan(compiled.linear_forward(x, w, b, activation, 0.01)[0]).all()


BAD_INPUTS = [
    (dict(x=np.ones((2, 3)), w=np.ones((4, 5))), ValueError, r"input of shape \(2, 3\).*\(4, 5\)"),
    (dict(x=np.ones((2, 3)), w=np.ones((4, 3)), b=np.ones(5)), ValueError, r"bias of shape \(5,\)"),
    (dict(x=np.ones((2, 3), np.float32), w=np.ones((4, 3))), TypeError, "float64 but"),
    (dict(x=np.ones((2, 3), np.int64), w=np.ones((4, 3))), TypeError, "float32 or float64"),
    (dict(x=np.ones(3), w=np.ones((4, 3))), ValueError, "2 dimensions"),
    (dict(x=np.ones((2, 3)), w=np.ones((4, 3)), act="softmax"), ValueError, "activation must be"),
    (dict(x=np.ones((2, 3)), w=np.ones((4, 3)), act="leaky_relu", slope=-1.0), ValueError,
     "negative_slope >= 0"),
    (dict(x=[[1.0]], w=np.ones((1, 1))), TypeError, "numpy.ndarray"),
]


@pytest.mark.parametrize("module", [compiled, twin], ids=["compiled", "twin"])
@pytest.mark.parametrize("case, error, message", BAD_INPUTS)
def test_bad_inputs_raise_the_same_error_in_both(module, case, error, message):
    with pytest.raises(error, match=message):
        module.linear_forward(case["x"], case["w"], case.get("b"), case.get("act", "none"),
                              case.get("slope", 0.01))


def test_backward_checks_grad_output_shape():
    x, w = np.ones((2, 3)), np.ones((4, 3))
    for module in (compiled, twin):
        with pytest.raises(ValueError, match=r"grad_output has shape \(2, 5\), expected \(2, 4\)"):
            module.linear_backward(np.ones((2, 5)), x, w, None, "none", 0.01, **ALL_GRADS)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 4), k=st.integers(0, 4), m=st.integers(0, 4),
       dtype=st.sampled_from([np.float32, np.float64, np.int32, np.float16]),
       transpose=st.booleans(), step=st.integers(1, 2), use_bias=st.booleans(),
       activation=st.sampled_from(ACTIVATIONS), data=st.data())
def test_random_shapes_strides_and_dtypes_raise_or_match_the_twin(
        n, k, m, dtype, transpose, step, use_bias, activation, data):
    def array(shape):  # drawn in float64, then cast, so every dtype accepts the values
        values = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)))
        return values.astype(dtype)

    x = array((n, k * step))[:, ::step]
    w = array((k, m)).T if transpose else array((m, k))
    b = array((data.draw(st.integers(max(m - 1, 0), m + 1)),)) if use_bias else None
    try:
        expected = twin.linear_forward(x, w, b, activation, 0.01)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            compiled.linear_forward(x, w, b, activation, 0.01)
        return
    np.testing.assert_allclose(compiled.linear_forward(x, w, b, activation, 0.01), expected,
                               **TOL[np.dtype(dtype).type])


def test_thread_count_does_not_change_results(rng):
    x, w, b = inputs(rng, n=64, k=96, m=80)
    results = []
    for threads in (1, 2):
        mg.set_num_threads(threads)
        y = compiled.linear_forward(x, w, b, "relu", 0.01)
        results.append((y, *compiled.linear_backward(np.ones_like(y), x, w, y, "relu", 0.01,
                                                     **ALL_GRADS)))
    mg.set_num_threads(2)
    for a, b_ in zip(*results):
        np.testing.assert_allclose(a, b_, rtol=1e-6, atol=1e-6)  # BLAS may split sums by thread


def test_nn_linear_layout_and_default_init():
    mg.manual_seed(0)
    layer = nn.Linear(50, 20)
    assert layer.weight.shape == (20, 50) and layer.bias.shape == (20,)
    bound = 1 / np.sqrt(50)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert layer.weight.data.numpy().std() > 0.8 * bound / np.sqrt(3)  # U(-b, b) has std b / sqrt(3)
    x = mg.randn(3, 50)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data,
                               rtol=1e-5, atol=1e-6)


def test_linear_accepts_leading_batch_dimensions(backend):
    x, w = mg.randn(2, 3, 5), mg.randn(4, 5)
    np.testing.assert_allclose(F.linear(x, w).data, x.data @ w.data.T, rtol=1e-5, atol=1e-6)


def test_linear_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    x, w, b = inputs(rng, n=16, k=12, m=8)
    gy = rng.standard_normal((16, 8)).astype(np.float32)
    for activation, torch_act in [("relu", torch.relu), ("tanh", torch.tanh),
                                  ("sigmoid", torch.sigmoid)]:
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        ty = torch_act(torch.nn.functional.linear(tx, tw, tb))
        ty.backward(torch.tensor(gy))
        mx, mw, mb = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
        my = F.fused_linear(mx, mw, mb, activation=activation)
        my.backward(gy)
        np.testing.assert_allclose(my.data, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        for m_, t_ in ((mx, tx), (mw, tw), (mb, tb)):
            np.testing.assert_allclose(m_.grad.data, t_.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_functional_linear_rejects_mixed_dtypes():
    with pytest.raises(TypeError, match="share one dtype"):
        F.linear(mg.ones(2, 3), mg.ones(4, 3, dtype=mg.float64))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-3), (np.float64, 1e-6)])
@pytest.mark.parametrize("activation", ["none", "tanh", "sigmoid"])
def test_large_layer_gradients_along_a_random_direction(backend, rng, dtype, rtol, activation):
    x, w, b = inputs(rng, 64, 300, 200, dtype)
    w /= np.sqrt(300)  # keep the pre-activations O(1), where tanh and sigmoid are not flat
    x, w, b = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
    assert_projected_gradients_match(
        lambda *t: F.fused_linear(*t, activation=activation), [x, w, b], rng, 1e-6, rtol)


@pytest.mark.torch
@pytest.mark.parametrize("kernel", [compiled, twin])
def test_relu_passes_nan_forward_and_the_gradient_at_a_nan_output_as_pytorch(kernel):
    torch = pytest.importorskip("torch")
    x = np.array([[np.nan, 1.0], [-1.0, 2.0]])
    weight, gy = np.eye(2), np.full((2, 2), 3.0)
    y = kernel.linear_forward(x, weight, None, "relu", 0.01)
    gx, _, _ = kernel.linear_backward(gy, x, weight, y, "relu", 0.01, **ALL_GRADS)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.relu(xt @ torch.tensor(weight).T)
    yt.backward(torch.tensor(gy))
    np.testing.assert_array_equal(y, yt.detach().numpy())  # NaN stays NaN
    np.testing.assert_array_equal(gx, xt.grad.numpy())     # g passes where y is NaN
