"""Losses composed of ops (minigrad/ops/loss_composed.py), as modules, against PyTorch."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def problem(name, rng):
    x = rng.standard_normal((4, 5)) * 2
    if name in ("BCELoss",):
        return 1 / (1 + np.exp(-x)), (rng.random((4, 5)) > 0.5).astype(float)
    if name == "SoftMarginLoss":
        return x, np.where(rng.random((4, 5)) > 0.5, 1.0, -1.0)
    if name == "MultiLabelSoftMarginLoss":
        return x, (rng.random((4, 5)) > 0.5).astype(float)
    if name == "KLDivLoss":
        logp = x - np.log(np.exp(x).sum(1, keepdims=True))
        target = rng.dirichlet(np.ones(5), 4)
        target[0, 1] = 0.0
        return logp, target
    return x, rng.standard_normal((4, 5))


CASES = [("L1Loss", {}), ("MSELoss", {}), ("BCELoss", {}), ("SoftMarginLoss", {}),
         ("MultiLabelSoftMarginLoss", {}), ("HuberLoss", {"delta": 0.7}),
         ("SmoothL1Loss", {"beta": 0.5}), ("SmoothL1Loss", {"beta": 0.0}), ("KLDivLoss", {}),
         ("KLDivLoss", {"log_target": True})]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # PyTorch's KL note
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, options", CASES)
def test_losses_match_pytorch(name, options, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = problem(name, rng)
    if options.get("log_target"):
        y = np.log(np.where(y > 0, y, 1e-3))
    ours_x, theirs_x = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = getattr(nn, name)(reduction=reduction, **options)(ours_x, y)
    theirs = getattr(torch.nn, name)(reduction=reduction, **options)(theirs_x, torch.from_numpy(y))
    gy = rng.standard_normal(theirs.shape)
    ours.backward(mg.tensor(gy))
    theirs.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_kl_batchmean_and_weighted_bce_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logp, target = problem("KLDivLoss", rng)
    ours = nn.KLDivLoss(reduction="batchmean")(mg.tensor(logp), target)
    theirs = torch.nn.KLDivLoss(reduction="batchmean")(torch.from_numpy(logp),
                                                      torch.from_numpy(target))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    p, y = problem("BCELoss", rng)
    w = rng.uniform(0.5, 2, 5)
    ours = nn.BCELoss(mg.tensor(w))(mg.tensor(p), y)
    theirs = torch.nn.BCELoss(torch.from_numpy(w))(torch.from_numpy(p), torch.from_numpy(y))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


def test_extreme_inputs_stay_finite_and_bad_inputs_raise():
    p = mg.tensor(np.array([0.0, 1.0, 0.5]), requires_grad=True)
    loss = nn.BCELoss()(p, np.array([1.0, 0.0, 1.0]))
    assert loss.item() == pytest.approx((100 + 100 + np.log(2)) / 3)  # log clamped at -100
    x = mg.tensor(np.array([100.0, -100.0]), requires_grad=True)
    nn.SoftMarginLoss()(x, np.array([-1.0, 1.0])).backward()
    assert np.isfinite(x.grad.data).all()
    with pytest.raises(RuntimeError, match=r"target of shape \(3,\) does not broadcast with"):
        nn.MSELoss()(mg.randn(4), np.zeros(3))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.L1Loss(reduction="avg")(mg.randn(3), np.zeros(3))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.BCELoss()(mg.tensor([1.5]), np.ones(1))


ONE_HOT = np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]


@pytest.mark.torch
@pytest.mark.parametrize("call, error", [
    (lambda lib, x: lib.nn.NLLLoss()(lib.nn.functional.log_softmax(x, dim=1),
                                     lib.tensor(ONE_HOT)), RuntimeError),
    (lambda lib, x: lib.nn.NLLLoss()(x, lib.tensor([0.0, 1.0, 2.0, 0.0])), RuntimeError),
    (lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(np.eye(4, dtype=np.float32))),
     RuntimeError),
    (lambda lib, x: lib.nn.CrossEntropyLoss()(x, lib.tensor([0.0, 1.0, 2.0, 0.0])), RuntimeError),
    (lambda lib, x: lib.nn.Linear(2, 5)(x), RuntimeError),
    (lambda lib, x: lib.nn.functional.mse_loss(lib.ones(4, 2), lib.ones(3)), RuntimeError),
])
def test_errors_programs_catch_have_pytorchs_type(call, error):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for lib in (mg, torch):
        with pytest.raises(error):
            call(lib, lib.tensor(x))


def test_linear_shape_mismatch_has_pytorchs_message():
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 shapes cannot be multiplied "
                                           r"\(4x3 and 2x5\)$"):
        nn.Linear(2, 5)(mg.ones(4, 3))
    with pytest.raises(RuntimeError, match=r"\(8x3 and 2x5\)"):  # batch dims flattened
        nn.Linear(2, 5)(mg.ones(2, 4, 3))


@pytest.mark.torch
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss"])
def test_regression_losses_warn_and_broadcast_a_target_of_another_shape(name, rng):
    torch = pytest.importorskip("torch")
    x, y = rng.standard_normal((4, 1)), rng.standard_normal(4)
    with pytest.warns(UserWarning, match="Using a target size .* different to the input size"):
        ours = getattr(nn, name)()(mg.tensor(x), mg.tensor(y))
    with pytest.warns(UserWarning):
        theirs = getattr(torch.nn, name)()(torch.tensor(x), torch.tensor(y))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
