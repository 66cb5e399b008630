"""In-place changes and the version counter: backward refuses arrays changed after they were saved.

Each program below is written once against a library `lib` (minigrad, or torch when installed) and
either raises PyTorch's RuntimeError at backward or returns the gradients it computed. minigrad
must raise exactly where PyTorch does, and give PyTorch's gradients where it does not.
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

MESSAGE = "modified by an inplace operation"


def matmul_input_changed(lib):
    w = lib.ones(4, 3, requires_grad=True)
    x = lib.ones(5, 4)
    loss = (x @ w).sum()
    x += 1  # the value matmul saved for w's gradient
    loss.backward()
    return [w.grad]


def add_input_changed(lib):
    a, b = lib.ones(3, requires_grad=True), lib.ones(3)
    loss = (a + b).sum()
    b += 1  # add saves nothing: harmless
    loss.backward()
    return [a.grad]


def sigmoid_output_changed_under_no_grad(lib):
    x = lib.zeros(3, requires_grad=True)
    y = x.sigmoid()
    with lib.no_grad():
        y += 1
    y.sum().backward()
    return [x.grad]


def exp_output_changed_by_setitem(lib):
    x = lib.zeros(2, 3, requires_grad=True)
    y = x.exp()
    with lib.no_grad():
        y[0] = 5.0
    y.sum().backward()
    return [x.grad]


def view_of_the_saved_input_changed(lib):
    w = lib.ones(4, 3, requires_grad=True)
    x = lib.ones(5, 4)
    loss = (x @ w).sum()
    x.view(20)[3] = 7.0  # a view shares the memory and the version counter
    loss.backward()
    return [w.grad]


def detached_alias_changed(lib):
    w = lib.ones(4, requires_grad=True)
    x = lib.ones(4)
    loss = (x * w).sum()
    x.detach().mul_(3)
    loss.backward()
    return [w.grad]


def unused_operand_changed(lib):
    w = lib.ones(4, requires_grad=True)
    x = lib.full((4,), 2.0)
    loss = (x * w).sum()
    with lib.no_grad():
        w.mul_(10)  # only x is needed (for w's gradient), so this is harmless
    loss.backward()
    return [w.grad]


def pow_base_changed(lib):
    x = lib.full((3,), 2.0, requires_grad=True)
    with lib.no_grad():
        base = x.clone()
    base.requires_grad_(True)
    loss = (base ** 2).sum()
    with lib.no_grad():
        base.fill_(5.0)
    loss.backward()
    return [base.grad]


def linear_input_changed(lib):
    x = lib.ones(2, 3)
    w = lib.ones(4, 3, requires_grad=True)
    loss = lib.nn.functional.linear(x, w).sum()
    x.zero_()
    loss.backward()
    return [w.grad]


def changed_before_forward_and_after_backward(lib):
    w = lib.ones(3, requires_grad=True)
    x = lib.ones(3)
    x.add_(1)  # before the op saw it
    loss = (x * w).sum()
    loss.backward()
    x.clamp_(0, 1)  # after backward: harmless too
    loss = (x * w).sum()
    loss.backward()
    return [w.grad]


def second_layer_weight_stepped_before_backward(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    model(lib.ones(5, 3)).sum().backward()
    loss = model(lib.ones(5, 3)).sum()
    optimizer.step()  # changes the weights the graph of `loss` saved
    loss.backward()
    return [p.grad for p in model.parameters()]


PROGRAMS = [matmul_input_changed, add_input_changed, sigmoid_output_changed_under_no_grad,
            exp_output_changed_by_setitem, view_of_the_saved_input_changed,
            detached_alias_changed, unused_operand_changed, pow_base_changed,
            linear_input_changed, changed_before_forward_and_after_backward,
            second_layer_weight_stepped_before_backward]
RAISES = {matmul_input_changed, sigmoid_output_changed_under_no_grad,
          exp_output_changed_by_setitem, view_of_the_saved_input_changed, detached_alias_changed,
          pow_base_changed, linear_input_changed, second_layer_weight_stepped_before_backward}


def outcome(program, lib):
    """'raises' or the gradients as NumPy arrays."""
    try:
        grads = program(lib)
    except RuntimeError as error:
        assert MESSAGE in str(error)
        return "raises"
    return [np.asarray(g.detach().numpy() if hasattr(g, "detach") else g) for g in grads]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_backward_refuses_exactly_the_changed_saved_arrays(program, backend):
    result = outcome(program, mg)
    if program in RAISES:
        assert result == "raises"
    else:
        assert result != "raises"


@pytest.mark.torch
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_minigrad_raises_where_pytorch_does_and_agrees_elsewhere(program):
    torch = pytest.importorskip("torch")
    ours, theirs = outcome(program, mg), outcome(program, torch)
    if theirs == "raises":
        assert ours == "raises"
    else:
        assert ours != "raises"
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1.3e-6, atol=1e-5)


def test_the_error_names_the_op_and_the_changed_array():
    w = mg.ones(4, 3, requires_grad=True)
    x = mg.ones(5, 4)
    loss = (x @ w).sum()
    x += 1
    with pytest.raises(RuntimeError, match=r"\[float32 tensor of shape \[5, 4\]\], saved by "
                                           r"MmBackward0, is at version 1"):
        loss.backward()
    assert w.grad is None  # nothing was accumulated before the error


def test_the_version_counts_in_place_changes_and_views_share_it():
    x = mg.zeros(2, 3)
    assert x._version == 0
    x += 1
    x[0, 0] = 5.0
    view = x.view(6)
    view.add_(1)
    x.detach().zero_()
    assert x._version == view._version == 4
    y = x + 1  # a new tensor: a version of its own
    assert y._version == 0


@pytest.mark.torch
def test_the_version_counts_as_pytorchs():
    torch = pytest.importorskip("torch")

    def versions(lib):
        x = lib.zeros(2, 3)
        x.add_(1)
        x[1] = 2.0
        x.t().mul_(2)
        x.clamp_(0, 3)
        return x._version, x.t()._version, (x * 1)._version

    assert versions(mg) == versions(torch)


def test_out_of_place_programs_never_pay_for_the_check(monkeypatch):
    """With no in-place change since a node was recorded, backward does not inspect its arrays."""
    from minigrad import autograd

    calls = []
    monkeypatch.setattr(autograd, "check_saved_unchanged", lambda node: calls.append(node))
    x = mg.ones(3, 4, requires_grad=True)
    F.linear(x.tanh(), mg.ones(2, 4)).sum().backward()
    assert calls == []
