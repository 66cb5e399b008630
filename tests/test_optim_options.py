"""Bad hyperparameters of every optimizer and scheduler: the exception type and a message that
says what was wrong and what was expected, next to what PyTorch 2.13 does with the same call."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

NAN = float("nan")

# (library path, positional args after params/optimizer, keywords, our exception, message regex,
#  PyTorch 2.13's exception on the same call, or None where it accepts it)
OPTIMIZER_CASES = [
    ("SGD", dict(lr=-1), ValueError,
     r"^Invalid learning rate: -1 \(lr must be a non-negative float\)$", ValueError),
    ("SGD", dict(lr=NAN), ValueError, "Invalid learning rate: nan", None),
    ("SGD", dict(lr="0.1"), TypeError, r"lr must be a non-negative float, got '0.1' \(str\)",
     TypeError),
    ("SGD", dict(lr=None), TypeError, r"got None \(NoneType\)", TypeError),
    ("SGD", dict(lr=True), TypeError, r"got True \(bool\)", None),
    ("SGD", dict(lr=0.1, momentum=-1), ValueError, "momentum must be a non-negative float",
     ValueError),
    ("SGD", dict(lr=0.1, momentum=NAN), ValueError, "momentum must be", None),
    ("SGD", dict(lr=0.1, momentum="0.9"), TypeError, "momentum must be a non-negative float",
     TypeError),
    ("SGD", dict(lr=0.1, dampening=-1), ValueError, r"dampening must be a float in \[0, 1\]",
     None),
    ("SGD", dict(lr=0.1, dampening="x"), TypeError, "dampening must be", None),
    ("SGD", dict(lr=0.1, weight_decay=-1), ValueError, "weight_decay must be a non-negative",
     ValueError),
    ("SGD", dict(lr=0.1, weight_decay="x"), TypeError, "weight_decay must be", TypeError),
    ("SGD", dict(lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum",
     ValueError),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov="yes"), TypeError,
     r"nesterov must be a bool, got 'yes' \(str\)", None),
    ("SGD", dict(lr=0.1, maximize=1), TypeError, "maximize must be a bool", None),
    ("Adam", dict(lr="0.001"), TypeError, r"lr must be a non-negative float, got '0.001' \(str\)",
     TypeError),
    ("Adam", dict(lr=NAN), ValueError, "lr must be", ValueError),
    ("Adam", dict(betas=0.9), TypeError,
     r"betas must be a pair of floats in \[0, 1\), got 0.9 \(float\)", TypeError),
    ("Adam", dict(betas=(0.9,)), TypeError, "betas must be a pair", IndexError),
    ("Adam", dict(betas=(0.9, 0.99, 0.9)), TypeError, "betas must be a pair", None),
    ("Adam", dict(betas=("a", 0.9)), TypeError, "betas must be a pair", TypeError),
    ("Adam", dict(betas=None), TypeError, "betas must be a pair", TypeError),
    ("Adam", dict(betas=(1.0, 0.9)), ValueError,
     r"^Invalid beta parameter at index 0: 1.0 \(betas must be a pair", ValueError),
    ("Adam", dict(betas=(0.9, NAN)), ValueError, "Invalid beta parameter at index 1: nan",
     ValueError),
    ("Adam", dict(eps=-1e-8), ValueError, "eps must be a non-negative float", ValueError),
    ("Adam", dict(eps="x"), TypeError, "eps must be", TypeError),
    ("Adam", dict(amsgrad="yes"), TypeError, "amsgrad must be a bool", None),
    ("AdamW", dict(weight_decay=NAN), ValueError, "weight_decay must be", ValueError),
    ("AdamW", dict(weight_decay="x"), TypeError, "weight_decay must be", TypeError),
    ("RMSprop", dict(alpha=-1), ValueError, r"alpha must be a float in \[0, 1\]", ValueError),
    ("RMSprop", dict(alpha=1.5), ValueError, "alpha must be", None),
    ("RMSprop", dict(alpha="x"), TypeError, "alpha must be", TypeError),
    ("RMSprop", dict(momentum=NAN), ValueError, "momentum must be", ValueError),
    ("RMSprop", dict(centered=1), TypeError, "centered must be a bool", None),
    ("Adagrad", dict(lr_decay=-1), ValueError, "lr_decay must be a non-negative", ValueError),
    ("Adagrad", dict(initial_accumulator_value=NAN), ValueError,
     "initial_accumulator_value must be", ValueError),
    ("Adagrad", dict(eps="x"), TypeError, "eps must be", TypeError),
    ("Adadelta", dict(rho=1.5), ValueError, r"Invalid rho value: 1.5 \(rho must be a float in \[0, 1\]\)",
     ValueError),
    ("Adadelta", dict(rho="x"), TypeError, "rho must be", TypeError),
]
ACCEPTED = [("SGD", dict(lr=1)), ("SGD", dict(lr=np.float32(0.1), momentum=2.0)),
            ("Adam", dict(betas=[0.9, 0.99], eps=0)), ("Adam", dict(amsgrad=np.True_)),
            ("RMSprop", dict(alpha=1.0)), ("Adadelta", dict(rho=1.0))]


def parameter():
    return [mg.nn.Parameter(mg.zeros(2))]


@pytest.mark.parametrize("name, options, error, message, torch_error", OPTIMIZER_CASES)
def test_bad_optimizer_options_raise_with_what_was_expected(name, options, error, message,
                                                            torch_error):
    with pytest.raises(error, match=message):
        getattr(optim, name)(parameter(), **options)
    optimizer = getattr(optim, name)(parameter(), lr=0.1)
    before = dict(optimizer.param_groups[0])
    with pytest.raises(error, match=message):  # add_param_group checks the same way
        optimizer.add_param_group({"params": parameter(), **options})
    assert optimizer.param_groups == [before]


@pytest.mark.torch
@pytest.mark.parametrize("name, options, error, message, torch_error", OPTIMIZER_CASES)
def test_pytorch_column_of_the_table(name, options, error, message, torch_error):
    """What PyTorch does with the same call; where it raises TypeError or ValueError, minigrad
    raises the same type."""
    torch = pytest.importorskip("torch")
    params = [torch.nn.Parameter(torch.zeros(2))]
    if torch_error is None:
        getattr(torch.optim, name)(params, **options)
    else:
        with pytest.raises(torch_error):
            getattr(torch.optim, name)(params, **options)
        assert torch_error not in (TypeError, ValueError) or torch_error is error


@pytest.mark.parametrize("name, options", ACCEPTED)
def test_good_options_of_any_numeric_type_are_accepted(name, options):
    getattr(optim, name)(parameter(), **options)


SCHEDULER_CASES = [  # (scheduler, keywords, our exception, message regex, PyTorch's)
    ("StepLR", dict(step_size=0), ValueError,
     r"Invalid step_size value: 0 \(step_size must be an int >= 1\)", None),
    ("StepLR", dict(step_size=2.5), ValueError,
     r"Invalid step_size value: 2.5 \(step_size must be an int >= 1\)$", None),
    ("StepLR", dict(step_size="2"), TypeError, r"step_size must be an int >= 1, got '2' \(str\)",
     None),
    ("StepLR", dict(step_size=2, gamma="x"), TypeError, "gamma must be a non-negative float",
     None),
    ("StepLR", dict(step_size=2, gamma=NAN), ValueError, "gamma must be", None),
    ("StepLR", dict(step_size=2, last_epoch="x"), TypeError, "last_epoch must be an int", KeyError),
    ("MultiStepLR", dict(milestones=3), TypeError, "milestones must be a list of ints", TypeError),
    ("MultiStepLR", dict(milestones=[3, "a"]), TypeError, "each milestone must be an int", None),
    ("ExponentialLR", dict(gamma=-1), ValueError, "gamma must be a non-negative float", None),
    ("CosineAnnealingLR", dict(T_max=0), ValueError, "T_max must be an int >= 1", None),
    ("CosineAnnealingLR", dict(T_max=5, eta_min="x"), TypeError, "eta_min must be", None),
    ("LinearLR", dict(start_factor=0), ValueError, r"start_factor must be a float in \(0, 1\]",
     ValueError),
    ("LinearLR", dict(start_factor=NAN), ValueError, "start_factor must be", None),
    ("LinearLR", dict(start_factor="x"), TypeError, "start_factor must be", TypeError),
    ("LinearLR", dict(total_iters=0), ValueError, "total_iters must be an int >= 1", None),
    ("LambdaLR", dict(lr_lambda=3), TypeError, "lr_lambda must be a function", TypeError),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=0), ValueError,
     "step_size_up must be a positive float", ZeroDivisionError),
    ("CyclicLR", dict(base_lr="x", max_lr=0.1), TypeError, "base_lr must be", TypeError),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, mode="foo"), ValueError, "mode is invalid",
     ValueError),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, scale_mode="foo", scale_fn=lambda x: 1.0),
     ValueError, "scale_mode must be one of", None),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=0), ValueError, "total_steps must be an int >= 1",
     ValueError),
    ("OneCycleLR", dict(max_lr=0.1, total_steps="10"), TypeError, "total_steps must be an int",
     TypeError),
    ("OneCycleLR", dict(max_lr=0.1, epochs=2, steps_per_epoch=2.5), ValueError,
     "steps_per_epoch must be an int", ValueError),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=NAN), ValueError,
     r"pct_start must be a float in \[0, 1\]", None),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, div_factor=0), ValueError,
     "div_factor must be a positive float", ZeroDivisionError),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, anneal_strategy="x"), ValueError,
     "anneal_strategy must be one of", ValueError),
    ("ReduceLROnPlateau", dict(factor=1.5), ValueError, r"factor must be a float in \[0, 1\)",
     ValueError),
    ("ReduceLROnPlateau", dict(factor="x"), TypeError, "factor must be", TypeError),
    ("ReduceLROnPlateau", dict(patience=-1), ValueError, "patience must be an int >= 0", None),
    ("ReduceLROnPlateau", dict(mode="x"), ValueError, "mode must be one of", ValueError),
    ("ReduceLROnPlateau", dict(min_lr="x"), TypeError, "min_lr must be", None),
]


def sgd(lib):
    return lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("name, options, error, message, torch_error", SCHEDULER_CASES)
def test_bad_scheduler_options_raise_with_what_was_expected(name, options, error, message,
                                                            torch_error):
    optimizer = sgd(mg)
    before = [dict(g) for g in optimizer.param_groups]
    with pytest.raises(error, match=message):
        getattr(optim.lr_scheduler, name)(optimizer, **options)
    assert optimizer.param_groups == before  # checked before the groups are touched


@pytest.mark.torch
@pytest.mark.parametrize("name, options, error, message, torch_error", SCHEDULER_CASES)
def test_pytorch_column_of_the_scheduler_table(name, options, error, message, torch_error):
    torch = pytest.importorskip("torch")
    scheduler = getattr(torch.optim.lr_scheduler, name)
    if torch_error is None:
        scheduler(sgd(torch), **options)
    else:
        with pytest.raises(torch_error):
            scheduler(sgd(torch), **options)
        assert torch_error not in (TypeError, ValueError) or torch_error is error


@pytest.mark.parametrize("make", [lambda o: optim.lr_scheduler.CyclicLR(o, 0.01, 0.1),
                                  lambda o: optim.lr_scheduler.OneCycleLR(o, 0.1, 10)])
def test_cycling_momentum_of_an_optimizer_without_one_changes_nothing(make):
    optimizer = optim.Adagrad(parameter(), lr=0.5)
    before = [dict(g) for g in optimizer.param_groups]
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        make(optimizer)
    assert optimizer.param_groups == before


@pytest.mark.parametrize("make, error, message", [
    (lambda p: optim.SGD(p[0], lr=0.1), TypeError, "iterable of Tensors or dicts, but got a Tensor"),
    (lambda p: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda p: optim.SGD([p[0], p[0]], lr=0.1), ValueError, "more than one parameter group"),
    (lambda p: optim.SGD([mg.ones(3)], lr=0.1), ValueError, "leaf Tensors that require grad"),
    (lambda p: optim.SGD(p, lr=0.1).add_param_group(p), TypeError,
     "param_group must be a dict, got list"),
    (lambda p: optim.SGD(p, lr=0.1).add_param_group({"lr": 0.1}), ValueError,
     r"must have the key 'params', got keys \['lr'\]"),
    (lambda p: optim.GradientNoise(optim.SGD(p, lr=0.1), eta=NAN), ValueError,
     "Invalid eta value: nan"),
    (lambda p: optim.GradientNoise(p), TypeError, "GradientNoise wraps an Optimizer, got list"),
])
def test_bad_parameters_and_groups_raise(make, error, message):
    with pytest.raises(error, match=message):
        make(parameter())
