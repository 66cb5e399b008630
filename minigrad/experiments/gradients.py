"""Gradients three ways: checked against central differences (text 004), of the activation
functions by autograd (text 003, section 1), and used to fit a one-layer regression (text 000,
section 7.3.1.2).

gradient-check: the text's two-layer net (784-50-10, ReLU, He-initialized weights, zero biases,
softmax cross-entropy) on 3 MNIST images, in float64. Its numerical gradient perturbs each
parameter element in place, dL/dw ~ (L(w + h) - L(w - h)) / (2h) with h = 1e-4, and is compared
with what `loss.backward()` gives: the mean |analytic - numerical| per parameter, printed as
"W1:...". (The text's loss adds 1e-7 inside the log, which its backward ignores; here both
sides differentiate the same loss.)

activations: sigmoid, tanh, ReLU and leaky ReLU on the text's grid x = -8, -7.9, ..., 7.9, and
their derivatives as the text takes them, `y.backward(ones_like(x))`; softmax on the text's
[3, 1, -3] with its Jacobian, one backward per output.

regression-fit: the text's data, X ~ N(0, 1)^(1000 x 2), y = 0.5 x1 + 0.8 x2 + 0.01 U(0, 1)
(the noise's mean, 0.005, is the only bias), fitted by a Linear(2, 1) (W ~ N(0, 1), b = 0) with
SGD, lr 0.01, batches of 64 in order (no shuffling, as the text), 30 epochs; the text's gradient
(1/K) X^T (z - y) is that of half the mean squared error.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import (arange, float64, leaky_relu, manual_seed, nn, no_grad, ones_like, optim, rand,
                randn, relu, sigmoid, softmax, tanh, tensor)
from ..data.datasets import load_mnist_sample
from ..nn import functional as F
from ._base import Experiment

# --- gradient-check: text 004's setup
IMAGES, INPUTS, HIDDEN, QUICK_HIDDEN, CLASSES = 3, 784, 50, 10, 10
STEP = 1e-4                       # the text's h
LOG10_BINS = np.arange(-20, -4)   # histogram edges of log10 |analytic - numerical|


def two_layer_net(hidden: int) -> nn.Sequential:
    """784-hidden-10 with ReLU in float64: W ~ N(0, 2 / fan_in) (He, the text's 'relu'), b = 0."""
    model = nn.Sequential(nn.Linear(INPUTS, hidden, dtype=float64), nn.ReLU(),
                          nn.Linear(hidden, CLASSES, dtype=float64))
    for layer in (model[0], model[2]):
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        nn.init.zeros_(layer.bias)
    return model


def check_batch() -> tuple[Any, Any]:
    """The first IMAGES training images of the MNIST sample, flattened, in float64."""
    (images, labels), _ = load_mnist_sample()
    return (tensor(images[:IMAGES].reshape(IMAGES, -1), dtype=float64),
            tensor(labels[:IMAGES]))


def text_names(model: nn.Module) -> dict[str, Any]:
    """The parameters under the text's names W1, b1, W2, b2."""
    names = {"weight": "W", "bias": "b"}
    layers = [module for module in model.modules() if isinstance(module, nn.Linear)]
    return {f"{names[kind]}{i + 1}": getattr(layer, kind)
            for i, layer in enumerate(layers) for kind in ("weight", "bias")}


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """The text's central differences: each element of x moved by +-h in place, then restored."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        idx = it.multi_index
        original = float(x[idx])
        x[idx] = original + STEP
        loss_plus = f(x)
        x[idx] = original - STEP
        loss_minus = f(x)
        grad[idx] = (loss_plus - loss_minus) / (2 * STEP)
        x[idx] = original
        it.iternext()
    return grad


def gradient_pairs(model: nn.Module, x: Any, t: Any) -> dict[str, tuple[np.ndarray, ...]]:
    """Per parameter: (analytic gradient by backward, numerical gradient)."""
    model.zero_grad()
    F.cross_entropy(model(x), t).backward()

    def loss(_: np.ndarray) -> float:  # the parameter's array is changed in place
        with no_grad():
            return F.cross_entropy(model(x), t).item()
    return {name: (p.grad.numpy().copy(), numerical_gradient(loss, p.detach().numpy()))
            for name, p in text_names(model).items()}


def compute_gradient_check(quick: bool, seed: int) -> dict:
    manual_seed(seed)
    model = two_layer_net(QUICK_HIDDEN if quick else HIDDEN)
    pairs = gradient_pairs(model, *check_batch())
    parameters = {}
    for name, (analytic, numerical) in pairs.items():
        difference = np.abs(analytic - numerical)
        nonzero = difference[difference > 0]
        parameters[name] = {
            "shape": list(analytic.shape), "mean_difference": float(difference.mean()),
            "max_difference": float(difference.max()),
            "mean_abs_gradient": float(np.abs(analytic).mean()),
            "exact_zeros": int(difference.size - nonzero.size),
            "log10_counts": np.histogram(np.log10(nonzero), bins=LOG10_BINS)[0]}
    return {"hidden": QUICK_HIDDEN if quick else HIDDEN, "step": STEP,
            "log10_bins": LOG10_BINS, "parameters": parameters}


def draw_gradient_check(results: dict, figure: Any) -> None:
    """Per parameter, the histogram of log10 |analytic - numerical| over its elements."""
    axes = figure.add_subplot(1, 1, 1)
    edges = np.asarray(results["log10_bins"], dtype=float)
    width = np.diff(edges)[0] / (len(results["parameters"]) + 1)
    for i, (name, entry) in enumerate(results["parameters"].items()):
        axes.bar(edges[:-1] + (i + 0.5) * width, entry["log10_counts"], width=width,
                 label=f"{name}: mean {entry['mean_difference']:.1e}"
                       f" ({entry['exact_zeros']} exactly 0)")
    axes.set(yscale="log", xlabel="log10 |analytic - numerical| per element", ylabel="elements",
             title=f"autograd vs central differences (h = {results['step']:g}), float64, "
                   f"784-{results['hidden']}-10 net on {IMAGES} MNIST images")
    axes.legend(fontsize=8)


def headline_gradient_check(results: dict) -> list[str]:
    return [f"{name}:{entry['mean_difference']}" for name, entry in results["parameters"].items()]


# --- activations: text 003's grid and functions
GRID = (-8.0, 8.0, 0.1)
LEAKY_SLOPE = 0.1  # PyTorch's default is 0.01; 0.1 makes the negative slope visible
SOFTMAX_INPUT = (3.0, 1.0, -3.0)
ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu,
               "leaky_relu": lambda x: leaky_relu(x, LEAKY_SLOPE)}


def derivative_by_autograd(function: Callable[[Any], Any]) -> tuple[np.ndarray, ...]:
    """x on the grid, f(x) and f'(x) from `f(x).backward(ones_like(x))` (elementwise f)."""
    x = arange(*GRID, requires_grad=True)
    y = function(x)
    y.backward(ones_like(y))
    return x.detach().numpy().copy(), y.detach().numpy().copy(), x.grad.numpy().copy()


def where_maximal(x: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """The smallest and largest x where values reach their maximum."""
    at = x[values == values.max()]
    return float(at.min()), float(at.max())


def softmax_jacobian(inputs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """softmax(v) and its Jacobian J[i, j] = d s_i / d v_j, row i from backward(e_i)."""
    v = tensor(inputs, requires_grad=True)
    s = softmax(v, dim=0)
    rows = []
    for one_hot in np.eye(len(inputs), dtype=np.float32):
        v.grad = None
        s.backward(tensor(one_hot), retain_graph=True)
        rows.append(v.grad.numpy().copy())
    return s.detach().numpy().copy(), np.stack(rows)


def compute_activations(quick: bool, seed: int) -> dict:
    """Deterministic and cheap: quick and seed change nothing."""
    functions = {}
    for name, function in ACTIVATIONS.items():
        x, y, grad = derivative_by_autograd(function)
        low, high = where_maximal(x, grad)
        functions[name] = {"y": y, "grad": grad, "max_grad": float(grad.max()),
                           "max_from": low, "max_to": high}
    probabilities, jacobian = softmax_jacobian(SOFTMAX_INPUT)
    return {"x": x, "functions": functions, "softmax_input": list(SOFTMAX_INPUT),
            "softmax": probabilities, "softmax_jacobian": jacobian}


def draw_activations(results: dict, figure: Any) -> None:
    """Each function above its derivative; softmax as bars above its Jacobian."""
    columns = len(results["functions"]) + 1
    for i, (name, entry) in enumerate(results["functions"].items()):
        top, bottom = figure.add_subplot(2, columns, i + 1), figure.add_subplot(2, columns,
                                                                               columns + i + 1)
        top.plot(results["x"], entry["y"], color="#e4007f")
        top.set_title(f"{name}(x)")
        bottom.plot(results["x"], entry["grad"], color="#1f77b4")
        bottom.set(title=f"grad of {name} (max {entry['max_grad']:.3g})", xlabel="x")
    labels = [f"{v:g}" for v in results["softmax_input"]]
    bars = figure.add_subplot(2, columns, columns)
    bars.bar(labels, results["softmax"], color="#e4007f")
    bars.set(title="softmax([3, 1, -3])", xlabel="input")
    heat = figure.add_subplot(2, columns, 2 * columns)
    image = heat.imshow(results["softmax_jacobian"], cmap="RdBu_r", vmin=-0.25, vmax=0.25)
    heat.set(title="Jacobian d s_i / d v_j", xticks=range(3), yticks=range(3),
             xticklabels=labels, yticklabels=labels)
    figure.colorbar(image, ax=heat, fraction=0.046)


def headline_activations(results: dict) -> list[str]:
    lines = []
    for name, entry in results["functions"].items():
        low, high = entry["max_from"], entry["max_to"]
        where = f"x = {low:.1f}" if low == high else f"x in [{low:.1f}, {high:.1f}]"
        lines.append(f"{name}: max derivative {entry['max_grad']:.4g} at {where}")
    probabilities = ", ".join(f"{p:.4f}" for p in results["softmax"])
    lines.append(f"softmax({results['softmax_input']}) = tensor([{probabilities}])")
    diagonal = ", ".join(f"{d:.4f}" for d in np.diag(results["softmax_jacobian"]))
    lines.append(f"its Jacobian's diagonal s_i (1 - s_i): [{diagonal}]")
    return lines


# --- regression-fit: text 000's setup
SAMPLES, TRUE_W = 1000, (0.5, 0.8)
NOISE_SCALE = 0.01
FIT_LR, FIT_EPOCHS, FIT_BATCH = 0.01, 30, 64


def regression_data() -> tuple[Any, Any]:
    """X ~ N(0, 1), y = X w + 0.01 U(0, 1) (drawn from minigrad's seeded generator)."""
    x = randn(SAMPLES, len(TRUE_W))
    return x, x @ tensor(TRUE_W).reshape(-1, 1) + NOISE_SCALE * rand(SAMPLES, 1)


def initial_linear() -> nn.Linear:
    """The text's Linear(2): W ~ N(0, 1), b = 0."""
    model = nn.Linear(len(TRUE_W), 1)
    nn.init.normal_(model.weight)
    nn.init.zeros_(model.bias)
    return model


def fit_linear(model: nn.Linear, x: Any, y: Any) -> list[float]:
    """The text's SimpleBatchGD loop: consecutive batches of FIT_BATCH, the MSE recorded and
    the gradient of MSE / 2 followed; the loss of every iteration."""
    optimizer = optim.SGD(model.parameters(), lr=FIT_LR)
    losses = []
    for _ in range(FIT_EPOCHS):
        for start in range(0, SAMPLES, FIT_BATCH):
            batch = slice(start, start + FIT_BATCH)
            optimizer.zero_grad()
            loss = F.mse_loss(model(x[batch]), y[batch])
            (loss / 2).backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def compute_regression_fit(quick: bool, seed: int) -> dict:
    """Cheap (480 steps): quick runs it unchanged."""
    manual_seed(seed)
    x, y = regression_data()
    model = initial_linear()
    initial_weight = model.weight.detach().numpy()[0].copy()
    losses = fit_linear(model, x, y)
    batches = -(-SAMPLES // FIT_BATCH)
    return {"x": x.numpy(), "y": y.numpy()[:, 0], "true_weight": list(TRUE_W),
            "noise_mean": NOISE_SCALE / 2, "initial_weight": initial_weight,
            "weight": model.weight.detach().numpy()[0], "bias": float(model.bias.item()),
            "iteration_loss": losses,
            "epoch_loss": np.asarray(losses).reshape(FIT_EPOCHS, batches).mean(axis=1)}


def draw_regression_fit(results: dict, figure: Any) -> None:
    """The fitted plane over the points (3-D), the loss per iteration and per epoch."""
    x, y = np.asarray(results["x"]), np.asarray(results["y"])
    (w1, w2), b = results["weight"], results["bias"]
    space = figure.add_subplot(1, 3, 1, projection="3d")
    space.scatter(x[:, 0], x[:, 1], y, s=3, c="#e4007f", alpha=0.5)
    grid = np.linspace(x.min(), x.max(), 10)
    g1, g2 = np.meshgrid(grid, grid)
    space.plot_wireframe(g1, g2, w1 * g1 + w2 * g2 + b, color="k", linewidth=0.5)
    space.set(xlabel="x1", ylabel="x2", zlabel="y",
              title=f"fit: y = {w1:.3f} x1 + {w2:.3f} x2 + {b:.4f}")
    for position, key, title in ((2, "iteration_loss", "iteration"), (3, "epoch_loss", "epoch")):
        axes = figure.add_subplot(1, 3, position)
        axes.plot(results[key], color="#f19ec2" if key == "epoch_loss" else "#e4007f")
        axes.set(yscale="log", xlabel=title, ylabel="MSE", title=f"{title} loss")


def headline_regression_fit(results: dict) -> list[str]:
    weight = ", ".join(f"{w:.4f}" for w in results["weight"])
    true = ", ".join(f"{w:g}" for w in results["true_weight"])
    return [f"learned w = [{weight}] (true [{true}]), b = {results['bias']:.4f} "
            f"(true 0; the noise 0.01 U(0, 1) has mean {results['noise_mean']:g})",
            f"MSE: first iteration {results['iteration_loss'][0]:.4g}, "
            f"last epoch {results['epoch_loss'][-1]:.3g}"]


EXPERIMENTS = [
    Experiment("gradient-check", "autograd against the text's central differences on a "
               "two-layer net, float64: the mean |difference| per parameter",
               "text 004 (numerical gradient)", compute_gradient_check, draw_gradient_check,
               headline_gradient_check, figsize=(10.0, 4.5)),
    Experiment("activations", "sigmoid, tanh, ReLU, leaky ReLU and their derivatives by "
               "autograd; softmax and its Jacobian", "text 003 (1, activation functions)",
               compute_activations, draw_activations, headline_activations,
               figsize=(15.0, 5.5)),
    Experiment("regression-fit", "a one-layer net fits y = 0.5 x1 + 0.8 x2 + noise by "
               "minibatch SGD: the fitted plane and the loss", "text 000 (7.3.1.2)",
               compute_regression_fit, draw_regression_fit, headline_regression_fit,
               figsize=(14.0, 4.0)),
]
