"""Binary cross-entropy with logits (csrc/loss.pyx bce_with_logits) against its twin, closed forms
and PyTorch; the op's reductions, broadcasting weights and bad input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import kernels
import minigrad.nn.functional as F
from minigrad._reference import loss as twin

compiled = pytest.importorskip(kernels.compiled_module_name("loss"),
                               reason="compiled kernels are not built")

TOL = {np.float32: dict(rtol=2e-6, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


def problem(rng, n, dtype):
    x = np.concatenate([rng.standard_normal(n - 4) * 4, [0.0, -0.0, 90.0, -90.0]]).astype(dtype)
    y = rng.uniform(0, 1, n).astype(dtype)  # soft targets are allowed, as in PyTorch
    weight, pos_weight = rng.uniform(0.5, 2, n).astype(dtype), rng.uniform(0.2, 4, n).astype(dtype)
    return x, y, weight, pos_weight


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_kernel_matches_twin_and_the_closed_form(rng, dtype, weighted):
    x, y, weight, pos_weight = problem(rng, 1000, dtype)
    if not weighted:
        weight = pos_weight = None
    losses, grad, total = compiled.bce_with_logits(x, y, weight, pos_weight)
    for a, e in zip((losses, grad), twin.bce_with_logits(x, y, weight, pos_weight)[:2]):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, e, **TOL[dtype])
    # the textbook formula in float64, fine away from |x| = 90 where sigmoid saturates
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    w = 1.0 if weight is None else weight.astype(np.float64)
    pw = 1.0 if pos_weight is None else pos_weight.astype(np.float64)
    p = 1 / (1 + np.exp(-x64[:-2]))
    expected = -w[:-2] * (pw[:-2] * y64[:-2] * np.log(p) + (1 - y64[:-2]) * np.log1p(-p)) \
        if weighted else -(y64[:-2] * np.log(p) + (1 - y64[:-2]) * np.log1p(-p))
    np.testing.assert_allclose(losses[:-2], expected, rtol=1e-5 if dtype == np.float32 else 1e-10)
    np.testing.assert_allclose(total, losses.astype(np.float64).sum(), rtol=1e-6)


def test_saturated_logits_give_finite_exact_values():
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    losses, grad, _ = compiled.bce_with_logits(x, y, None, None)
    np.testing.assert_array_equal(losses, [0.0, 0.0, 1000.0, 1000.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0, 1.0, -1.0])


def test_empty_input():
    empty = np.zeros(0, np.float32)
    losses, grad, total = compiled.bce_with_logits(empty, empty, None, None)
    assert losses.shape == grad.shape == (0,) and total == 0
    assert np.isnan(F.binary_cross_entropy_with_logits(mg.zeros(0), np.zeros(0)).item())
    assert F.binary_cross_entropy_with_logits(mg.zeros(0), np.zeros(0), reduction="sum").item() == 0


def test_inputs_are_not_mutated(rng):
    arrays = problem(rng, 50, np.float32)
    copies = [a.copy() for a in arrays]
    compiled.bce_with_logits(*arrays)
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_op_matches_pytorch_with_broadcast_pos_weight_in_float32(backend, rng, reduction):
    torch = pytest.importorskip("torch")
    x = (rng.standard_normal((64, 5)) * 3).astype(np.float32)
    y = (rng.random((64, 5)) > 0.5).astype(np.float32)
    pos_weight, weight = rng.uniform(0.5, 3, 5).astype(np.float32), rng.uniform(0.5, 2, (64, 1))
    ours_x = mg.tensor(x[:, ::-1], requires_grad=True)  # a non-contiguous view
    theirs_x = torch.tensor(x[:, ::-1].copy(), requires_grad=True)
    ours = F.binary_cross_entropy_with_logits(ours_x, y, mg.tensor(weight.astype(np.float32)),
                                              reduction, mg.tensor(pos_weight))
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        theirs_x, torch.from_numpy(y), torch.from_numpy(weight.astype(np.float32)),
        reduction=reduction, pos_weight=torch.from_numpy(pos_weight))
    gy = rng.standard_normal(theirs.shape).astype(np.float32)
    ours.backward(mg.tensor(gy))
    theirs.backward(torch.from_numpy(gy))
    assert ours.dtype == mg.float32
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=2e-6, atol=1e-6)
    # (1 - y) - l sigmoid(-x) cancels: float32 rounding of terms up to l |gy| ~ 10
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=2e-6, atol=2e-6)


def test_bad_weights_raise_before_anything_runs():
    with pytest.raises(ValueError, match=r"pos_weight of shape \(4,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(mg.randn(2, 3), np.zeros((2, 3)),
                                           pos_weight=np.ones(4))
    with pytest.raises(ValueError, match=r"weight has shape \(3,\), expected \(2,\)"):
        compiled.bce_with_logits(np.zeros(2), np.zeros(2), np.ones(3), None)
    with pytest.raises(TypeError, match="target has dtype float32"):
        compiled.bce_with_logits(np.zeros(2), np.zeros(2, np.float32), None, None)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 6), dtype=st.sampled_from([np.float32, np.float64, np.int32]),
       strided=st.booleans(), weighted=st.booleans(), data=st.data())
def test_random_shapes_strides_and_dtypes_raise_or_match_the_twin(n, dtype, strided, weighted,
                                                                  data):
    def array(length, kind=dtype):
        values = data.draw(hnp.arrays(np.float64, (2 * length,), elements=st.floats(-50, 50)))
        return values.astype(kind)[::2] if strided else values[:length].astype(kind)

    x, y = array(n), np.abs(array(data.draw(st.integers(max(n - 1, 0), n + 1)))) % 1
    weight = np.abs(array(n)) if weighted else None
    try:
        expected = twin.bce_with_logits(x, y, weight, None)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            compiled.bce_with_logits(x, y, weight, None)
        return
    tol = TOL[np.float32 if x.dtype == np.float32 else np.float64]
    for a, e in zip(compiled.bce_with_logits(x, y, weight, None), expected):
        np.testing.assert_allclose(a, e, rtol=tol["rtol"], atol=1e-5)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("module", [False, True])
def test_soft_targets_get_pytorchs_gradient(backend, rng, dtype, reduction, module):
    """The target's gradient (distillation): F.binary_cross_entropy_with_logits and
    nn.BCEWithLogitsLoss, with weight and pos_weight, against PyTorch; and F.binary_cross_entropy,
    mse_loss and l1_loss, whose targets are differentiable too."""
    torch = pytest.importorskip("torch")
    x, y, weight, pos_weight = problem(rng, 12, dtype)
    x, y = x.reshape(4, 3), y.reshape(4, 3)
    gy = rng.standard_normal((4, 3)).astype(dtype) if reduction == "none" else np.array(1, dtype)
    p = (1 / (1 + np.exp(-x / 8))).astype(dtype)
    grads = []
    for lib, functional in ((mg, F), (torch, torch.nn.functional)):
        def bce_with_logits(a, b):
            options = dict(weight=lib.tensor(weight[:3]), pos_weight=lib.tensor(pos_weight[:3]),
                           reduction=reduction)
            if module:
                return lib.nn.BCEWithLogitsLoss(**options)(a, b)
            return functional.binary_cross_entropy_with_logits(a, b, **options)
        losses = [(bce_with_logits, x),
                  (lambda a, b: functional.binary_cross_entropy(a, b, reduction=reduction), p),
                  (lambda a, b: functional.mse_loss(a, b, reduction=reduction), x),
                  (lambda a, b: functional.l1_loss(a, b, reduction=reduction), x)]
        for loss, first in losses:
            target = lib.tensor(y, requires_grad=True)
            loss(lib.tensor(first, requires_grad=True), target).backward(lib.tensor(gy))
            grads.append(target.grad.numpy())
    for ours, theirs in zip(grads[:4], grads[4:]):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, **TOL[dtype])


def test_a_target_that_does_not_require_grad_saves_only_the_derivatives(rng):
    x = mg.tensor(rng.standard_normal(5), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, mg.tensor(rng.uniform(0, 1, 5)))
    assert len(loss._node.saved_tensors) == 1
    loss.backward()
    assert x.grad is not None


def test_float32_loss_of_a_confident_negative_keeps_its_digits():
    """x = -13.5, y = 0: the loss is log1p(e^-13.5) = 1.4e-6; summed as (1 - y) x + (-x) + log1p
    in float32 it lost 30% (hypothesis found it); gathered first it keeps float32's precision."""
    x = np.array([-13.5, -30.0, -4.0], np.float32)
    y = np.array([0.0, 0.25, 1e-3], np.float32)
    weight = np.array([24.0, 1.0, 3.0], np.float32)
    for pos_weight in (None, np.array([1.0, 2.0, 0.5], np.float32)):
        losses, _ = compiled.bce_with_logits(x, y, weight, pos_weight)[:2]
        expected, _ = twin.bce_with_logits(x.astype(np.float64), y.astype(np.float64),
                                           weight.astype(np.float64),
                                           None if pos_weight is None
                                           else pos_weight.astype(np.float64))[:2]
        np.testing.assert_allclose(losses, expected, rtol=1e-6)
