"""moons-overfitting and weight-decay-regression (experiments/regularization.py): the properties
the texts show, checked on the --quick runs."""
import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.experiments as experiments
from minigrad.experiments import jsonable
from minigrad.experiments import regularization as reg

SEED = 0


@pytest.fixture(scope="module")
def moons(tmp_path_factory):
    out = tmp_path_factory.mktemp("moons")
    return experiments.run("moons-overfitting", quick=True, seed=SEED, out=out), out


@pytest.fixture(scope="module")
def decay():
    return experiments.run("weight-decay-regression", quick=True, seed=SEED)


def gap(model):
    return model["train_accuracy"] - model["test_accuracy"]


def test_moons_writes_png_and_json_holding_the_results(moons):
    pytest.importorskip("matplotlib")
    results, out = moons
    assert (out / "moons-overfitting.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((out / "moons-overfitting.json").read_text())
    assert saved["results"] == json.loads(json.dumps(jsonable(results)))


def test_moons_data_is_the_texts_split():
    data = reg.moons_splits(SEED)
    assert data["x_train"].shape == (200, 2) and data["x_test"].shape == (100, 2)
    assert set(np.unique(data["y_train"])) == {0, 1}
    assert len(data["x_fresh"]) == reg.FRESH_POINTS


def test_unregularized_mlp_overfits_and_every_cure_narrows_the_gap(moons):
    models = moons[0]["models"]
    baseline = models["no regularization"]
    assert gap(baseline) > 0
    cures = [models[name] for name in ("L2 penalty", "weight decay", "dropout")]
    for cure in cures:
        assert gap(cure) < gap(baseline)
    # 100 test points estimate an accuracy to about +-4%: the 10,000 fresh points decide
    assert max(cure["fresh_accuracy"] for cure in cures) > baseline["fresh_accuracy"]


def test_l2_and_weight_decay_shrink_the_weights(moons):
    models = moons[0]["models"]
    for name in ("L2 penalty", "weight decay"):
        assert models[name]["parameter_norm"] < models["no regularization"]["parameter_norm"]


def one_step(**cure):
    """The parameters after one full-batch step from the same initial weights."""
    data = reg.moons_splits(SEED)
    x = mg.tensor(data["x_train"], dtype=mg.float32)
    y = mg.tensor(data["y_train"][:, None], dtype=mg.float32)
    mg.manual_seed(SEED)
    model = reg.train_moons_model(x, y, iterations=1, **cure)
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_cures_follow_the_texts_update_rules():
    """L2: W gets lr * lambda / N * W more subtracted, biases nothing; weight decay: every
    parameter is multiplied by (1 - beta) before the gradient step."""
    mg.manual_seed(SEED)
    initial = [p.detach().numpy().copy() for p in reg.three_layer_mlp().parameters()]
    plain = one_step()
    penalized = one_step(l2=reg.L2_LAMBDA)
    decayed = one_step(weight_decay=reg.DECAY_BETA / reg.LEARNING_RATE)
    for theta0, p, p_l2, p_wd in zip(initial, plain, penalized, decayed):
        is_weight = theta0.ndim == 2
        expected_l2 = reg.LEARNING_RATE * reg.L2_LAMBDA / reg.N_TRAIN * theta0 * is_weight
        np.testing.assert_allclose(p - p_l2, expected_l2, atol=1e-6)
        np.testing.assert_allclose(p - p_wd, reg.DECAY_BETA * theta0, atol=1e-6)


def test_moons_headline_prints_the_texts_accuracies(moons):
    results = moons[0]
    lines = reg.headline_moons(results)
    for name, model in results["models"].items():
        assert any(name in line and f"train accuracy: {model['train_accuracy']:.3f}" in line
                   and f"test accuracy: {model['test_accuracy']:.3f}" in line for line in lines)


def test_weight_norm_falls_and_test_loss_improves_with_lambda(decay):
    runs = [decay["runs"][str(lam)] for lam in decay["lambdas"]]
    norms = [run["weight_norm"] for run in runs]
    assert all(a > b for a, b in zip(norms, norms[1:]))
    unregularized = runs[0]
    assert unregularized["train_loss"][-1] < 1e-2 * unregularized["test_loss"][-1]  # overfit
    for run in runs[1:]:
        assert run["test_loss"][-1] < unregularized["test_loss"][-1]


def test_decay_shrinks_the_part_of_w_no_gradient_reaches_geometrically(decay):
    """The gradient of the squared error lies in the span of the 20 training inputs, so the
    component of w orthogonal to it only decays: P w_final = (1 - lr lambda)^steps P w_0
    (lambda 0: unchanged; this is why the text's ||w|| stays near sqrt(200) at lambda 0)."""
    x_train, _ = reg.synthetic_regression(np.random.default_rng(SEED), reg.N_TRAIN_REGRESSION)
    x = x_train.numpy().astype(np.float64)
    orthogonal = np.eye(reg.N_FEATURES) - np.linalg.pinv(x) @ x
    steps = decay["epochs"] * (reg.N_TRAIN_REGRESSION // reg.BATCH_SIZE)
    start = orthogonal @ np.asarray(decay["initial_weight"])
    for lam in decay["lambdas"]:
        final = orthogonal @ np.asarray(decay["runs"][str(lam)]["weight"])
        np.testing.assert_allclose(final, (1 - reg.REGRESSION_LR * lam) ** steps * start,
                                   atol=2e-4)


def test_weight_decay_headline_prints_every_lambda(decay):
    lines = reg.headline_weight_decay(decay)
    assert len(lines) == len(decay["lambdas"])
    for line, lam in zip(lines, decay["lambdas"]):
        assert f"L2 norm of w: {decay['runs'][str(lam)]['weight_norm']:.4f}" in line
