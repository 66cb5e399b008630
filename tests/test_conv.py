"""Convolution (csrc/conv.pyx, F.conv2d, nn.Conv2d) against the twin, the definition's direct
loops and PyTorch; also the tests that run a convolution through pooling (PyTorch's numbers,
strides, the thread count, LeNet's layers) and OpenBLAS's thread count around the kernels. The
pooling kernels' own tests are in tests/test_pool.py."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad._reference import conv as twin
from _conv_cases import TOL, compiled, compiled_pool, conv_backward, conv_forward, threads
from conftest import assert_projected_gradients_match

CONFIGS = [  # input shape, weight shape, stride, padding, dilation
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0, 1),
    ((3, 2, 9, 9), (5, 2, 3, 3), 2, 1, 1),
    ((2, 1, 8, 8), (2, 1, 3, 3), 1, 2, 2),
    ((1, 1, 5, 5), (1, 1, 5, 5), 1, 0, 1),
    ((16, 1, 28, 28), (20, 1, 5, 5), 1, 2, 1),  # large enough to run threaded
]


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_output_channels_still_give_the_columns(rng, dtype):
    # the kernel used to return uninitialized columns when the weight had no output channel
    x, weight = rng.standard_normal((2, 3, 4, 4)).astype(dtype), np.zeros((0, 3, 2, 2), dtype)
    y, cols = conv_forward(compiled, x, weight, None, 1, 0, 1)
    y_twin, cols_twin = conv_forward(twin, x, weight, None, 1, 0, 1)
    assert y.shape == y_twin.shape == (2, 0, 3, 3)
    np.testing.assert_array_equal(cols, cols_twin)


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
