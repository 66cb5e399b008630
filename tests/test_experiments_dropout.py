"""Dropout's experiments (--quick): the properties they show."""
import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.experiments as experiments
from minigrad.experiments import dropout


@pytest.fixture(scope="module")
def scratch():
    return experiments.run("dropout-from-scratch", quick=True, seed=0)


def test_dropout_narrows_the_generalization_gap(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("dropout-variants", quick=True, seed=0, out=tmp_path)
    assert (tmp_path / "dropout-variants.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "dropout-variants.json").read_text())["results"]
    assert saved["runs"]["Dropout"]["val_accuracy"] == results["runs"]["Dropout"]["val_accuracy"]
    runs = results["runs"]
    assert set(runs) == {"no dropout", "Dropout", "GaussianDropout", "AlphaDropout",
                         "AlphaDropout, SELU"}
    # Gaussian dropout narrows it too, but by too little for one quick run to show it every seed
    assert dropout.generalization_gap(runs["Dropout"]) < dropout.generalization_gap(
        runs["no dropout"])
    assert len(dropout.headline_variants(results)) == len(runs)


def binomial_bound(p, n):
    """Four standard deviations of the kept fraction of n Bernoulli(1 - p) draws."""
    return 4 * np.sqrt(p * (1 - p) / n)


def test_scratch_masks_keep_one_minus_p_scaled_by_its_inverse(scratch):
    n = scratch["size"]
    for p in (dropout.TEXT_P1, dropout.TEXT_P2):
        by_implementation = [scratch["masks"][label][str(p)]
                             for label in ("from scratch", "nn.Dropout")]
        for stats in by_implementation:
            assert abs(stats["keep_fraction"] - (1 - p)) < binomial_bound(p, n)
            assert stats["scale"] == pytest.approx(1 / (1 - p), rel=1e-6)
            assert stats["scale_spread"] < 1e-5 and stats["repeatable"]
            # each output is 1/(1 - p) or 0: mean 1, variance p / (1 - p)
            assert abs(stats["mean"] - 1) < 4 * np.sqrt(p / (1 - p) / n)
        ours, theirs = (stats["mean"] for stats in by_implementation)
        assert abs(ours - theirs) < 4 * np.sqrt(2 * p / (1 - p) / n)


def test_the_texts_example_and_edge_rates(scratch):
    x = np.arange(16, dtype=np.float32).reshape(2, 8)
    np.testing.assert_array_equal(scratch["example"], x)
    np.testing.assert_array_equal(scratch["examples"]["0.0"], x)
    np.testing.assert_array_equal(scratch["examples"]["1.0"], np.zeros_like(x))
    half = np.asarray(scratch["examples"]["0.5"])
    assert np.all((half == 0) | (half == 2 * x))
    lines = dropout.headline_scratch(scratch)
    assert lines[0].startswith("dropout_layer(X, 0.0) = [[0.0, 1.0")


def test_scratch_dropout_gradient_is_the_scaled_mask_and_eval_is_identity():
    mg.manual_seed(3)
    x = mg.ones(4, 50, requires_grad=True)
    y = dropout.dropout_layer(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # mask / (1 - p)
    layer = dropout.ScratchDropout(0.5).eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        dropout.dropout_layer(x, 1.5)


def test_scratch_and_module_dropout_train_alike(scratch):
    ours, theirs = scratch["runs"]["from scratch"], scratch["runs"]["nn.Dropout"]
    for run in (ours, theirs):
        assert run["val_accuracy"][-1] > 0.7 and len(run["val_accuracy"]) == scratch["epochs"]
    # plain SGD swings by several points from epoch to epoch: compare the best epochs
    assert abs(max(ours["val_accuracy"]) - max(theirs["val_accuracy"])) < 0.06
