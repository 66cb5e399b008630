"""Penalties, constraints and weight normalization (minigrad.nn.utils)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import l1_penalty, l2_penalty, max_norm_, non_neg_, unit_norm_, weight_norm


def test_penalties_and_their_gradients_follow_the_closed_forms():
    w = [mg.tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True),
         mg.tensor(np.array([-1.5]), requires_grad=True)]
    assert l1_penalty(w).item() == pytest.approx(8.0)
    assert l2_penalty(w).item() == pytest.approx(1 + 4 + 0.25 + 9 + 2.25)
    (0.5 * 0.1 * l2_penalty(w) + 0.01 * l1_penalty(w)).backward()
    for p in w:  # d/dw (lambda/2 ||w||^2) = lambda w: the same as weight_decay=lambda
        np.testing.assert_allclose(p.grad.data, 0.1 * p.data + 0.01 * np.sign(p.data))


def test_constraints_act_in_place_after_a_step():
    w = mg.tensor(np.array([[3.0, 4.0], [0.3, 0.4], [-6.0, 8.0]]))
    max_norm_([w], 2.0, dim=0)
    np.testing.assert_allclose(np.linalg.norm(w.data, axis=1), [2.0, 0.5, 2.0])
    np.testing.assert_allclose(w.data[0], [1.2, 1.6])  # direction kept
    unit_norm_([w], dim=0)
    np.testing.assert_allclose(np.linalg.norm(w.data, axis=1), 1.0)
    non_neg_([w])
    assert (w.numpy() >= 0).all() and w.numpy()[2, 1] == pytest.approx(0.8)


def test_weight_norm_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(4, 3).double(), torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data.numpy()))
        theirs.bias.copy_(torch.from_numpy(ours.bias.data.numpy()))
    weight_norm(ours)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(theirs)
    assert sorted(n for n, _ in ours.named_parameters()) == ["bias", "weight_g", "weight_v"]
    x = np.random.default_rng(0).standard_normal((5, 4))
    y, ty = ours(mg.tensor(x)), theirs(torch.from_numpy(x))
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    for name in ("weight_g", "weight_v"):
        np.testing.assert_allclose(getattr(ours, name).grad.data,
                                   getattr(theirs, name).grad.numpy(), rtol=1e-10, atol=1e-12)
    optimizer = mg.optim.SGD(ours.parameters(), lr=0.1)  # g and v train; w follows
    optimizer.step()
    w = ours(mg.tensor(np.eye(4))).data - ours.bias.data
    np.testing.assert_allclose(np.linalg.norm(w, axis=0), np.abs(ours.weight_g.data.numpy().ravel()),
                               rtol=1e-12)  # each row of w has norm |g|
