"""Convolution and pooling (csrc/conv.pyx, csrc/pool.pyx) against the twins, direct loops and
PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import kernels
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad._reference import conv as twin, pool as twin_pool
from conftest import assert_projected_gradients_match

compiled = pytest.importorskip(kernels.compiled_module_name("conv"),
                              reason="compiled kernels are not built")
compiled_pool = pytest.importorskip(kernels.compiled_module_name("pool"),
                                   reason="compiled kernels are not built")

TOL = {np.float32: dict(rtol=1.3e-6, atol=1e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}
CONFIGS = [  # input shape, weight shape, stride, padding, dilation
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0, 1),
    ((3, 2, 9, 9), (5, 2, 3, 3), 2, 1, 1),
    ((2, 1, 8, 8), (2, 1, 3, 3), 1, 2, 2),
    ((1, 1, 5, 5), (1, 1, 5, 5), 1, 0, 1),
    ((16, 1, 28, 28), (20, 1, 5, 5), 1, 2, 1),  # large enough to run threaded
]


def threads():
    """The num_threads argument the ops layer passes: minigrad's thread count."""
    return dict(num_threads=mg.get_num_threads())


def conv_forward(module, *arguments):
    """module.conv2d_forward called as ops/conv.py calls it (BLAS on one thread)."""
    with kernels.blas_on_one_thread():
        return module.conv2d_forward(*arguments, **threads())


def conv_backward(module, *arguments, input_grad=True, weight_grad=True, bias_grad=True):
    """module.conv2d_backward called as ops/conv.py calls it, every gradient asked for."""
    with kernels.blas_on_one_thread():
        return module.conv2d_backward(*arguments, input_grad=input_grad,
                                      weight_grad=weight_grad, bias_grad=bias_grad, **threads())


def direct_conv(x, w, b, stride, padding, dilation):
    """The definition, one output element at a time, in float64."""
    n, c, h, width = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2))
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (width + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                       j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
            y[:, :, i, j] = np.einsum("nckl,ockl->no", patch, w) + b
    return y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CONFIGS)
def test_conv_kernel_matches_twin_and_the_definition(rng, x_shape, w_shape, stride, padding,
                                                     dilation, dtype):
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    y, cols = conv_forward(compiled, x, w, b, stride, padding, dilation)
    y_twin, cols_twin = conv_forward(twin, x, w, b, stride, padding, dilation)
    np.testing.assert_array_equal(cols, cols_twin)
    np.testing.assert_allclose(y, y_twin, **TOL[dtype])
    np.testing.assert_allclose(y, direct_conv(x, w, b, stride, padding, dilation),
                               rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-4)
    gy = rng.standard_normal(y.shape).astype(dtype)
    for a, e in zip(conv_backward(compiled, gy, x, cols, w, stride, padding, dilation),
                    conv_backward(twin, gy, x, cols_twin, w, stride, padding, dilation)):
        np.testing.assert_allclose(a, e, rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-4)


POOLS = [(2, None, 0), (3, 2, 1), ((3, 2), 1, (1, 0)), (2, 1, 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel_size, stride, padding", POOLS)
def test_pooling_kernels_match_twin(rng, kernel_size, stride, padding, dtype):
    x = rng.standard_normal((3, 4, 9, 8)).astype(dtype)
    y, argmax = compiled_pool.max_pool2d_forward(x, kernel_size, stride, padding, **threads())
    y_twin, argmax_twin = twin_pool.max_pool2d_forward(x, kernel_size, stride, padding,
                                                       **threads())
    np.testing.assert_array_equal(y, y_twin)
    np.testing.assert_array_equal(argmax, argmax_twin)
    gy = rng.standard_normal(y.shape).astype(dtype)
    np.testing.assert_allclose(
        compiled_pool.max_pool2d_backward(gy, argmax, (9, 8), input_grad=True, **threads()),
        twin_pool.max_pool2d_backward(gy, argmax, (9, 8), input_grad=True, **threads()),
        **TOL[dtype])
    window = (kernel_size, stride, padding)
    np.testing.assert_allclose(compiled_pool.avg_pool2d_forward(x, *window, **threads()),
                               twin_pool.avg_pool2d_forward(x, *window, **threads()),
                               **TOL[dtype])
    np.testing.assert_allclose(
        compiled_pool.avg_pool2d_backward(gy, (9, 8), *window, input_grad=True, **threads()),
        twin_pool.avg_pool2d_backward(gy, (9, 8), *window, input_grad=True, **threads()),
        **TOL[dtype])


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CONFIGS[:3])
def test_conv_and_pools_match_pytorch(backend, x_shape, w_shape, stride, padding, dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv2d(*ours, stride=stride, padding=padding, dilation=dilation)
    ty = torch.nn.functional.conv2d(*theirs, stride=stride, padding=padding, dilation=dilation)
    pooled = F.max_pool2d(y, 2, 1) + F.avg_pool2d(y, 2, 1)
    tpooled = torch.nn.functional.max_pool2d(ty, 2, 1) + torch.nn.functional.avg_pool2d(ty, 2, 1)
    gy = rng.standard_normal(tpooled.shape)
    pooled.backward(mg.tensor(gy))
    tpooled.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(pooled.data, tpooled.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, e.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_modules_match_pytorch_layouts_and_default_init():
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    conv = nn.Conv2d(3, 8, (3, 5), stride=2, padding=1)
    reference = torch.nn.Conv2d(3, 8, (3, 5), stride=2, padding=1)
    assert conv.weight.shape == tuple(reference.weight.shape) and conv.bias.shape == (8,)
    bound = 1 / np.sqrt(3 * 3 * 5)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    x = mg.randn(2, 3, 10, 11)
    assert conv(x).shape == tuple(reference(torch.randn(2, 3, 10, 11)).shape)
    assert nn.Flatten()(mg.randn(2, 3, 4)).shape == (2, 12)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 5, 5) and nn.AvgPool2d(3, 2)(x).shape == (2, 3, 4, 5)
    assert F.conv2d(mg.randn(3, 10, 11), conv.weight).shape == (8, 8, 7)  # unbatched


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv2d(mg.randn(2, 3, 8, 8), mg.randn(4, 2, 3, 3)), ValueError,
     r"weight of shape \(4, 2, 3, 3\) does not fit input of shape \(2, 3, 8, 8\)"),
    (lambda: F.conv2d(mg.randn(2, 3, 2, 2), mg.randn(4, 3, 3, 3)), ValueError,
     r"too small for kernel \(3, 3\)"),
    (lambda: F.conv2d(mg.randn(3, 8, 8), mg.randn(4, 2, 3, 3)), ValueError,
     r"does not fit input"),
    (lambda: F.conv2d(mg.randn(8, 8), mg.randn(4, 2, 3, 3)), ValueError,
     r"expected 3D \(C, H, W\) or 4D"),
    (lambda: F.conv2d(mg.randn(1, 1, 8, 8), mg.randn(1, 1, 3, 3), stride=0), ValueError,
     "stride must be an int or a pair of ints >= 1"),
    (lambda: F.conv2d(mg.randn(1, 1, 8, 8), mg.randn(1, 1, 3, 3, dtype=mg.float64)), TypeError,
     "weight has dtype float64 but the other inputs are float32"),
    (lambda: F.max_pool2d(mg.randn(1, 1, 8, 8), 2, padding=2), ValueError,
     "pad should be at most half of effective kernel size"),
    (lambda: F.avg_pool2d(mg.randn(1, 1, 1, 1), 2), ValueError, "too small for kernel"),
])
def test_bad_inputs_raise_clear_errors(backend, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_non_contiguous_inputs_give_the_same_results(backend, rng):
    base = rng.standard_normal((2, 9, 8, 3))  # channels last, viewed as (N, C, H, W)
    view = base.transpose(0, 3, 1, 2)[:, :, ::-1]
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)))
    results = []
    for array in (view, np.ascontiguousarray(view)):
        x = mg.tensor(array, requires_grad=True)
        y = F.max_pool2d(F.conv2d(x, w, padding=1), 2) + 0.0
        (y * y).sum().backward()
        results.append((y.data, x.grad.data))
    for a, e in zip(*results):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_inputs_are_not_mutated(rng):
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    copies = x.copy(), w.copy()
    y, cols = conv_forward(compiled, x, w, None, 1, 1, 1)
    conv_backward(compiled, np.ones_like(y), x, cols, w, 1, 1, 1)
    compiled_pool.max_pool2d_forward(x, 2, None, 0, **threads())
    compiled_pool.avg_pool2d_forward(x, 3, 1, 1, **threads())
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(w, copies[1])


def test_nan_propagates_and_wins_the_max(backend):
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = np.nan
    assert np.isnan(F.max_pool2d(mg.tensor(x), 2).data[0, 0, 0, 0])
    y = F.conv2d(mg.tensor(x), mg.ones(1, 1, 3, 3, dtype=mg.float64), padding=1).data
    assert np.isnan(y[0, 0, :3, :3]).all() and not np.isnan(y[0, 0, 3, 3])


def test_empty_batch(backend):
    x = mg.randn(0, 3, 8, 8, requires_grad=True)
    conv = nn.Conv2d(3, 4, 3)
    y = conv(x)
    assert y.shape == (0, 4, 6, 6)
    y.sum().backward()
    np.testing.assert_array_equal(conv.weight.grad.data, 0)


def test_results_do_not_depend_on_the_thread_count(rng):
    """Each image is one thread's (its im2col, single-threaded gemms, col2im), so outputs, columns,
    input gradients and pooling are bit-identical for any thread count; the weight gradient adds
    per-thread sums in thread order: identical run to run for a given count, equal up to
    rounding across counts."""
    x = rng.standard_normal((16, 4, 20, 20)).astype(np.float32)
    w = rng.standard_normal((8, 4, 3, 3)).astype(np.float32)
    threads_before, runs = mg.get_num_threads(), []
    for count in (1, 2, 2):
        mg.set_num_threads(count)
        y, cols = conv_forward(compiled, x, w, None, 1, 1, 1)
        gx, gw, gb = conv_backward(compiled, y, x, cols, w, 1, 1, 1)
        pooled, argmax = compiled_pool.max_pool2d_forward(x, 3, 2, 1, **threads())
        runs.append((y, cols, gx, gb, pooled, argmax,
                     compiled_pool.avg_pool2d_backward(pooled, (20, 20), 3, 2, 1, input_grad=True,
                                                       **threads()),
                     gw))
    mg.set_num_threads(threads_before)
    for one_thread, two_threads in zip(runs[0][:-1], runs[1][:-1]):
        np.testing.assert_array_equal(one_thread, two_threads)
    np.testing.assert_array_equal(runs[1][-1], runs[2][-1])
    np.testing.assert_allclose(runs[0][-1], runs[1][-1], rtol=1e-5,
                               atol=1e-6 * np.abs(runs[1][-1]).max())


def _openblas_threads():
    """The thread count of the OpenBLAS the kernels call (scipy-openblas32's)."""
    from threadpoolctl import threadpool_info
    return [lib["num_threads"] for lib in threadpool_info()
            if "scipy_openblas32" in lib["filepath"]]


def test_blas_gets_minigrads_thread_count_back_after_a_convolution(rng):
    # the batch loop runs OpenBLAS on one thread (ops/conv.py holds blas_on_one_thread around
    # the kernels); the linear layers' gemms need it threaded
    x = mg.tensor(rng.standard_normal((8, 3, 10, 10)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()
    assert _openblas_threads() == [mg.get_num_threads()]


def test_convolutions_from_concurrent_python_threads(rng):
    from concurrent.futures import ThreadPoolExecutor
    cases = [(rng.standard_normal((12, 3, 11, 11)).astype(np.float32),
              rng.standard_normal((5, 3, 3, 3)).astype(np.float32)) for _ in range(4)]

    def forward_backward(x, w):
        y, cols = conv_forward(compiled, x, w, None, 1, 1, 1)
        return (y, *conv_backward(compiled, y, x, cols, w, 1, 1, 1))

    expected = [forward_backward(x, w) for x, w in cases]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda case: forward_backward(*case), cases * 3))
    for k, result in enumerate(results):
        for got, want in zip(result, expected[k % len(cases)]):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.abs(want).max())
    assert _openblas_threads() == [mg.get_num_threads()]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-3), (np.float64, 1e-6)])
def test_lenet_layers_along_a_random_direction(backend, rng, dtype, rtol):
    x = mg.tensor(rng.standard_normal((4, 1, 12, 12)).astype(dtype), requires_grad=True)
    w = mg.tensor((rng.standard_normal((6, 1, 5, 5)) / 5).astype(dtype), requires_grad=True)
    b = mg.tensor(rng.standard_normal(6).astype(dtype), requires_grad=True)
    assert_projected_gradients_match(
        lambda x, w, b: F.avg_pool2d(F.tanh(F.conv2d(x, w, b, padding=2)), 2), [x, w, b], rng,
        1e-6, rtol)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 2), c=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6),
       o=st.integers(1, 3), k=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), dtype=st.sampled_from([np.float32, np.float64, np.int64]),
       transpose=st.booleans(), data=st.data())
def test_random_shapes_strides_and_dtypes_raise_or_match_the_twin(n, c, h, w, o, k, stride,
                                                                  padding, dtype, transpose,
                                                                  data):
    def array(shape):
        values = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)))
        return values.astype(dtype)

    x = array((n, c, w, h)).transpose(0, 1, 3, 2) if transpose else array((n, c, h, w))
    weight = array((o, c, k, k))

    def run(conv, pool):
        y, cols = conv_forward(conv, x, weight, None, stride, padding, 1)
        pooled, argmax = pool.max_pool2d_forward(x, k, stride, padding, **threads())
        return (y, *conv_backward(conv, y, x, cols, weight, stride, padding, 1)[:2], pooled,
                pool.max_pool2d_backward(pooled, argmax, x.shape[2:], input_grad=True, **threads()),
                pool.avg_pool2d_forward(x, k, stride, padding, **threads()))

    try:
        expected = run(twin, twin_pool)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            run(compiled, compiled_pool)
        return
    for a, e in zip(run(compiled, compiled_pool), expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_output_channels_still_give_the_columns(rng, dtype):
    # the kernel used to return uninitialized columns when the weight had no output channel
    x, weight = rng.standard_normal((2, 3, 4, 4)).astype(dtype), np.zeros((0, 3, 2, 2), dtype)
    y, cols = conv_forward(compiled, x, weight, None, 1, 0, 1)
    y_twin, cols_twin = conv_forward(twin, x, weight, None, 1, 0, 1)
    assert y.shape == y_twin.shape == (2, 0, 3, 3)
    np.testing.assert_array_equal(cols, cols_twin)


@pytest.mark.parametrize("kernel", [compiled_pool, twin_pool])
def test_argmax_must_hold_integers_inside_the_plane(kernel):
    gy = np.ones((1, 1, 2, 2))
    with pytest.raises(TypeError, match="argmax must hold integer indices, got float64"):
        kernel.max_pool2d_backward(gy, np.zeros((1, 1, 2, 2)), (4, 4), input_grad=True,
                                   num_threads=1)
    with pytest.raises(ValueError, match="argmax holds indices outside the 4x4 input plane"):
        kernel.max_pool2d_backward(gy, np.full((1, 1, 2, 2), 16), (4, 4), input_grad=True,
                                   num_threads=1)


@pytest.mark.parametrize("pool", [compiled_pool, twin_pool])
def test_max_pool_never_picks_the_padding(pool):
    # all -inf: each window's maximum is its first input element (PyTorch's indices), not a
    # padding position (the twin once picked those, giving negative indices)
    x = np.full((1, 1, 2, 2), -np.inf)
    y, argmax = pool.max_pool2d_forward(x, 2, 2, 1, num_threads=1)
    np.testing.assert_array_equal(argmax, [[[[0, 1], [2, 3]]]])
    assert np.isneginf(y).all()


@pytest.mark.parametrize("conv, pool", [(compiled, compiled_pool), (twin, twin_pool)])
@pytest.mark.parametrize("num_threads, error", [(0, ValueError), (-1, ValueError),
                                                (2 ** 31, ValueError), (1.0, TypeError),
                                                (None, TypeError)])
def test_num_threads_must_be_a_positive_int(conv, pool, num_threads, error):
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
    y, cols = conv.conv2d_forward(x, w, None, 1, 0, 1, num_threads=1)
    calls = [lambda: conv.conv2d_forward(x, w, None, 1, 0, 1, num_threads=num_threads),
             lambda: conv.conv2d_backward(y, x, cols, w, 1, 0, 1, input_grad=True,
                                          weight_grad=True, bias_grad=True,
                                          num_threads=num_threads),
             lambda: pool.max_pool2d_forward(x, 2, None, 0, num_threads=num_threads),
             lambda: pool.max_pool2d_backward(y[:, :, :2, :2], np.zeros((1, 1, 2, 2), np.int64),
                                              (4, 4), input_grad=True, num_threads=num_threads),
             lambda: pool.avg_pool2d_forward(x, 2, None, 0, num_threads=num_threads),
             lambda: pool.avg_pool2d_backward(y[:, :, :2, :2], (4, 4), 2, None, 0,
                                              input_grad=True, num_threads=num_threads)]
    for call in calls:
        with pytest.raises(error, match="num_threads must be"):
            call()


@pytest.mark.parametrize("conv", [compiled, twin])
def test_conv2d_backward_returns_only_the_gradients_asked_for(conv, rng):
    x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    y, cols = conv.conv2d_forward(x, w, None, 1, 1, 1, num_threads=1)
    every = conv_backward(conv, y, x, cols, w, 1, 1, 1)
    for asked in [(True, False, False), (False, True, False), (False, False, True)]:
        got = conv_backward(conv, y, x, cols, w, 1, 1, 1, **dict(zip(
            ("input_grad", "weight_grad", "bias_grad"), asked)))
        for wanted, one, full in zip(asked, got, every):
            assert one is None if not wanted else np.array_equal(one, full)


@pytest.mark.torch
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("w_shape, dilation", [((4, 2, 3, 3), 1), ((4, 2, 2, 2), 1),
                                               ((3, 2, 4, 3), (1, 2)), ((3, 2, 2, 3), (3, 1))])
@pytest.mark.parametrize("unbatched", [False, True])
def test_named_padding_matches_pytorch(backend, rng, padding, w_shape, dilation, unbatched):
    """'same' with odd and even kernels (PyTorch pads the odd total's extra zero after), with
    dilation; 'valid' pads nothing. Forward and the gradients of input, weight and bias."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 7, 8) if unbatched else (2, 2, 7, 8))
    w, b = rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv2d(*ours, padding=padding, dilation=dilation)
    ty = torch.nn.functional.conv2d(*theirs, padding=padding, dilation=dilation)
    assert y.shape == tuple(ty.shape)
    if padding == "same":
        assert y.shape[-2:] == x.shape[-2:]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    gy = rng.standard_normal(y.shape)
    y.backward(mg.tensor(gy))
    ty.backward(torch.from_numpy(gy))
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.torch
def test_conv2d_module_with_named_padding_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    ours = nn.Conv2d(2, 3, 4, padding="same", dilation=(1, 2), bias=False, padding_mode="zeros")
    theirs = torch.nn.Conv2d(2, 3, 4, padding="same", dilation=(1, 2), bias=False)
    assert repr(ours) == repr(theirs)
    assert repr(nn.Conv2d(2, 3, 4, padding="valid")) == repr(torch.nn.Conv2d(2, 3, 4,
                                                                              padding="valid"))
    theirs.weight.data = torch.from_numpy(ours.weight.detach().numpy().copy())
    x = rng.standard_normal((1, 2, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.Conv2d(2, 3, 3, padding="same", stride=2), ValueError,
     "not supported for strided"),
    (lambda: nn.Conv2d(2, 3, 3, padding="full"), ValueError, "Invalid padding string 'full'"),
    (lambda: nn.Conv2d(2, 3, 3, padding_mode="mirror"), ValueError, "padding_mode must be one"),
    (lambda: nn.Conv2d(2, 3, 3, padding_mode="reflect"), NotImplementedError, "zeros only"),
    (lambda: F.conv2d(mg.ones(1, 2, 5, 5), mg.ones(3, 2, 3, 3), padding="same", stride=2),
     RuntimeError, "not supported for strided"),
    (lambda: F.conv2d(mg.ones(1, 2, 5, 5), mg.ones(3, 2, 3, 3), padding="full"), RuntimeError,
     "Invalid padding string"),
])
def test_bad_named_padding_raises_as_pytorch(make, error, message):
    """PyTorch's types: the module raises ValueError when built, F.conv2d RuntimeError."""
    with pytest.raises(error, match=message):
        make()
