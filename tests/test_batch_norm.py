"""Batch normalization (csrc/batch_norm.pyx, F.batch_norm, nn.BatchNorm1d/2d) against the NumPy
twin, plain NumPy and PyTorch; also the tests whose cases are mostly batch norm with a layer-norm
case or two (modules vs PyTorch, the bad-argument tables, empty batches, the fuzz, missing
statistics). Tests that hold both kernels to one property side by side are in
tests/test_layer_norm.py."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from _norm_cases import ALL_GRADS, THREADS, TOL, compiled, data, plain_batch_norm, twin
from conftest import assert_same_as_twin

# the last two are threaded: at least PARALLEL_MIN = 524,288 elements (csrc/_norm.pxd)
SHAPES = [(8, 5, 1), (4, 3, 7), (4100, 130, 1), (16, 4, 8200)]
# statistics of float32 data: runs of 8 values per lane are summed in float32 before the double
# accumulation (csrc/_sums.pxd), within a fraction of float32's resolution of the float64 ones
STATS_TOL = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_kernels_match_twin_and_plain_numpy(rng, shape, dtype):
    x, gy = data(rng, shape, dtype), data(rng, shape, dtype)
    w, b = data(rng, shape[1], dtype), data(rng, shape[1], dtype)
    mean, var = compiled.batch_norm_stats(x, **THREADS)
    for a, e in zip((mean, var), twin.batch_norm_stats(x, **THREADS)):
        np.testing.assert_allclose(a, e, **STATS_TOL[dtype])
    y = compiled.batch_norm_apply(x, mean, var, w, b, 1e-5, **THREADS)
    np.testing.assert_allclose(y, twin.batch_norm_apply(x, mean, var, w, b, 1e-5, **THREADS),
                               **TOL[dtype])
    np.testing.assert_allclose(y, plain_batch_norm(x, w, b), **TOL[dtype])
    for training in (True, False):
        arguments = (gy, x, mean, var, w, 1e-5, training)
        for a, e in zip(compiled.batch_norm_backward(*arguments, **ALL_GRADS),
                        twin.batch_norm_backward(*arguments, **ALL_GRADS)):
            np.testing.assert_allclose(a, e, **TOL[dtype])


# ----------------------------------------------------------------------------- modules vs PyTorch

def torch_pair(torch, kind, shape, **options):
    channels = shape[1] if kind != "LayerNorm" else shape[-2:]
    ours = getattr(nn, kind)(channels, **options)
    theirs = getattr(torch.nn, kind)(channels, **options).double()
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape))))
            getattr(ours, name).data[...] = p.numpy()
    return ours.double(), theirs


@pytest.mark.parametrize("kind, shape, options", [
    ("BatchNorm1d", (16, 5), {}),
    ("BatchNorm1d", (8, 4, 6), {"momentum": None}),
    ("BatchNorm2d", (4, 3, 5, 5), {}),
    ("BatchNorm2d", (4, 3, 5, 5), {"affine": False, "momentum": 0.3}),
    ("BatchNorm2d", (4, 3, 2, 2), {"track_running_stats": False}),
    ("LayerNorm", (4, 3, 5, 6), {}),
    ("LayerNorm", (4, 3, 5, 6), {"elementwise_affine": False}),
])
def test_modules_match_pytorch_over_training_steps_and_in_eval(backend, kind, shape, options):
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, kind, shape, **options)
    rng = np.random.default_rng(2)
    for step in range(3):
        x_np = rng.standard_normal(shape) * (step + 1) + step
        gy_np = rng.standard_normal(shape)
        x, tx = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        y.backward(mg.tensor(gy_np))
        ty.backward(torch.from_numpy(gy_np))
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-7, atol=1e-7)
        for name, p in theirs.named_parameters():
            np.testing.assert_allclose(getattr(ours, name).grad.data, p.grad.numpy(), rtol=1e-7,
                                       atol=1e-7)
            p.grad = None
            getattr(ours, name).grad = None
        for name, buffer in theirs.named_buffers():
            np.testing.assert_allclose(getattr(ours, name).data, buffer.numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    x_np = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(mg.tensor(x_np)).data,
                               theirs(torch.from_numpy(x_np)).detach().numpy(), rtol=1e-7, atol=1e-7)


def test_float32_batch_norm_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    x_np = rng.standard_normal((64, 32, 7, 7)).astype(np.float32)
    ours, theirs = nn.BatchNorm2d(32), torch.nn.BatchNorm2d(32)
    x, tx = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    ours(x).sum().backward()
    theirs(tx).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-6)


# ----------------------------------------------------------------------------- errors and edges

def test_one_value_per_channel_in_training_raises_and_keeps_the_statistics():
    bn = nn.BatchNorm1d(3)
    before = [b.data.numpy().copy() for b in bn.buffers()]
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training"):
        bn(mg.randn(1, 3))
    for b, old in zip(bn.buffers(), before):
        np.testing.assert_array_equal(b.data, old)
    bn.eval()
    assert bn(mg.randn(1, 3)).shape == (1, 3)  # evaluation uses the running statistics


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.BatchNorm2d(3)(mg.randn(2, 3, 4)), ValueError, r"expected 4D input, got 3D"),
    (lambda: nn.BatchNorm1d(3)(mg.randn(2, 4)), ValueError, r"running_mean has shape \(3,\), "
                                                            r"expected \(4,\)"),
    (lambda: F.batch_norm(mg.randn(2, 3), None, None, training=False), ValueError,
     "evaluation mode needs running_mean"),
    (lambda: F.batch_norm(mg.randn(2, 3), None, None, mg.ones(3, dtype=mg.float64), None, True),
     TypeError, "weight is minigrad.float64 but the input is minigrad.float32"),
    (lambda: F.layer_norm(mg.randn(2, 3), (4,)), ValueError,
     r"normalized_shape \(4,\) does not match .* shape \(2, 3\)"),
    (lambda: F.layer_norm(mg.randn(2, 3), 3, mg.ones(4)), ValueError,
     r"weight has shape \(4,\), expected \(3,\)"),
])
def test_bad_arguments_raise_before_anything_changes(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("module", [compiled, twin], ids=["compiled", "twin"])
@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.batch_norm_stats(np.ones((2, 3)), **THREADS), ValueError,
     "input must have 3 dimensions"),
    (lambda m: m.batch_norm_stats(np.ones((2, 3, 1), np.int64), **THREADS), TypeError,
     "float32 or float64"),
    (lambda m: m.batch_norm_apply(np.ones((2, 3, 1)), np.zeros(2), np.ones(3), None, None, 1e-5,
                                  **THREADS),
     ValueError, r"mean has shape \(2,\), expected \(3,\)"),
    (lambda m: m.batch_norm_backward(np.ones((2, 3, 2)), np.ones((2, 3, 1)), np.zeros(3),
                                     np.ones(3), None, 1e-5, True, **ALL_GRADS),
     ValueError, r"grad_output has shape \(2, 3, 2\), expected \(2, 3, 1\)"),
    (lambda m: m.layer_norm_forward(np.ones((2, 3), np.float32), np.ones(3), None, 1e-5,
                                    **THREADS),
     TypeError, "weight has dtype float64 but the other inputs are float32"),
    (lambda m: m.layer_norm_backward(np.ones((2, 3)), np.ones((2, 3)), np.zeros(3), np.ones(2),
                                     None, **ALL_GRADS),
     ValueError, r"mean has shape \(3,\), expected \(2,\)"),
])
def test_kernels_and_twin_reject_the_same_inputs(module, call, error, message):
    with pytest.raises(error, match=message):
        call(module)


def test_empty_batches(backend):
    bn = nn.BatchNorm1d(3)
    assert bn(mg.randn(0, 3)).shape == (0, 3)
    np.testing.assert_array_equal(bn.running_mean.data, np.zeros(3))
    assert nn.LayerNorm(3)(mg.randn(0, 3)).shape == (0, 3)
    mean, var = compiled.batch_norm_stats(np.ones((0, 3, 1)), **THREADS)
    assert np.isnan(mean).all() and np.isnan(var).all()


@settings(max_examples=60, deadline=None)
@given(shape=st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)),
       dtype=st.sampled_from([np.float32, np.float64, np.int32]), transpose=st.booleans(),
       affine=st.booleans(), training=st.booleans(), data=st.data())
def test_random_shapes_strides_and_dtypes_raise_or_match_the_twin(shape, dtype, transpose, affine,
                                                                  training, data):
    def array(shape):
        values = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)))
        return values.astype(dtype)

    x = array(shape).transpose(2, 1, 0) if transpose else array(shape)
    channels = data.draw(st.integers(max(x.shape[1] - 1, 0), x.shape[1] + 1))
    w = array((channels,)) if affine else None
    gy = array(x.shape)

    def run(module):
        mean, var = module.batch_norm_stats(x, **THREADS)
        var = np.abs(var)  # NaN for empty batches stays NaN
        return (mean, var, module.batch_norm_apply(x, mean, var, w, w, 1e-5, **THREADS),
                *module.batch_norm_backward(gy, x, mean, var, w, 1e-5, training, **ALL_GRADS),
                *module.layer_norm_forward(x.reshape(x.shape[0], -1), w, None, 1e-5, **THREADS))

    assert_same_as_twin(run, compiled, twin, lambda e: TOL[np.dtype(e.dtype).type])


# ------------------------------------------------------- missing statistics, NaN and infinity

@pytest.mark.parametrize("kernel", [compiled, twin])
@pytest.mark.parametrize("call, missing", [
    (lambda k, x: k.batch_norm_apply(x, None, np.ones(2), None, None, 1e-5, **THREADS), "mean"),
    (lambda k, x: k.batch_norm_backward(x, x, None, np.ones(2), None, 1e-5, True, **ALL_GRADS),
     "mean"),
    (lambda k, x: k.batch_norm_backward(x, x, np.zeros(2), None, None, 1e-5, False,
                                        **ALL_GRADS), "var"),
    (lambda k, x: k.layer_norm_backward(x[:, :, 0], x[:, :, 0], None, np.ones(3), None,
                                        **ALL_GRADS), "mean"),
    (lambda k, x: k.layer_norm_backward(x[:, :, 0], x[:, :, 0], np.zeros(3), None, None,
                                        **ALL_GRADS),
     "rstd"),
])
def test_missing_statistics_raise_type_errors(kernel, call, missing):
    # the compiled kernels used to read these through a NULL pointer
    with pytest.raises(TypeError, match=f"{missing} must be a numpy.ndarray, got NoneType"):
        call(kernel, np.ones((3, 2, 1)))


@pytest.mark.torch
@pytest.mark.parametrize("kernel", [compiled, twin])
def test_eval_backward_keeps_a_nan_running_mean_out_of_the_input_gradient(kernel, rng):
    torch = pytest.importorskip("torch")
    x, gy = rng.standard_normal((5, 2, 1)), rng.standard_normal((5, 2, 1))
    mean, var, weight = np.array([np.nan, 0.5]), np.array([1.0, 2.0]), np.array([1.5, -1.0])
    gx, gw, gb = kernel.batch_norm_backward(gy, x, mean, var, weight, 1e-5, False, **ALL_GRADS)
    xt, wt = torch.tensor(x[:, :, 0], requires_grad=True), torch.tensor(weight, requires_grad=True)
    y = torch.nn.functional.batch_norm(xt, torch.tensor(mean), torch.tensor(var), wt,
                                       torch.zeros(2, dtype=torch.float64), training=False)
    y.backward(torch.tensor(gy[:, :, 0]))
    np.testing.assert_allclose(gx[:, :, 0], xt.grad.numpy(), **TOL[np.float64])
    np.testing.assert_allclose(gw, wt.grad.numpy(), **TOL[np.float64])  # NaN for channel 0
    assert np.isfinite(gx).all() and np.isnan(gw[0])


@pytest.mark.parametrize("kernel", [compiled, twin])
def test_batch_statistics_of_channels_with_infinities_are_nan(kernel):
    x = np.array([[[-np.inf], [1.0]], [[-np.inf], [2.0]]])
    mean, var = kernel.batch_norm_stats(x, **THREADS)
    assert np.isnan(mean[0]) and np.isnan(var[0]) and mean[1] == 1.5 and var[1] == 0.25
