"""Max and average pooling (csrc/pool.pyx, F.max_pool2d, F.avg_pool2d, nn.MaxPool2d/AvgPool2d)
against the twin, with the tests that hold the conv and pool kernels to one property side by side
(inputs left untouched, NaN, the fuzz against the twins, the num_threads check). Convolution's own
tests are in tests/test_conv.py."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad._reference import conv as twin, pool as twin_pool
from _conv_cases import TOL, compiled, compiled_pool, conv_backward, conv_forward, threads

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
