"""gradient-check, activations and regression-fit (experiments/gradients.py): autograd against
independent NumPy computations and closed forms, on the --quick runs."""
import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.experiments as experiments
from minigrad.experiments import gradients as grads
from minigrad.experiments import jsonable

SEED = 0


@pytest.fixture(scope="module")
def check(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradient-check")
    return experiments.run("gradient-check", quick=True, seed=SEED, out=out), out


@pytest.fixture(scope="module")
def activations():
    return experiments.run("activations", quick=True, seed=SEED)


@pytest.fixture(scope="module")
def fit():
    return experiments.run("regression-fit", quick=True, seed=SEED)


def test_gradient_check_writes_png_and_json_holding_the_results(check):
    pytest.importorskip("matplotlib")
    results, out = check
    assert (out / "gradient-check.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((out / "gradient-check.json").read_text())
    assert saved["results"] == json.loads(json.dumps(jsonable(results)))


def test_gradient_check_differences_are_tiny_in_float64(check):
    parameters = check[0]["parameters"]
    assert list(parameters) == ["W1", "b1", "W2", "b2"]
    for entry in parameters.values():
        assert entry["max_difference"] < 1e-7
        assert entry["mean_difference"] <= entry["max_difference"]
        assert entry["mean_abs_gradient"] > 1e3 * entry["mean_difference"]  # not 0 vs 0


def test_gradient_check_prints_the_texts_form(check):
    results = check[0]
    lines = grads.headline_gradient_check(results)
    for line, (name, entry) in zip(lines, results["parameters"].items()):
        key, value = line.split(":")
        assert key == name and float(value) == entry["mean_difference"]


def numpy_loss(params, x, t):
    """The two-layer net's softmax cross-entropy, in plain NumPy."""
    hidden = np.maximum(x @ params["W1"].T + params["b1"], 0)
    logits = hidden @ params["W2"].T + params["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probabilities[np.arange(len(t)), t].mean()


def numpy_central_differences(params, x, t, h):
    numerical = {}
    for name, value in params.items():
        flat, out = value.reshape(-1), np.zeros(value.size)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + h
            plus = numpy_loss(params, x, t)
            flat[j] = original - h
            minus = numpy_loss(params, x, t)
            flat[j] = original
            out[j] = (plus - minus) / (2 * h)
        numerical[name] = out.reshape(value.shape)
    return numerical


def test_gradient_check_matches_an_independent_numpy_check(check):
    """Rebuild the same net and batch, take the engine's gradients and NumPy's own central
    differences: they agree, and their mean difference is the one the experiment printed."""
    results = check[0]
    mg.manual_seed(SEED)
    model = grads.two_layer_net(results["hidden"])
    x, t = grads.check_batch()
    mg.nn.functional.cross_entropy(model(x), t).backward()
    named = grads.text_names(model)
    params = {name: p.detach().numpy().copy() for name, p in named.items()}
    numerical = numpy_central_differences(params, x.numpy(), t.numpy(), results["step"])
    for name, p in named.items():
        difference = np.abs(p.grad.numpy() - numerical[name])
        assert difference.max() < 1e-7
        printed = results["parameters"][name]["mean_difference"]
        assert difference.mean() == pytest.approx(printed, rel=0.2, abs=1e-12)


def test_text_numerical_gradient_on_a_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    gradient = grads.numerical_gradient(lambda v: float((v ** 2).sum()), x)
    np.testing.assert_allclose(gradient, 2 * x, atol=1e-9)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_activation_derivatives_equal_the_closed_forms(activations):
    x = np.asarray(activations["x"], dtype=np.float64)
    np.testing.assert_allclose(x, np.arange(-8.0, 8.0, 0.1), atol=1e-5)
    sigma, tanh = 1 / (1 + np.exp(-x)), np.tanh(x)
    closed_forms = {"sigmoid": sigma * (1 - sigma), "tanh": 1 - tanh ** 2,
                    "relu": (x > 0).astype(float),
                    "leaky_relu": np.where(x > 0, 1.0, grads.LEAKY_SLOPE)}
    for name, expected in closed_forms.items():
        np.testing.assert_allclose(activations["functions"][name]["grad"], expected, atol=1e-6)


def test_activation_maxima_are_the_texts(activations):
    functions = activations["functions"]
    assert functions["sigmoid"]["max_grad"] == pytest.approx(0.25, abs=1e-6)
    assert functions["tanh"]["max_grad"] == pytest.approx(1.0, abs=1e-6)
    for name in ("sigmoid", "tanh"):
        assert abs(functions[name]["max_from"]) < 0.05 and functions[name]["max_to"] < 0.05
    assert functions["relu"]["max_grad"] == 1 and functions["relu"]["max_from"] >= 0
    lines = grads.headline_activations(activations)
    assert "sigmoid: max derivative 0.25 at x = 0.0" in lines
    assert "tanh: max derivative 1 at x = 0.0" in lines


def test_softmax_and_its_jacobian(activations):
    v = np.array(activations["softmax_input"])
    s = np.exp(v) / np.exp(v).sum()
    np.testing.assert_allclose(activations["softmax"], s, atol=1e-6)
    np.testing.assert_allclose(activations["softmax_jacobian"], np.diag(s) - np.outer(s, s),
                               atol=1e-6)
    assert "tensor([0.8789, 0.1189, 0.0022])" in grads.headline_activations(activations)[-2]


def text_minibatch_gd(x, y, w, b):
    """Text 000's Linear.backward and SimpleBatchGD in NumPy: W -= lr X^T (z - y) / K."""
    for _ in range(grads.FIT_EPOCHS):
        for start in range(0, len(x), grads.FIT_BATCH):
            xb, yb = x[start:start + grads.FIT_BATCH], y[start:start + grads.FIT_BATCH]
            residual = xb @ w + b - yb
            w = w - grads.FIT_LR * xb.T @ residual / len(xb)
            b = b - grads.FIT_LR * residual.mean()
    return w, b


def test_regression_fit_recovers_the_true_weights(fit):
    """The text gives no tolerance; 30 epochs at lr 0.01 leave about 1% of the initial error,
    so 0.05 on each weight, and the bias near the noise's mean."""
    np.testing.assert_allclose(fit["weight"], fit["true_weight"], atol=0.05)
    assert abs(fit["bias"] - fit["noise_mean"]) < 0.05
    assert fit["epoch_loss"][-1] < 1e-2 * fit["epoch_loss"][0]


def test_regression_fit_is_the_texts_minibatch_gradient_descent(fit):
    x, y = np.asarray(fit["x"], np.float64), np.asarray(fit["y"], np.float64)
    w, b = text_minibatch_gd(x, y, np.asarray(fit["initial_weight"], np.float64), 0.0)
    np.testing.assert_allclose(fit["weight"], w, atol=1e-4)
    assert fit["bias"] == pytest.approx(b, abs=1e-4)
    assert len(fit["iteration_loss"]) == grads.FIT_EPOCHS * -(-len(x) // grads.FIT_BATCH)
