"""Optimizer.load_state_dict: all or nothing, PyTorch's semantics (the groups take the saved
options, the state becomes the saved one), and PyTorch's state dicts load."""
import copy

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim
from test_optim_state import paired_parameters, step_both


def trained_adam():
    rng = np.random.default_rng(0)
    params = [nn.Parameter(mg.tensor(rng.standard_normal(s).astype(np.float32)))
              for s in [(5, 4), (5,), (3, 2, 2)]]
    optimizer = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}])
    for _ in range(2):
        for p in params:
            p.grad = mg.tensor(rng.standard_normal(p.shape).astype(np.float32))
        optimizer.step()
    return optimizer


def snapshot(optimizer):
    """Deep copies of param_groups (options and parameter identities) and of the state."""
    groups = [({k: copy.deepcopy(v) for k, v in g.items() if k != "params"},
               [id(p) for p in g["params"]]) for g in optimizer.param_groups]
    state = {id(p): {k: (v.data.numpy().copy() if isinstance(v, mg.Tensor) else v) for k, v in s.items()}
             for p, s in optimizer.state.items()}
    return groups, state


def assert_same(before, after):
    assert before[0] == after[0]
    assert before[1].keys() == after[1].keys()
    for key, entry in before[1].items():
        assert entry.keys() == after[1][key].keys()
        for name, value in entry.items():
            np.testing.assert_array_equal(value, after[1][key][name])


def edit(path, value):
    """A change of the state dict at path (keys, last one set to value; None deletes it)."""
    def apply(state_dict):
        node = state_dict
        for key in path[:-1]:
            node = node[key]
        if value is None:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return state_dict
    return apply


BAD_STATE_DICTS = [  # (change, exception, message regex)
    (lambda sd: [sd], TypeError, r"expected a dict with keys \('state', 'param_groups'\), got list"),
    (lambda sd: list(sd.items()), TypeError, "expected a dict .* got list"),
    (edit(["state"], None), ValueError, "exactly the keys"),
    (edit(["extra"], 1), ValueError, "exactly the keys"),
    (edit(["param_groups"], {}), TypeError, r"'param_groups'\] must be a list of dicts"),
    (lambda sd: {**sd, "param_groups": sd["param_groups"][:1]}, ValueError,
     "different number of parameter groups \\(1; this optimizer has 2\\)"),
    (edit(["param_groups", 0, "params"], [0]), ValueError, "has 1 parameters, this optimizer's has 2"),
    (edit(["param_groups", 0, "params"], ["a", "b"]), TypeError, "integer ids"),
    (edit(["param_groups", 1, "params"], [0]), ValueError, "more than one place"),
    (edit(["param_groups", 1, "lr"], "0.1"), TypeError,
     r"param group 1 of the loaded state dict: lr must be a non-negative float, got '0.1' \(str\)"),
    (edit(["param_groups", 1, "lr"], float("nan")), ValueError, "lr must be a non-negative float"),
    (edit(["param_groups", 1, "betas"], 0.9), TypeError, "betas must be a pair of floats"),
    (edit(["param_groups", 1, "betas"], (0.9, 1.0)), ValueError,
     "Invalid beta parameter at index 1: 1.0"),
    (edit(["param_groups", 1, "amsgrad"], "yes"), TypeError, "amsgrad must be a bool"),
    (edit(["state"], []), TypeError, r"'state'\] must be a dict"),
    (edit(["state", 7], {"step": 1.0}), ValueError, "parameter 7, which is in none"),
    (edit(["state", 2], [1]), TypeError, "state of parameter 2 must be a dict"),
    (edit(["state", 2, "momentum_buffer"], np.zeros((3, 2, 2))), ValueError,
     r"unexpected entries \['momentum_buffer'\]"),
    (edit(["state", 2, "step"], None), ValueError, "state of parameter 2 has no 'step'"),
    (edit(["state", 2, "step"], "3"), TypeError, "'step' must be a number, got '3'"),
    (edit(["state", 2, "step"], -1.0), ValueError, "'step' must be a non-negative finite"),
    (edit(["state", 2, "step"], float("inf")), ValueError, "'step' must be a non-negative finite"),
    (edit(["state", 2, "exp_avg"], np.zeros((4, 4))), ValueError,
     r"'exp_avg' has shape \(4, 4\), expected \(3, 2, 2\)"),
    (edit(["state", 2, "exp_avg"], np.zeros((3, 2, 2), np.int64)), TypeError,
     "'exp_avg' must be a floating-point array, got dtype int64"),
    (edit(["state", 2, "exp_avg_sq"], [[0.0]]), TypeError, "'exp_avg_sq' must be an array, got list"),
]


@pytest.mark.parametrize("change, error, message", BAD_STATE_DICTS)
def test_a_failing_load_changes_nothing(change, error, message):
    optimizer = trained_adam()
    saved = optimizer.state_dict()
    # valid changes before the bad one: if anything were applied early, it would show
    saved["param_groups"][0]["lr"] = 0.25
    saved["state"][0]["step"] = 99.0
    saved["state"][1]["exp_avg"] = mg.full((5,), 7.0)
    before = snapshot(optimizer)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(change(saved))
    assert_same(before, snapshot(optimizer))
    optimizer.step()  # and it still works


@pytest.mark.torch
@pytest.mark.parametrize("saved_momentum, loading_momentum", [(0.9, 0.0), (0.0, 0.9)])
def test_sgd_momentum_state_loads_either_way_as_in_pytorch(backend, saved_momentum,
                                                           loading_momentum):
    """With momentum saved, the group takes it and the buffer is loaded; without, the group's
    momentum becomes 0 and a buffer made later starts from the gradient."""
    torch = pytest.importorskip("torch")
    pair = paired_parameters(torch, np.float64)
    libraries = (optim, torch.optim)
    first = [lib.SGD(ps, lr=0.1, momentum=saved_momentum) for lib, ps in zip(libraries, pair)]
    rng = np.random.default_rng(4)
    for _ in range(3):
        step_both(pair, first, rng)
    second = [lib.SGD(ps, lr=0.1, momentum=loading_momentum) for lib, ps in zip(libraries, pair)]
    for optimizer, old in zip(second, first):
        optimizer.load_state_dict(old.state_dict())
    assert second[0].param_groups[0]["momentum"] == saved_momentum
    for step in range(4):
        if step == 2:
            for optimizer in second:
                optimizer.param_groups[0]["momentum"] = 0.5
        step_both(pair, second, rng)


@pytest.mark.torch
def test_saved_momentum_without_buffers_starts_them_from_the_gradient(backend):
    torch = pytest.importorskip("torch")
    pair = paired_parameters(torch, np.float64)
    first = [lib.SGD(ps, lr=0.1, momentum=0.9) for lib, ps in zip((optim, torch.optim), pair)]
    rng = np.random.default_rng(5)
    step_both(pair, first, rng)
    for optimizer in first:
        saved = optimizer.state_dict()
        for entry in saved["state"].values():
            del entry["momentum_buffer"]
        optimizer.load_state_dict(saved)
    assert "momentum_buffer" not in first[0].state[pair[0][0]]
    for _ in range(3):
        step_both(pair, first, rng)


@pytest.mark.torch
@pytest.mark.parametrize("name, options", [("Adam", dict(lr=0.01, amsgrad=True)),
                                           ("RMSprop", dict(lr=0.01, momentum=0.5)),
                                           ("Adagrad", dict(lr=0.1))])
def test_a_pytorch_state_dict_as_numpy_loads_and_trains_on(backend, name, options):
    torch = pytest.importorskip("torch")
    pair = paired_parameters(torch, np.float32)
    theirs = getattr(torch.optim, name)(pair[1], **options)
    ours = getattr(optim, name)(pair[0], lr=0.5)
    rng = np.random.default_rng(6)
    for _ in range(3):
        for q in pair[1]:
            q.grad = torch.from_numpy(rng.standard_normal(q.shape).astype(np.float32))
        theirs.step()
    for p, q in zip(*pair):
        p.data[...] = q.detach().numpy()
    saved = theirs.state_dict()
    ours.load_state_dict({"state": {i: {k: v.numpy() for k, v in entry.items()}
                                    for i, entry in saved["state"].items()},
                          "param_groups": saved["param_groups"]})
    assert ours.param_groups[0]["lr"] == options["lr"]
    for _ in range(3):
        step_both(pair, [ours, theirs], rng)
