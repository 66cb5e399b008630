"""Overfitting and its cures (text 000, section 7.6) and weight decay on a high-dimensional linear
regression (text 003, section 4.1).

moons-overfitting: 300 noisy moons (noise 0.5), 200 to train and 100 to test, and the text's
3-layer MLP 2-20-3-1 (ReLU, W ~ N(0, 1), b = 0) trained by full-batch gradient descent (lr 0.2)
long enough to overfit; then the same with the text's three cures:
    L2 penalty   loss + lambda / (2 N) * sum ||W||^2   (weights only, lambda = 0.7, N = 200)
    weight decay theta <- (1 - beta) theta - lr g       (every parameter, beta = 0.001), which is
                 SGD(weight_decay=beta / lr) in PyTorch's form p <- p - lr (g + wd p)
    dropout      after each hidden ReLU, p = 0.3 (the text's code; its prose says 0.5)
Besides the 100 test points, each model is scored on 10,000 fresh points from the same
distribution: the accuracy the 100 points estimate, without their +-4% of noise.

weight-decay-regression: y = 0.05 + sum_i 0.01 x_i + N(0, 0.01^2) with d = 200 features and
20 training samples (100 test), a linear model (w ~ N(0, 1), b = 0) trained by minibatch SGD
(batch 5, lr 0.003, 100 epochs) on (1/2) squared error plus (lambda / 2) ||w||^2, i.e. SGD with
weight_decay=lambda on the weight alone.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import manual_seed, nn, no_grad, optim, sigmoid, tensor
from ..data import DataLoader, TensorDataset, make_moons
from ..nn import functional as F
from ..nn.utils.regularization import l2_penalty
from ._base import Experiment

# --- moons-overfitting: text 000's setup
N_SAMPLES, N_TRAIN, NOISE = 300, 200, 0.5
LAYER_SIZES = (2, 20, 3, 1)
LEARNING_RATE = 0.2
ITERATIONS, QUICK_ITERATIONS = 50_000, 5_000
L2_LAMBDA = 0.7        # the text's lambda in lambda / (2N) sum ||W||^2
DECAY_BETA = 0.001     # the text's beta in theta <- (1 - beta) theta - lr g
DROP_RATE = 0.3
FRESH_POINTS = 10_000
GRID_SIDE = 60
POINT_STYLES = {"train": {"marker": "o", "edgecolors": "k"}, "test": {"marker": "x"}}
CURES = {"no regularization": {}, "L2 penalty": {"l2": L2_LAMBDA},
         "weight decay": {"weight_decay": DECAY_BETA / LEARNING_RATE},
         "dropout": {"drop_rate": DROP_RATE}}


def moons_splits(seed: int) -> dict[str, np.ndarray]:
    """The text's 200 / 100 split of 300 moons, and FRESH_POINTS more from the same law."""
    x, y = make_moons(N_SAMPLES, noise=NOISE, seed=seed)
    x_fresh, y_fresh = make_moons(FRESH_POINTS, noise=NOISE,
                                  seed=int(np.random.default_rng(seed).integers(2 ** 31)))
    return {"x_train": x[:N_TRAIN], "y_train": y[:N_TRAIN], "x_test": x[N_TRAIN:],
            "y_test": y[N_TRAIN:], "x_fresh": x_fresh, "y_fresh": y_fresh}


def three_layer_mlp(drop_rate: float = 0.0) -> nn.Sequential:
    """2-20-3-1 with ReLU (and dropout after each hidden ReLU), W ~ N(0, 1), b = 0; the output
    is a logit."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(LAYER_SIZES[:-2], LAYER_SIZES[1:-1]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        if drop_rate:
            layers.append(nn.Dropout(drop_rate))
    layers.append(nn.Linear(*LAYER_SIZES[-2:]))
    model = nn.Sequential(*layers)
    for layer in linear_layers(model):
        nn.init.normal_(layer.weight)
        nn.init.zeros_(layer.bias)
    return model


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    return [module for module in model.modules() if isinstance(module, nn.Linear)]


def train_moons_model(x: Any, y: Any, iterations: int, l2: float = 0.0,
                      weight_decay: float = 0.0, drop_rate: float = 0.0) -> nn.Sequential:
    """Full-batch gradient descent on binary cross-entropy with logits (+ the L2 term)."""
    model = three_layer_mlp(drop_rate)
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE, weight_decay=weight_decay)
    weights = [layer.weight for layer in linear_layers(model)]
    for _ in range(iterations):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        if l2:
            loss = loss + l2 / (2 * len(x)) * l2_penalty(weights)
        loss.backward()
        optimizer.step()
    return model.eval()


def probability(model: nn.Module, points: np.ndarray) -> np.ndarray:
    """P(class 1 | point) = sigmoid(logit), in eval mode (no dropout)."""
    with no_grad():
        return sigmoid(model(tensor(points, dtype=np.float32))).numpy()[:, 0]


def accuracy(model: nn.Module, points: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean((probability(model, points) > 0.5) == labels))


def parameter_norm(model: nn.Module) -> float:
    """||theta||: the L2 norm of all parameters together."""
    return float(np.sqrt(sum((p.detach().numpy() ** 2).sum() for p in model.parameters())))


def boundary_grid(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grid's axes: the points' range widened by half a unit."""
    low, high = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    return np.linspace(low[0], high[0], GRID_SIDE), np.linspace(low[1], high[1], GRID_SIDE)


def compute_moons(quick: bool, seed: int) -> dict:
    iterations = QUICK_ITERATIONS if quick else ITERATIONS
    data = moons_splits(seed)
    x_train = tensor(data["x_train"], dtype=np.float32)
    y_train = tensor(data["y_train"][:, None], dtype=np.float32)
    grid_x, grid_y = boundary_grid(np.concatenate([data["x_train"], data["x_test"]]))
    grid_points = np.stack(np.meshgrid(grid_x, grid_y), axis=-1).reshape(-1, 2)
    models = {}
    for name, cure in CURES.items():
        manual_seed(seed)  # the same initial weights (and dropout masks) for every model
        model = train_moons_model(x_train, y_train, iterations, **cure)
        models[name] = {
            "train_accuracy": accuracy(model, data["x_train"], data["y_train"]),
            "test_accuracy": accuracy(model, data["x_test"], data["y_test"]),
            "fresh_accuracy": accuracy(model, data["x_fresh"], data["y_fresh"]),
            "parameter_norm": parameter_norm(model),
            "grid_probability": probability(model, grid_points).reshape(GRID_SIDE, GRID_SIDE)}
    return {"iterations": iterations, "models": models,
            "grid_x": grid_x, "grid_y": grid_y, "x_train": data["x_train"],
            "y_train": data["y_train"], "x_test": data["x_test"], "y_test": data["y_test"]}


def draw_moons(results: dict, figure: Any) -> None:
    """One decision boundary per model: P(class 1) filled, training points as dots, test
    points as crosses."""
    for i, (name, model) in enumerate(results["models"].items()):
        axes = figure.add_subplot(1, len(results["models"]), i + 1)
        axes.contourf(results["grid_x"], results["grid_y"], model["grid_probability"],
                      levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        for part, style in POINT_STYLES.items():
            points = np.asarray(results[f"x_{part}"])
            axes.scatter(points[:, 0], points[:, 1], c=results[f"y_{part}"], cmap="bwr", s=12,
                         linewidths=1, label=part, **style)
        axes.set_title(f"{name}\ntrain {model['train_accuracy']:.1%}, "
                       f"test {model['test_accuracy']:.1%}", fontsize=9)
        axes.set_xlabel("x1")
    figure.axes[0].set_ylabel("x2")
    figure.axes[0].legend(loc="lower left", fontsize=7)


def headline_moons(results: dict) -> list[str]:
    lines = [f"{results['iterations']} iterations of full-batch gradient descent, lr "
             f"{LEARNING_RATE}; accuracy on train (200) / test (100) / fresh ({FRESH_POINTS})"]
    for name, model in results["models"].items():
        lines.append(f"{name:>17}: train accuracy: {model['train_accuracy']:.3f}  "
                     f"test accuracy: {model['test_accuracy']:.3f}  "
                     f"fresh: {model['fresh_accuracy']:.3f}  "
                     f"||theta|| {model['parameter_norm']:.2f}")
    return lines


# --- weight-decay-regression: text 003's setup
N_TRAIN_REGRESSION, N_TEST_REGRESSION, N_FEATURES, BATCH_SIZE = 20, 100, 200, 5
TRUE_WEIGHT, TRUE_BIAS, LABEL_NOISE = 0.01, 0.05, 0.01
EPOCHS, REGRESSION_LR = 100, 0.003
LAMBDAS = (0.0, 0.3, 1.0, 3.0, 10.0)  # the text's 0 and 3, and three more


def synthetic_regression(rng: np.random.Generator, n: int) -> tuple[Any, Any]:
    """X ~ N(0, 1)^(n x d), y = X w + b + N(0, noise^2) with every w_i = TRUE_WEIGHT."""
    x = rng.normal(size=(n, N_FEATURES))
    y = x @ np.full(N_FEATURES, TRUE_WEIGHT) + TRUE_BIAS + rng.normal(0, LABEL_NOISE, n)
    return tensor(x, dtype=np.float32), tensor(y[:, None], dtype=np.float32)


def half_squared_error(model: nn.Module, x: Any, y: Any) -> Any:
    """The text's loss: mean over samples of (y_hat - y)^2 / 2."""
    return F.mse_loss(model(x), y) / 2


def initial_regression_model(seed: int) -> nn.Linear:
    """The text's init_params: w ~ N(0, 1), b = 0 (the same for every lambda)."""
    manual_seed(seed)
    model = nn.Linear(N_FEATURES, 1)
    nn.init.normal_(model.weight)
    nn.init.zeros_(model.bias)
    return model


def train_with_weight_decay(data: dict, lam: float, seed: int) -> dict:
    """SGD on the half squared error with weight_decay=lam on the weight (not the bias): the
    text's w <- (1 - lr lam) w - lr grad; the train and test loss after every epoch."""
    model = initial_regression_model(seed)
    optimizer = optim.SGD([{"params": [model.weight], "weight_decay": lam},
                           {"params": [model.bias]}], lr=REGRESSION_LR)
    loader = DataLoader(TensorDataset(data["x_train"], data["y_train"]), batch_size=BATCH_SIZE,
                        shuffle=True, generator=np.random.default_rng(seed))
    curves: dict[str, list[float]] = {"train_loss": [], "test_loss": []}
    for _ in range(EPOCHS):
        for x, y in loader:
            optimizer.zero_grad()
            half_squared_error(model, x, y).backward()
            optimizer.step()
        with no_grad():
            for part in ("train", "test"):
                curves[f"{part}_loss"].append(
                    half_squared_error(model, data[f"x_{part}"], data[f"y_{part}"]).item())
    weight = model.weight.detach().numpy()[0]
    return {**curves, "weight": weight, "weight_norm": float(np.linalg.norm(weight))}


def compute_weight_decay(quick: bool, seed: int) -> dict:
    """Every lambda on the same data and the same initial weights (the full run takes about
    a second, so --quick runs it unchanged)."""
    rng = np.random.default_rng(seed)
    x_train, y_train = synthetic_regression(rng, N_TRAIN_REGRESSION)
    x_test, y_test = synthetic_regression(rng, N_TEST_REGRESSION)
    data = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    runs = {str(lam): train_with_weight_decay(data, lam, seed) for lam in LAMBDAS}
    initial_weight = initial_regression_model(seed).weight.detach().numpy()[0]
    return {"lambdas": list(LAMBDAS), "epochs": EPOCHS, "initial_weight": initial_weight,
            "runs": runs}


def draw_weight_decay(results: dict, figure: Any) -> None:
    """Train (dashed) and test (solid) loss per lambda on a log scale, and ||w|| per lambda."""
    curves, norms = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    epochs = np.arange(1, results["epochs"] + 1)
    for lam, run in results["runs"].items():
        line, = curves.plot(epochs, run["test_loss"], label=f"lambda {lam}")
        curves.plot(epochs, run["train_loss"], "--", color=line.get_color())
    curves.set(yscale="log", xlabel="epoch", ylabel="(1/2) squared error",
               title="train (dashed) and test (solid) loss")
    curves.legend(fontsize=7)
    labels = list(results["runs"])
    norms.bar(labels, [results["runs"][lam]["weight_norm"] for lam in labels], color="#e4007f")
    norms.axhline(TRUE_WEIGHT * np.sqrt(N_FEATURES), color="k", linestyle=":",
                  label="||true w|| = 0.01 sqrt(200)")
    norms.set(yscale="log", xlabel="lambda", ylabel="||w||", title="final ||w||")
    norms.legend(fontsize=7)


def headline_weight_decay(results: dict) -> list[str]:
    return [f"lambda {lam:>4}: train loss {run['train_loss'][-1]:.3g}  test loss "
            f"{run['test_loss'][-1]:.3g}  L2 norm of w: {run['weight_norm']:.4f}"
            for lam, run in results["runs"].items()]


EXPERIMENTS = [
    Experiment("moons-overfitting", "a 3-layer MLP overfits 200 noisy moons; L2 penalty, weight "
               "decay and dropout cure it (decision boundaries, train/test accuracy)",
               "text 000 (7.6, regularization)", compute_moons, draw_moons, headline_moons,
               figsize=(14.0, 3.8)),
    Experiment("weight-decay-regression", "weight decay on a 200-feature linear regression "
               "with 20 samples: train/test loss and ||w|| per lambda",
               "text 003 (4.1, weight decay)", compute_weight_decay, draw_weight_decay,
               headline_weight_decay, figsize=(11.0, 4.0)),
]
