"""Optimizers (minigrad.optim, csrc/optim.pyx) against PyTorch's trajectories and their twins."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels
import minigrad.nn as nn
from minigrad import optim
from minigrad._reference import optim as twin

compiled = pytest.importorskip(kernels.compiled_module_name("optim"),
                              reason="compiled kernels are not built")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, betas=(0.8, 0.99), eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1, alpha=0.9)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in CASES]


def parameters(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(mg.tensor(rng.standard_normal(s).astype(dtype))) for s in
            [(5, 4), (5,), (3, 2, 2)]]


def train(optimizer, params, steps, seed=1, skip=None):
    """steps of loss = sum(p * g_t) with fresh random g_t; parameter `skip` gets no gradient."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        optimizer.zero_grad()
        for i, p in enumerate(params):
            g = rng.standard_normal(p.shape).astype(p.dtype)
            if i != skip:
                (p * mg.tensor(g)).sum().backward()
        optimizer.step()


@pytest.mark.parametrize("dtype, tolerance", [(np.float32, 2e-6), (np.float64, 1e-12)])
@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_trajectories_match_pytorch(backend, name, options, dtype, tolerance):
    torch = pytest.importorskip("torch")
    ours = parameters(dtype)
    theirs = [torch.nn.Parameter(torch.tensor(p.data.numpy().copy())) for p in ours]
    ours_optimizer = getattr(optim, name)(ours, **options)
    theirs_optimizer = getattr(torch.optim, name)(theirs, **options)
    rng = np.random.default_rng(1)
    for step in range(20):
        ours_optimizer.zero_grad()
        theirs_optimizer.zero_grad()
        for p, q in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(dtype)
            (p * mg.tensor(g)).sum().backward()
            (q * torch.from_numpy(g)).sum().backward()
        ours_optimizer.step()
        theirs_optimizer.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_compiled_and_twin_take_the_same_steps(name, options, dtype):
    runs = []
    for backend in ("compiled", "numpy"):
        mg.set_backend(backend)
        params = parameters(dtype)
        train(getattr(optim, name)(params, **options), params, 5)
        runs.append([p.data.numpy().copy() for p in params])
    mg.set_backend("compiled")
    for a, e in zip(*runs):
        np.testing.assert_array_equal(a, e)


def test_twin_kernels_match_on_large_threaded_arrays(rng):
    n = 300_001
    p0, g = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    results = []
    for module in (compiled, twin):
        p, m, v, vmax = p0.copy(), np.zeros(n, np.float32), np.zeros(n, np.float32), \
            np.zeros(n, np.float32)
        module.adam_step(p, g, m, v, vmax, 1, 1e-3, 0.9, 0.999, 1e-8, 0.01, True, False, True,
                         num_threads=2)
        results.append((p, m, v, vmax))
    for a, e in zip(*results):
        np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_state_dict_round_trip_resumes_bit_for_bit(name, options):
    straight = parameters()
    train(getattr(optim, name)(straight, **options), straight, 6)
    resumed = parameters()
    first = getattr(optim, name)(resumed, **options)
    train(first, resumed, 3)
    saved = first.state_dict()
    second = getattr(optim, name)(resumed, **options)
    second.load_state_dict(saved)
    rng = np.random.default_rng(1)  # replay the straight run's gradients of steps 4 to 6
    grads = [[rng.standard_normal(p.shape).astype(p.dtype) for p in resumed] for _ in range(6)]
    for step_grads in grads[3:]:
        second.zero_grad()
        for p, g in zip(resumed, step_grads):
            (p * mg.tensor(g)).sum().backward()
        second.step()
    for a, e in zip(resumed, straight):
        np.testing.assert_array_equal(a.data, e.data)


def test_state_dict_has_pytorchs_layout():
    params = parameters()
    optimizer = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}])
    train(optimizer, params, 2)
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2]]
    assert state["param_groups"][1]["lr"] == 0.5
    assert set(state["state"]) == {0, 1, 2}
    assert state["state"][2]["step"] == 2 and state["state"][2]["exp_avg"].shape == (3, 2, 2)


def test_parameters_share_one_arena_and_gradients_land_in_it():
    params = parameters()
    optimizer = optim.SGD(params, lr=0.1)
    arena = optimizer._arenas[0][0]
    assert all(np.shares_memory(p.data, arena.values) for p in params)
    (params[0] * 2.0).sum().backward()
    assert np.shares_memory(params[0].grad.data, arena.grad)
    np.testing.assert_array_equal(params[0].grad.data, 2.0)
    optimizer.zero_grad()
    assert params[0].grad is None and not arena.grad.any()
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(params[1].grad.data, 0.0)


def test_set_grad_buffer_is_where_backward_writes_a_leafs_first_gradient():
    leaf = mg.tensor(np.ones(3, np.float32), requires_grad=True)
    assert leaf._grad_buffer is None  # every tensor starts without one
    buffer = np.full(3, np.nan, np.float32)
    mg.autograd.set_grad_buffer(leaf, buffer)
    (leaf * 3.0).sum().backward()
    assert leaf.grad._array is buffer
    (leaf * 2.0).sum().backward()  # later gradients are added in place
    np.testing.assert_array_equal(buffer, 5.0)
    mg.autograd.set_grad_buffer(leaf, None)
    leaf.grad = None
    leaf.sum().backward()
    assert not np.shares_memory(leaf.grad._array, buffer)


@pytest.mark.parametrize("leaf, view, error, message", [
    ("op output", np.zeros(3, np.float32), TypeError, "takes a leaf tensor, got a tensor made"),
    ("array", np.zeros(3, np.float32), TypeError, "takes a leaf tensor, got ndarray"),
    ("leaf", [0.0, 0.0, 0.0], TypeError, "must be a numpy.ndarray or None, got list"),
    ("leaf", np.zeros(4, np.float32), ValueError, r"leaf's shape \(3,\) and dtype float32, got"),
    ("leaf", np.zeros(3, np.float64), ValueError, "and dtype float32, got .* float64")])
def test_set_grad_buffer_rejects_what_backward_cannot_write_into(leaf, view, error, message):
    x = mg.tensor(np.ones(3, np.float32), requires_grad=True)
    target = {"leaf": x, "op output": x * 2.0, "array": np.ones(3, np.float32)}[leaf]
    with pytest.raises(error, match=message):
        mg.autograd.set_grad_buffer(target, view)
    assert x._grad_buffer is None


@pytest.mark.parametrize("name, options", [("SGD", dict(lr=0.1, momentum=0.9)),
                                           ("Adam", dict(lr=0.01))])
def test_plain_leaf_tensors_are_optimized_like_pytorchs(name, options):
    """Textbook gradient descent: the leaves are mg.randn(..., requires_grad=True), not
    nn.Parameter; their gradients land in the arena too, and the steps are PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w0, b0 = (rng.standard_normal(s).astype(np.float32) for s in [(8, 3), (3,), (1,)])
    ours = [mg.tensor(w0, requires_grad=True), mg.tensor(b0, requires_grad=True)]
    theirs = [torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)]
    ours_optimizer = getattr(optim, name)(ours, **options)
    theirs_optimizer = getattr(torch.optim, name)(theirs, **options)
    for _ in range(5):
        for (w, b), opt, lib in ((ours, ours_optimizer, mg), (theirs, theirs_optimizer, torch)):
            opt.zero_grad()
            ((lib.tensor(x) @ w + b) ** 2).mean().backward()
            opt.step()
    assert np.shares_memory(ours[0].grad.data, ours_optimizer._arenas[0][0].grad)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1.3e-6, atol=1e-6)


def test_parameters_without_gradients_are_skipped_with_their_state():
    params = parameters()
    frozen = params[1].data.numpy().copy()
    optimizer = optim.Adam(params, lr=0.1)
    train(optimizer, params, 3, skip=1)
    np.testing.assert_array_equal(params[1].data, frozen)
    assert params[1] not in optimizer.state or not optimizer.state[params[1]]
    assert optimizer.state[params[2]]["step"] == 3


def test_mixed_dtypes_and_groups_added_later(backend):
    torch = pytest.importorskip("torch")
    ours = parameters(np.float32)[:2] + parameters(np.float64, seed=3)[:1]
    theirs = [torch.nn.Parameter(torch.tensor(p.data.numpy().copy())) for p in ours]
    ours_optimizer = optim.SGD(ours[:2], lr=0.1, momentum=0.9)
    theirs_optimizer = torch.optim.SGD(theirs[:2], lr=0.1, momentum=0.9)
    ours_optimizer.add_param_group({"params": ours[2:], "lr": 0.01})
    theirs_optimizer.add_param_group({"params": theirs[2:], "lr": 0.01})
    assert len(ours_optimizer._arenas[0]) == 1 and ours[2].dtype == np.float64
    rng = np.random.default_rng(5)
    for _ in range(4):
        for p, q in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(p.dtype)
            p.grad, q.grad = mg.tensor(g), torch.from_numpy(g.copy())
        ours_optimizer.step()
        theirs_optimizer.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_replaced_data_and_gradients_are_picked_up():
    params = parameters()
    optimizer = optim.SGD(params, lr=1.0)
    params[0].data = mg.ones(5, 4)
    params[0].grad = mg.full((5, 4), 0.5)
    optimizer.step()
    np.testing.assert_array_equal(params[0].data, 0.5)
    assert np.shares_memory(params[0].data, optimizer._arenas[0][0].values)


def test_closure_is_evaluated_with_gradients():
    params = parameters()
    optimizer = optim.SGD(params, lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = sum((p * p).sum() for p in params)
        loss.backward()
        return loss

    with mg.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() > 0 and params[0].grad is not None


def test_gradient_noise_is_seeded_and_follows_its_variance_schedule():
    def noisy_grads(seed, steps=3):
        p = nn.Parameter(mg.zeros(20_000))
        wrapped = optim.GradientNoise(optim.SGD([p], lr=0.0), eta=0.5, gamma=0.55, seed=seed)
        grads = []
        for _ in range(steps):
            p.grad = mg.zeros(20_000)
            wrapped.step()
            grads.append(p.grad.data.numpy().copy())
        return wrapped, grads

    wrapped, first = noisy_grads(7)
    _, again = noisy_grads(7)
    _, other = noisy_grads(8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    for t, g in enumerate(first):  # lr 0: the gradients are pure noise of variance sigma_t^2
        expected = 0.5 / (1 + t) ** 0.55
        assert wrapped.variance(t) == pytest.approx(expected)
        assert g.var() == pytest.approx(expected, rel=0.05) and abs(g.mean()) < 0.02
    with pytest.raises(ValueError, match=r"Invalid eta value: -1 \(eta must be a non-negative float\)"):
        optim.GradientNoise(wrapped.optimizer, eta=-1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_fill_clears_to_positive_zero_on_both_backends(dtype):
    for module in (compiled, twin):
        array = np.array([1.5, -0.0, np.nan, -np.inf, 3e-45, 7.0], dtype)
        module.zero_fill(array)
        assert array.dtype == dtype
        np.testing.assert_array_equal(array, 0)
        assert not np.signbit(array).any()  # +0.0 everywhere, as fill(0) gives
        module.zero_fill(np.zeros(0, dtype))  # empty: nothing to do


@pytest.mark.parametrize("array, error", [
    (np.ones(6, np.float32)[::2], ValueError),              # a strided view: not written in place
    (np.ones((2, 3), np.float32), ValueError),              # not 1-D
    (np.ones(3, np.int32), TypeError),                      # not a float array
    ([1.0, 2.0], TypeError),                                # not an ndarray
    (None, TypeError),                                      # nothing
])
def test_zero_fill_rejects_what_it_cannot_clear_in_place(array, error):
    for module in (compiled, twin):
        with pytest.raises(error):
            module.zero_fill(array)
    readonly = np.ones(4)
    readonly.flags.writeable = False
    for module in (compiled, twin):
        with pytest.raises(ValueError, match="writeable contiguous"):
            module.zero_fill(readonly)
    assert (readonly == 1).all()
