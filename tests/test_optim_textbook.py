"""minigrad.optim.textbook: each text's formula against an independent NumPy loop, against the
PyTorch optimizer it maps to where there is an exact mapping, and PyTorch's argument checks."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import textbook

STEPS = 6


def gradients(seed=0, steps=STEPS, shape=(3, 2)):
    """A seeded sequence of gradients, nonzero (eps = 0 runs divide by them)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape) for _ in range(steps)]


def start(seed=1, shape=(3, 2)):
    return np.random.default_rng(seed).standard_normal(shape)


def run_ours(make, grads, p0):
    p = mg.nn.Parameter(mg.tensor(p0.copy()))
    optimizer = make([p])
    path = []
    for g in grads:
        p.grad = mg.tensor(g)
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def run_torch(torch, name, options, grads, p0):
    p = torch.nn.Parameter(torch.tensor(p0.copy()))
    optimizer = getattr(torch.optim, name)([p], **options)
    path = []
    for g in grads:
        p.grad = torch.tensor(g)
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


# ---------------------------------------------------------------- the formulas as NumPy loops
def momentum_loop(grads, p, lr, momentum):
    v, path = np.zeros_like(p), []
    for g in grads:
        v = momentum * v - lr * g
        p = p + v
        path.append(p)
    return path


def nesterov_loop(grads, p, lr, momentum):
    v, path = np.zeros_like(p), []
    for g in grads:
        v = momentum * v - lr * g
        p = p + momentum ** 2 * v - (1 + momentum) * lr * g
        path.append(p)
    return path


def adagrad_loop(grads, p, lr, eps, inside):
    h, path = np.zeros_like(p), []
    for g in grads:
        h = h + g ** 2
        p = p - lr * g / (np.sqrt(h + eps) if inside else np.sqrt(h) + eps)
        path.append(p)
    return path


def rmsprop_loop(grads, p, lr, decay_rate, eps, inside):
    h, path = np.zeros_like(p), []
    for g in grads:
        h = decay_rate * h + (1 - decay_rate) * g ** 2
        p = p - lr * g / (np.sqrt(h + eps) if inside else np.sqrt(h) + eps)
        path.append(p)
    return path


def dlfs_adam_loop(grads, p, lr, beta1, beta2, eps):
    m, v, path = np.zeros_like(p), np.zeros_like(p), []
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        lr_t = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        p = p - lr_t * m / (np.sqrt(v) + eps)
        path.append(p)
    return path


def inside_adam_loop(grads, p, lr, beta1, beta2, eps):
    m, v, path = np.zeros_like(p), np.zeros_like(p), []
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        p = p - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps)
        path.append(p)
    return path


FORMULAS = [
    (lambda ps: textbook.Momentum(ps, lr=0.1, momentum=0.8),
     lambda gs, p: momentum_loop(gs, p, 0.1, 0.8)),
    (lambda ps: textbook.Nesterov(ps, lr=0.1, momentum=0.9),
     lambda gs, p: nesterov_loop(gs, p, 0.1, 0.9)),
    (lambda ps: textbook.AdaGrad(ps, lr=1.5),
     lambda gs, p: adagrad_loop(gs, p, 1.5, 1e-7, inside=False)),
    (lambda ps: textbook.AdaGradEpsInside(ps, lr=0.5, eps=1e-2),
     lambda gs, p: adagrad_loop(gs, p, 0.5, 1e-2, inside=True)),
    (lambda ps: textbook.RMSprop(ps, lr=0.1),
     lambda gs, p: rmsprop_loop(gs, p, 0.1, 0.99, 1e-7, inside=False)),
    (lambda ps: textbook.RMSpropEpsInside(ps, lr=0.1, eps=1e-2),
     lambda gs, p: rmsprop_loop(gs, p, 0.1, 0.9, 1e-2, inside=True)),
    (lambda ps: textbook.Adam(ps, lr=0.3),
     lambda gs, p: dlfs_adam_loop(gs, p, 0.3, 0.9, 0.999, 1e-7)),
    (lambda ps: textbook.AdamEpsInside(ps, lr=0.2, eps=1e-2),
     lambda gs, p: inside_adam_loop(gs, p, 0.2, 0.9, 0.99, 1e-2)),
]


@pytest.mark.parametrize("make, formula", FORMULAS,
                         ids=["Momentum", "Nesterov", "AdaGrad", "AdaGradEpsInside", "RMSprop",
                              "RMSpropEpsInside", "Adam", "AdamEpsInside"])
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_each_variant_follows_its_formula(make, formula, dtype, tolerance):
    grads, p0 = gradients(), start()
    ours = run_ours(make, [g.astype(dtype) for g in grads], p0.astype(dtype))
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, np.array(formula(grads, p0)), rtol=tolerance,
                               atol=tolerance)


# ------------------------------------------------ exact mappings to PyTorch (docs/optimizers.md)
MAPPINGS = [
    (lambda ps: textbook.Momentum(ps, lr=0.1, momentum=0.9), "SGD", dict(lr=0.1, momentum=0.9)),
    (lambda ps: textbook.AdaGrad(ps, lr=1.5), "Adagrad", dict(lr=1.5, eps=1e-7)),
    (lambda ps: textbook.RMSprop(ps, lr=0.1), "RMSprop", dict(lr=0.1, alpha=0.99, eps=1e-7)),
    # eps = 0: the only setting where DLFS's folded learning rate and the eps-inside forms map
    (lambda ps: textbook.Adam(ps, lr=0.3, eps=0.0), "Adam", dict(lr=0.3, eps=0.0)),
    (lambda ps: textbook.AdaGradEpsInside(ps, lr=0.5, eps=0.0), "Adagrad", dict(lr=0.5, eps=0.0)),
    (lambda ps: textbook.RMSpropEpsInside(ps, lr=0.1, eps=0.0), "RMSprop",
     dict(lr=0.1, alpha=0.9, eps=0.0)),
    (lambda ps: textbook.AdamEpsInside(ps, lr=0.2, eps=0.0), "Adam",
     dict(lr=0.2, betas=(0.9, 0.99), eps=0.0)),
]


@pytest.mark.parametrize("make, name, options", MAPPINGS,
                         ids=["Momentum=SGD", "AdaGrad=Adagrad", "RMSprop=RMSprop",
                              "Adam(eps=0)", "AdaGradEpsInside(eps=0)",
                              "RMSpropEpsInside(eps=0)", "AdamEpsInside(eps=0)"])
def test_variants_with_an_exact_mapping_run_pytorchs_path(make, name, options):
    torch = pytest.importorskip("torch")
    grads, p0 = gradients(seed=3, steps=20), start(seed=4)
    np.testing.assert_allclose(run_ours(make, grads, p0), run_torch(torch, name, options,
                                                                    grads, p0),
                               rtol=1e-6, atol=1e-6)


def test_momentum_parts_from_pytorchs_sgd_when_the_learning_rate_changes():
    """v = rho v - lr g keeps the old lr inside v; PyTorch's buffer is scaled by the new lr."""
    torch = pytest.importorskip("torch")
    grads, p0 = gradients(seed=5), start(seed=6)
    ours_p = mg.nn.Parameter(mg.tensor(p0.copy()))
    theirs_p = torch.nn.Parameter(torch.tensor(p0.copy()))
    ours = textbook.Momentum([ours_p], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([theirs_p], lr=0.1, momentum=0.9)
    for step, g in enumerate(grads):
        if step == 3:
            ours.param_groups[0]["lr"] = theirs.param_groups[0]["lr"] = 0.01
        ours_p.grad, theirs_p.grad = mg.tensor(g), torch.tensor(g)
        ours.step()
        theirs.step()
    assert not np.allclose(ours_p.detach().numpy(), theirs_p.detach().numpy(), atol=1e-3)


def test_dlfs_nesterov_is_not_pytorchs_nesterov():
    torch = pytest.importorskip("torch")
    grads, p0 = gradients(seed=7), start(seed=8)
    ours = run_ours(lambda ps: textbook.Nesterov(ps, lr=0.1, momentum=0.9), grads, p0)
    theirs = run_torch(torch, "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), grads, p0)
    # the first step already differs: DLFS moves by -(1 + rho + rho^2) lr g, PyTorch -(1 + rho) lr g
    np.testing.assert_allclose(ours[0] - p0, -(1 + 0.9 + 0.81) * 0.1 * grads[0], rtol=1e-12)
    np.testing.assert_allclose(theirs[0] - p0, -(1 + 0.9) * 0.1 * grads[0], rtol=1e-12)
    assert not np.allclose(ours[-1], theirs[-1], atol=1e-3)


# ----------------------------------------------------------------------- arguments and state
BAD = [
    (textbook.Momentum, dict(lr=-0.1), "Invalid learning rate"),
    (textbook.Momentum, dict(lr=float("nan")), "Invalid learning rate"),
    (textbook.Nesterov, dict(momentum=-0.5), "Invalid momentum value"),
    (textbook.AdaGrad, dict(eps=-1e-7), "Invalid epsilon value"),
    (textbook.AdaGradEpsInside, dict(lr=-1.0), "Invalid learning rate"),
    (textbook.RMSprop, dict(decay_rate=1.5), "Invalid decay_rate value"),
    (textbook.RMSpropEpsInside, dict(eps=-1.0), "Invalid epsilon value"),
    (textbook.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
    (textbook.AdamEpsInside, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
]


@pytest.mark.parametrize("cls, options, message", BAD)
def test_bad_hyperparameters_raise_pytorchs_value_error(cls, options, message):
    p = mg.nn.Parameter(mg.tensor(start()))
    with pytest.raises(ValueError, match=message):
        cls([p], **options)


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError):
        textbook.Adam([mg.nn.Parameter(mg.tensor(start()))], momentum=0.9)


@pytest.mark.parametrize("cls", [textbook.Nesterov, textbook.RMSpropEpsInside, textbook.Adam])
def test_state_dict_round_trip_resumes_the_same_path(cls):
    grads, p0 = gradients(seed=9), start(seed=10)
    straight = run_ours(lambda ps: cls(ps, lr=0.05), grads, p0)
    p = mg.nn.Parameter(mg.tensor(p0.copy()))
    first = cls([p], lr=0.05)
    for g in grads[:3]:
        p.grad = mg.tensor(g)
        first.step()
    resumed_p = mg.nn.Parameter(mg.tensor(p.detach().numpy().copy()))
    resumed = cls([resumed_p], lr=0.05)
    resumed.load_state_dict(first.state_dict())
    for g in grads[3:]:
        resumed_p.grad = mg.tensor(g)
        resumed.step()
    np.testing.assert_array_equal(resumed_p.detach().numpy(), straight[-1])
