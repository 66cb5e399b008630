"""Dropout's experiments: no dropout, Dropout, Gaussian dropout and alpha dropout on text 002's
wide MLP (2048-1024-1024) on MNIST, and dropout written from scratch as text 003 writes it
against nn.Dropout (its mask statistics and the same training with each).

Text 003 trains on Fashion-MNIST; here it is MNIST (the offline sample). Inverted dropout keeps
each unit with probability 1 - p and scales it by 1 / (1 - p), so E[dropout(x)] = x and nothing
is rescaled at test time.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import minigrad as mg
from minigrad import nn, optim

from ..data import DataLoader, TensorDataset
from ..train import evaluate
from ._base import Experiment
from ._mnist import Splits, mnist_splits, train_classifier

# text 002: Dropout(0.25) on the input, Dropout(0.5) after each hidden ReLU
INPUT_P, HIDDEN_P = 0.25, 0.5
# (noise layer, activation) per variant; alpha dropout is built for SELU nets, so it is run
# in the text's ReLU net (a like-for-like swap) and in the same net with SELU
VARIANTS: dict[str, tuple[Callable[[float], nn.Module], type]] = {
    "no dropout": (lambda p: nn.Identity(), nn.ReLU),
    "Dropout": (nn.Dropout, nn.ReLU),
    "GaussianDropout": (nn.GaussianDropout, nn.ReLU),
    "AlphaDropout": (nn.AlphaDropout, nn.ReLU),
    "AlphaDropout, SELU": (nn.AlphaDropout, nn.SELU),
}
TEXT_P1, TEXT_P2 = 0.2, 0.5  # text 003: after the first and the second hidden layer


# ------------------------------------------------------------------------ dropout variants
def train_and_score(model: nn.Module, optimizer: Any, data: Splits, epochs: int,
                    batch_size: int, seed: int) -> dict:
    """train_classifier's curves (training accuracy measured with the noise on, as it trains)
    and the final training accuracy in eval mode, the one to set against validation."""
    curves = train_classifier(model, optimizer, data, epochs, batch_size, seed)
    train_set = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=500)
    curves["final_train_accuracy"] = evaluate(model, train_set, nn.CrossEntropyLoss())["accuracy"]
    return curves


def wide_mlp(hidden: tuple[int, ...], noise: Callable[[float], nn.Module],
             activation: type = nn.ReLU) -> nn.Sequential:
    """Text 002's MLP: noise(0.25) on the input, Linear -> activation -> noise(0.5) per hidden
    layer, then Linear to the 10 classes."""
    layers: list[nn.Module] = [noise(INPUT_P)]
    for n_in, n_out in zip((784, *hidden[:-1]), hidden):
        layers += [nn.Linear(n_in, n_out), activation(), noise(HIDDEN_P)]
    return nn.Sequential(*layers, nn.Linear(hidden[-1], 10))


def compute_variants(quick: bool, seed: int) -> dict:
    """Each variant trained alike, Adam(lr=1e-3), batch 128 (text 002: Adam(lr=1e-4) and batch
    256 for 200 epochs of 60,000 images); only the noise layers differ."""
    data = mnist_splits(seed, quick)
    hidden = (512, 256, 256) if quick else (2048, 1024, 1024)
    epochs = 8 if quick else 4  # full: five trainings of the wide net in about 2 minutes
    runs = {}
    for label, (noise, activation) in VARIANTS.items():
        mg.manual_seed(seed)
        model = wide_mlp(hidden, noise, activation)
        runs[label] = train_and_score(model, optim.Adam(model.parameters(), lr=1e-3), data,
                                      epochs, batch_size=128, seed=seed)
    return {"hidden": hidden, "epochs": epochs, "runs": runs}


def generalization_gap(run: dict) -> float:
    """Final training accuracy (eval mode) minus final validation accuracy."""
    return run["final_train_accuracy"] - run["val_accuracy"][-1]


def draw_curves(results: dict, figure: Any) -> None:
    """Per run, training (dashed) and validation (solid) accuracy over the epochs, all on one
    accuracy scale."""
    runs = results["runs"]
    first = None
    for column, (label, run) in enumerate(runs.items()):
        axes = figure.add_subplot(1, len(runs), column + 1, sharey=first)
        first = first or axes
        epochs = np.arange(1, len(run["train_accuracy"]) + 1)
        axes.plot(epochs, run["train_accuracy"], "--", label="train (noise on)")
        axes.plot(epochs, run["val_accuracy"], label="validation")
        axes.plot(epochs[-1], run["final_train_accuracy"], "k*", label="train, eval mode")
        axes.set(title=label, xlabel="epoch", ylabel="accuracy")
        axes.legend()


def headline_variants(results: dict) -> list[str]:
    return [f"{label}: train accuracy {run['final_train_accuracy']:.4f}, validation "
            f"{run['val_accuracy'][-1]:.4f}, gap {generalization_gap(run):+.4f}; test accuracy "
            f"{run['test_accuracy']:.4f}" for label, run in results["runs"].items()]


# ------------------------------------------------------------------- dropout from scratch
def dropout_layer(x: Any, p: float) -> Any:
    """Text 003's dropout: keep where a U[0, 1) draw exceeds p, scale the kept by 1/(1 - p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if p == 1:
        return mg.zeros_like(x)
    if p == 0:
        return x
    mask = (mg.rand(*x.shape) > p).float()
    return mask * x / (1.0 - p)


class ScratchDropout(nn.Module):
    """dropout_layer as a module: active in train(), the identity in eval()."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Any) -> Any:
        return dropout_layer(x, self.p) if self.training else x


def text_003_net(dropout: type) -> nn.Sequential:
    """Text 003's MLP 784-256-256-10 with dropout after each hidden ReLU (p = 0.2, 0.5)."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), dropout(TEXT_P1),
                         nn.Linear(256, 256), nn.ReLU(), dropout(TEXT_P2), nn.Linear(256, 10))


def mask_statistics(dropout: Callable[[Any, float], Any], p: float, size: int,
                    seed: int) -> dict:
    """Dropout of a tensor of ones: the fraction kept, the kept values' scale, the mean
    (E = 1), and whether the same seed gives the same mask again."""
    def draw() -> np.ndarray:
        mg.manual_seed(seed)
        return dropout(mg.ones(size), p).numpy()
    output = draw()
    kept = output != 0
    return {"keep_fraction": kept.mean(), "scale": output[kept].mean(),
            "scale_spread": np.ptp(output[kept]), "mean": output.mean(),
            "repeatable": bool(np.array_equal(output, draw()))}


def compute_scratch(quick: bool, seed: int) -> dict:
    """The masks' statistics for both implementations at the text's two rates, the text's
    arange(16) example, and text 003's training with each: SGD, batch 256, 10 epochs (lr 0.1,
    not the text's 0.5, which makes the curves jump on these standardized images)."""
    size = 100_000 if quick else 1_000_000
    implementations = {"from scratch": dropout_layer,
                       "nn.Dropout": lambda x, p: nn.functional.dropout(x, p, training=True)}
    masks = {label: {str(p): mask_statistics(function, p, size, seed) for p in (TEXT_P1, TEXT_P2)}
             for label, function in implementations.items()}
    mg.manual_seed(seed)
    example = mg.arange(16, dtype=mg.float32).reshape(2, 8)
    examples = {str(p): dropout_layer(example, p).numpy() for p in (0.0, 0.5, 1.0)}
    data = mnist_splits(seed, quick)
    epochs = 10
    runs = {}
    for label, dropout in (("from scratch", ScratchDropout), ("nn.Dropout", nn.Dropout)):
        mg.manual_seed(seed)
        model = text_003_net(dropout)
        runs[label] = train_and_score(model, optim.SGD(model.parameters(), lr=0.1), data,
                                      epochs, batch_size=256, seed=seed)
    return {"size": size, "masks": masks, "example": example.numpy(), "examples": examples,
            "epochs": epochs, "runs": runs}


def headline_scratch(results: dict) -> list[str]:
    lines = [f"dropout_layer(X, {p}) = {np.asarray(output).tolist()}"
             for p, output in results["examples"].items()]
    for label, by_p in results["masks"].items():
        for p, stats in by_p.items():
            lines.append(f"{label}, p = {p}: kept {stats['keep_fraction']:.4f} of "
                         f"{results['size']} (1 - p = {1 - float(p):.4f}), kept values scaled "
                         f"by {stats['scale']:.4f} (1/(1 - p) = {1 / (1 - float(p)):.4f}), mean "
                         f"{stats['mean']:.4f}, same seed same mask: {stats['repeatable']}")
    lines += [f"{label} (MNIST, not the text's Fashion-MNIST): train accuracy "
              f"{run['final_train_accuracy']:.4f}, validation {run['val_accuracy'][-1]:.4f}, test "
              f"{run['test_accuracy']:.4f}" for label, run in results["runs"].items()]
    return lines


EXPERIMENTS = [
    Experiment("dropout-variants", "no dropout, Dropout, Gaussian and alpha dropout on the wide "
               "MLP on MNIST: train and validation accuracy", "text 002", compute_variants,
               draw_curves, headline_variants, (18.0, 4.0)),
    Experiment("dropout-from-scratch", "dropout from scratch (mask = rand > p, scaled by "
               "1/(1 - p)) against nn.Dropout: masks and training on MNIST", "texts 003, 004",
               compute_scratch, draw_curves, headline_scratch, (10.0, 4.0)),
]
