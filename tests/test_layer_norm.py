"""Layer normalization (csrc/layer_norm.pyx, F.layer_norm, nn.LayerNorm) against the NumPy twin,
plain NumPy and PyTorch; also the tests that hold both norm kernels to one property side by side
(the gradients asked for, a bias without a weight, float32 statistics, strides, inputs left
untouched, NaN, the thread count, large layers). Batch norm's own tests are in
tests/test_batch_norm.py."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from _norm_cases import ALL_GRADS, THREADS, TOL, compiled, data, plain_batch_norm, twin
from conftest import assert_projected_gradients_match


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(6, 5), (3, 1), (64, 600)])
def test_layer_norm_kernels_match_twin_and_plain_numpy(rng, shape, dtype):
    x, gy, w, b = (data(rng, s, dtype) for s in (shape, shape, shape[1], shape[1]))
    y, mean, rstd = compiled.layer_norm_forward(x, w, b, 1e-5, **THREADS)
    expected = twin.layer_norm_forward(x, w, b, 1e-5, **THREADS)
    for a, e in zip((y, mean, rstd), expected):
        np.testing.assert_allclose(a, e, **TOL[dtype])
    x64 = x.astype(np.float64)
    plain = (x64 - x64.mean(1, keepdims=True)) / np.sqrt(x64.var(1, keepdims=True) + 1e-5) * w + b
    np.testing.assert_allclose(y, plain, **TOL[dtype])
    for weight in (w, None):
        for a, e in zip(compiled.layer_norm_backward(gy, x, mean, rstd, weight, **ALL_GRADS),
                        twin.layer_norm_backward(gy, x, mean, rstd, weight, **ALL_GRADS)):
            if e is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, e, **TOL[dtype])


@pytest.mark.parametrize("module", [compiled, twin], ids=["compiled", "twin"])
@pytest.mark.parametrize("asked", [(True, False, False), (False, True, False), (False, False, True),
                                   (False, True, True), (True, True, True)])
def test_backwards_return_exactly_the_gradients_asked_for(rng, module, asked):
    x, gy = data(rng, (16, 4, 700), np.float32), data(rng, (16, 4, 700), np.float32)
    w, x2, gy2 = data(rng, 4, np.float32), x.reshape(16, 2800), gy.reshape(16, 2800)
    w2 = data(rng, 2800, np.float32)
    mean, var = module.batch_norm_stats(x, **THREADS)
    _, row_mean, row_rstd = module.layer_norm_forward(x2, w2, None, 1e-5, **THREADS)
    flags = dict(zip(("input_grad", "weight_grad", "bias_grad"), asked), **THREADS)
    calls = [(module.batch_norm_backward, (gy, x, mean, var, w, 1e-5, training))
             for training in (True, False)]
    calls.append((module.layer_norm_backward, (gy2, x2, row_mean, row_rstd, w2)))
    for backward, arguments in calls:
        results = backward(*arguments, **flags)
        assert [g is not None for g in results] == list(asked)
        for some, every in zip(results, backward(*arguments, **ALL_GRADS)):
            assert some is None or np.array_equal(some, every)  # bit for bit


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["batch_norm", "layer_norm"])
def test_a_bias_without_a_weight_gets_pytorchs_gradient(backend, rng, kind):
    torch = pytest.importorskip("torch")
    x_np, gy_np = rng.standard_normal((6, 3, 4)), rng.standard_normal((6, 3, 4))
    b_np = rng.standard_normal(3 if kind == "batch_norm" else 4)

    def normalize(functional, x, b):
        if kind == "batch_norm":
            return functional.batch_norm(x, None, None, None, b, training=True)
        return functional.layer_norm(x, (4,), None, b)

    x, b = mg.tensor(x_np, requires_grad=True), mg.tensor(b_np, requires_grad=True)
    tx, tb = torch.tensor(x_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    normalize(F, x, b).backward(mg.tensor(gy_np))
    normalize(torch.nn.functional, tx, tb).backward(torch.from_numpy(gy_np))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **TOL[np.float64])
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), **TOL[np.float64])


def test_float32_statistics_stay_accurate_for_data_with_a_large_mean(rng):
    x = data(rng, (512, 4, 1), np.float32, offset=1e4)
    mean, var = compiled.batch_norm_stats(x, **THREADS)
    x64 = x.astype(np.float64)
    # runs of 8 values per lane (or rows of a channel) are summed in float32 before the double
    # accumulation (csrc/_sums.pxd, batch_norm.pyx): within a fraction of float32's resolution
    np.testing.assert_allclose(mean, x64.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(var, x64.var(axis=(0, 2)), rtol=1e-7)
    w, b = np.ones(4, np.float32), np.zeros(4, np.float32)
    y = compiled.batch_norm_apply(x, mean, var, w, b, 1e-5, **THREADS)
    np.testing.assert_allclose(y, plain_batch_norm(x, w, b), rtol=1e-5, atol=1e-5)
    _, ln_mean, ln_rstd = compiled.layer_norm_forward(x.reshape(4, 512), None, None, 1e-5,
                                                      **THREADS)
    rows = x.reshape(4, 512).astype(np.float64)
    np.testing.assert_allclose(ln_mean, rows.mean(1), rtol=1e-12)
    # runs of 8 values per lane are summed in float32 before the double accumulation
    # (csrc/_sums.pxd): the statistics stay within a fraction of float32's resolution
    np.testing.assert_allclose(ln_rstd, 1 / np.sqrt(rows.var(1) + 1e-5), rtol=1e-7)


# ---------------------------------------------------------------------- both kernels side by side

def test_non_contiguous_inputs_and_gradients_give_the_same_results(backend, rng):
    base = rng.standard_normal((5, 4, 6, 8))
    for make in (lambda a: a.transpose(0, 1, 3, 2), lambda a: a[:, :, ::2, ::-1]):
        view = make(base)
        gy = rng.standard_normal(view.shape)
        results = []
        for array in (view, np.ascontiguousarray(view)):
            x = mg.tensor(array, requires_grad=True)
            bn, ln = nn.BatchNorm2d(4).double(), nn.LayerNorm(view.shape[-1]).double()
            (bn(x) * mg.tensor(gy)).sum().backward()
            (ln(x) * mg.tensor(gy)).sum().backward()
            results.append((bn(x).data, ln(x).data, x.grad.data, bn.weight.grad.data,
                            ln.weight.grad.data))
        for a, e in zip(*results):
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_inputs_are_not_mutated(rng):
    x, gy = rng.standard_normal((6, 3, 4)), rng.standard_normal((6, 3, 4))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    copies = [a.copy() for a in (x, gy, w, b)]
    mean, var = compiled.batch_norm_stats(x, **THREADS)
    compiled.batch_norm_apply(x, mean, var, w, b, 1e-5, **THREADS)
    compiled.batch_norm_backward(gy, x, mean, var, w, 1e-5, True, **ALL_GRADS)
    y, m, r = compiled.layer_norm_forward(x.reshape(6, 12), None, None, 1e-5, **THREADS)
    compiled.layer_norm_backward(gy.reshape(6, 12), x.reshape(6, 12), m, r, None, **ALL_GRADS)
    for a, c in zip((x, gy, w, b), copies):
        np.testing.assert_array_equal(a, c)


def test_nan_stays_in_its_channel_and_its_row(backend):
    x = np.ones((4, 3, 2)) * np.arange(8).reshape(4, 1, 2)
    x[1, 2, 0] = np.nan
    y = F.batch_norm(mg.tensor(x), None, None, training=True).data
    assert np.isnan(y[:, 2]).all() and np.isfinite(y[:, :2]).all()
    z = F.layer_norm(mg.tensor(x), 2).data
    assert np.isnan(z[1, 2]).all() and np.isfinite(np.delete(z.reshape(12, 2), 5, axis=0)).all()


def test_results_do_not_depend_on_the_thread_count(rng):
    # 537,600 elements: threaded (PARALLEL_MIN = 524,288 in csrc/_norm.pxd)
    x, gy = data(rng, (64, 300, 28), np.float32), data(rng, (64, 300, 28), np.float32)
    w = data(rng, 300, np.float32)
    x2, gy2 = x.reshape(64, 8400), gy.reshape(64, 8400)
    w2 = data(rng, 8400, np.float32)
    runs = []
    grads = dict(input_grad=True, weight_grad=True, bias_grad=True)
    for threads in (1, 2, 1):
        mean, var = compiled.batch_norm_stats(x, num_threads=threads)
        y, m, r = compiled.layer_norm_forward(x2, w2, w2, 1e-5, num_threads=threads)
        runs.append((mean, var,
                     compiled.batch_norm_apply(x, mean, var, w, w, 1e-5, num_threads=threads),
                     *compiled.batch_norm_backward(gy, x, mean, var, w, 1e-5, True, **grads,
                                                   num_threads=threads),
                     y, m, r,
                     *compiled.layer_norm_backward(gy2, x2, m, r, w2, **grads,
                                                   num_threads=threads)))
    for run in runs[1:]:
        for a, e in zip(run, runs[0]):
            np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-3), (np.float64, 1e-6)])
def test_large_layers_along_a_random_direction(backend, rng, dtype, rtol):
    x = mg.tensor(data(rng, (32, 16, 6, 6), dtype), requires_grad=True)
    w, b = (mg.tensor(data(rng, 16, dtype), requires_grad=True) for _ in range(2))
    assert_projected_gradients_match(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b], rng, 1e-6,
        rtol)
    w2, b2 = (mg.tensor(data(rng, (6, 6), dtype), requires_grad=True) for _ in range(2))
    assert_projected_gradients_match(lambda x, w, b: F.layer_norm(x, (6, 6), w, b), [x, w2, b2],
                                     rng, 1e-6, rtol)


# ------------------------------------------------------------------------------------- infinities

@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", [compiled, twin])
def test_layer_norm_rows_with_infinities_give_pytorchs_statistics(kernel, dtype):
    torch = pytest.importorskip("torch")
    inf = np.inf
    x = np.array([[-inf, -inf, -inf], [-inf, 1, 2], [1, inf, 2], [1, np.nan, 2], [1, 2, 4]],
                 dtype)
    y, mean, rstd = kernel.layer_norm_forward(x, None, None, 1e-5, **THREADS)
    expected = torch.native_layer_norm(torch.tensor(x, dtype=torch.float64), (3,), None, None,
                                       1e-5)
    np.testing.assert_allclose(y, expected[0].numpy(), **TOL[dtype])
    np.testing.assert_allclose(mean, expected[1].numpy()[:, 0], **TOL[dtype])  # NaN, not -inf
    np.testing.assert_allclose(rstd, expected[2].numpy()[:, 0], **TOL[dtype])
