"""Learning-rate schedules against PyTorch's sequences and closed forms; gradient clipping."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_
from minigrad.optim import lr_scheduler as S

torch = pytest.importorskip("torch")
T = torch.optim.lr_scheduler
PLATEAU_METRIC = [5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2.9999, 2.9999, 2.9999, 3]


def schedules(lib):
    """(name, make(optimizer), optimizer name, metric or None) for both libraries."""
    s = S if lib is mg else T
    cases = [
        ("StepLR", lambda o: s.StepLR(o, 4, 0.5)),
        ("MultiStepLR", lambda o: s.MultiStepLR(o, [3, 7, 7], 0.5)),
        ("ExponentialLR", lambda o: s.ExponentialLR(o, 0.9)),
        ("CosineAnnealingLR", lambda o: s.CosineAnnealingLR(o, 7, 0.01)),
        ("LinearLR", lambda o: s.LinearLR(o, 0.2, 1.0, 6)),
        ("LambdaLR", lambda o: s.LambdaLR(o, lambda e: 0.95 ** e)),
        ("SequentialLR", lambda o: s.SequentialLR(
            o, [s.LinearLR(o, 0.1, 1.0, 5), s.CosineAnnealingLR(o, 10)], [5])),
        ("ChainedScheduler", lambda o: s.ChainedScheduler(
            [s.LinearLR(o, 0.1, 1.0, 5), s.ExponentialLR(o, 0.9)])),
        ("OneCycleLR-cos-3", lambda o: s.OneCycleLR(o, 0.5, 30, three_phase=True)),
        ("OneCycleLR-linear", lambda o: s.OneCycleLR(o, 0.5, 30, anneal_strategy="linear")),
    ]
    cases += [(f"CyclicLR-{mode}", (lambda m: lambda o: s.CyclicLR(o, 0.01, 0.1, 4, 3, mode=m,
                                                                  gamma=0.97))(mode))
              for mode in ("triangular", "triangular2", "exp_range")]
    cases += [(f"ReduceLROnPlateau-{mode}-{tm}",
               (lambda m, t: lambda o: s.ReduceLROnPlateau(o, m, 0.5, 2, threshold_mode=t,
                                                           cooldown=1))(mode, tm))
              for mode in ("min", "max") for tm in ("rel", "abs")]
    return cases


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("index", range(len(schedules(mg))), ids=[c[0] for c in schedules(mg)])
def test_learning_rates_and_momenta_match_pytorch(index, optimizer):
    name, ours_make = schedules(mg)[index]
    _, theirs_make = schedules(torch)[index]
    options = dict(lr=0.1, momentum=0.9) if optimizer == "SGD" else dict(lr=0.1)
    p, q = mg.nn.Parameter(mg.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    ours_opt = getattr(optim, optimizer)([p], **options)
    theirs_opt = getattr(torch.optim, optimizer)([q], **options)
    ours, theirs = ours_make(ours_opt), theirs_make(theirs_opt)
    key = "momentum" if optimizer == "SGD" else "betas"
    for step in range(30):
        assert ours_opt.param_groups[0]["lr"] == theirs_opt.param_groups[0]["lr"], step
        assert ours_opt.param_groups[0][key] == pytest.approx(theirs_opt.param_groups[0][key])
        ours_opt.step()
        theirs_opt.step()
        if name.startswith("ReduceLROnPlateau"):
            ours.step(PLATEAU_METRIC[step % 20])
            theirs.step(PLATEAU_METRIC[step % 20])
        else:
            ours.step()
            theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("make, formula", [
    (lambda o: S.InverseTimeLR(o, 0.5), lambda t: 0.1 / (1 + 0.5 * t)),
    (lambda o: S.NaturalExpLR(o, 0.2), lambda t: 0.1 * math.exp(-0.2 * t)),
])
def test_source_text_decays_follow_their_closed_forms(make, formula):
    optimizer = optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    scheduler = make(optimizer)
    for t in range(10):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(formula(t), rel=1e-15)
        scheduler.step()


def test_scheduler_state_dict_round_trip():
    optimizer = optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    scheduler = S.StepLR(optimizer, 3, 0.5)
    for _ in range(4):
        scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 4
    other = S.StepLR(optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1), 3, 0.5)
    other.load_state_dict(state)
    assert other.last_epoch == 4 and other.get_last_lr() == scheduler.get_last_lr()


def test_bad_scheduler_arguments_raise():
    """The scheduler-specific checks (every argument's type and range: test_optim_options.py)."""
    optimizer = optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(optimizer, 0.5)
    with pytest.raises(ValueError, match="number of schedulers"):
        S.SequentialLR(optimizer, [S.StepLR(optimizer, 2)], [3])
    with pytest.raises(TypeError, match="a scheduler needs an Optimizer, got object"):
        S.StepLR(object(), 2)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
def test_clip_grad_norm_matches_pytorch(norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(5, 4), (3,)]]
    ours = [mg.nn.Parameter(mg.zeros(*g.shape)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = mg.tensor(g.copy()), torch.tensor(g.copy())
    total = clip_grad_norm_(ours, 1.0, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_edges_and_clip_by_value():
    p = mg.nn.Parameter(mg.zeros(3))
    assert clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients
    p.grad = mg.tensor([3.0, -4.0, 0.0])
    assert clip_grad_norm_(p, 10.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.data, [3.0, -4.0, 0.0])  # under the bound: unchanged
    p.grad = mg.tensor([np.inf, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    p.grad = mg.tensor([3.0, -4.0, 0.5])
    clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.data, [1.0, -1.0, 0.5])
