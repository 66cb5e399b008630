"""Training on the MNIST sample: mini-batch size against learning rate with LeNet (text 000,
section 7.2) and four optimizers on a 5-layer MLP (text 004, "comparing optimizers on MNIST").

Every model is trained by `_mnist.train_classifier` on the sample's training images less a 10%
validation split; settings are compared on the validation split and each model's test accuracy
is reported once. The 5-layer MLP, its batch size and its smoothed loss curve are shared with
initialization.py (`init-training`).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

import minigrad as mg
from minigrad import nn

from ._base import Experiment
from ._mnist import Splits, mnist_splits, train_classifier

# Text 000: batch size and learning rate grow together (lr = 0.01 * batch / 16).
TEXT_BATCH_SIZES_AND_RATES = ((16, 0.01), (32, 0.02), (64, 0.04), (128, 0.08), (256, 0.16))
# Its exercise 7.2, from (64, 0.04): the batch doubled at the same rate, the rate halved.
EXERCISE_SETTINGS = ((64, 0.04), (128, 0.04), (64, 0.02))
LENET_EPOCHS = {True: 3, False: 15}  # the text: 30 epochs of 60,000 images; the sample has 3,600

MLP_SIZES = (784, 100, 100, 100, 100, 10)  # text 004's MultiLayerNet: 4 hidden layers + output
MLP_BATCH_SIZE = 128
MLP_ITERATIONS = {True: 240, False: 2000}  # the text: 2,000 mini-batches
SMOOTHING_WINDOW = 11  # text 004's smooth_curve: a Kaiser window of 11 points, beta 2

# Text 004's optimizers at its default rates, as minigrad.optim's (PyTorch's) classes; the
# textbook forms map onto these (docs/experiments/mnist.md): Momentum's v = 0.9 v - lr g is
# SGD's b = 0.9 b + g with v = -lr b; AdaGrad and Adam add the text's eps = 1e-7.
TEXT_OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "SGD": lambda params: mg.optim.SGD(params, lr=0.01),
    "Momentum": lambda params: mg.optim.SGD(params, lr=0.01, momentum=0.9),
    "AdaGrad": lambda params: mg.optim.Adagrad(params, lr=0.01, eps=1e-7),
    "Adam": lambda params: mg.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-7),
}


# --- the models -------------------------------------------------------------------------------

def lenet() -> nn.Sequential:
    """paddle.vision.models.LeNet, the net text 000 trains: two convolution + ReLU + 2x2
    max-pooling stages (6 maps 3x3 padded to keep 28x28, then 16 maps 5x5: 16x5x5) and three
    linear layers 400 -> 120 -> 84 -> 10, with no activation between them (as in Paddle)."""
    return nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10))


def he_normal_(weight: Any) -> Any:
    """He's initialization, N(0, 2 / fan_in): text 004's default for its ReLU nets."""
    return nn.init.kaiming_normal_(weight, nonlinearity="relu")


def multilayer_net(weight_init: Callable[[Any], Any] = he_normal_,
                   activation: type = nn.ReLU) -> nn.Sequential:
    """Text 004's MultiLayerNet: 784 -> 100 -> 100 -> 100 -> 100 -> 10, `activation` after each
    hidden layer, every weight drawn by `weight_init`, biases zero."""
    layers: list = []
    for fan_in, fan_out in zip(MLP_SIZES, MLP_SIZES[1:]):
        linear = nn.Linear(fan_in, fan_out)
        weight_init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    return nn.Sequential(*layers[:-1])  # no activation after the output layer


def as_images(data: Splits) -> Splits:
    """The flattened splits as (N, 1, 28, 28) images for the conv net."""
    def square(x: Any) -> Any:
        return x.reshape(x.shape[0], 1, 28, 28)
    return data._replace(x_train=square(data.x_train), x_val=square(data.x_val),
                         x_test=square(data.x_test))


def smooth_curve(losses: list[float]) -> np.ndarray:
    """Text 004's smoothing: the curve convolved with a normalized Kaiser window (11 points,
    beta 2), its ends padded by reflection so the result keeps the curve's length."""
    window = np.kaiser(SMOOTHING_WINDOW, 2)
    half = SMOOTHING_WINDOW // 2
    padded = np.pad(np.asarray(losses, dtype=np.float64), half, mode="reflect")
    return np.convolve(padded, window / window.sum(), mode="valid")


# --- batch size against learning rate (text 000) ----------------------------------------------

def setting_label(batch_size: int, lr: float) -> str:
    return f"batch size {batch_size}, lr {lr:g}"


def compute_batch_sizes(quick: bool, seed: int) -> dict:
    """LeNet trained by plain SGD for each (batch size, learning rate) of the text and of its
    exercise 7.2, every model from the same seeded initial weights."""
    data = as_images(mnist_splits(seed, quick))
    runs = {}
    for batch_size, lr in dict.fromkeys(TEXT_BATCH_SIZES_AND_RATES + EXERCISE_SETTINGS):
        mg.manual_seed(seed)
        model = lenet()
        curves = train_classifier(model, mg.optim.SGD(model.parameters(), lr=lr), data,
                                  LENET_EPOCHS[quick], batch_size, seed)
        runs[setting_label(batch_size, lr)] = {
            "batch_size": batch_size, "lr": lr, **curves,
            "smoothed_loss": smooth_curve(curves["iteration_loss"])}
    return {"runs": runs, "epochs": LENET_EPOCHS[quick], "training_images": len(data.y_train),
            "text_settings": [setting_label(*s) for s in TEXT_BATCH_SIZES_AND_RATES],
            "exercise_settings": [setting_label(*s) for s in EXERCISE_SETTINGS]}


def draw_loss_panel(axes: Any, runs: dict, labels: list[str], key: str, title: str) -> None:
    """One panel: `key` (a per-epoch list, or the smoothed per-iteration loss on a logarithmic
    axis, so that 300 steps and 4,500 fit side by side) for each run in labels."""
    for label in labels:
        values = runs[label][key]
        axes.plot(np.arange(1, len(values) + 1), values, label=label)
    if key == "smoothed_loss":
        axes.set_xscale("log")
    axes.set_xlabel("iteration" if key == "smoothed_loss" else "epoch")
    axes.set_ylabel(key.replace("_", " "))
    axes.set_title(title)
    axes.legend(fontsize="small")


def draw_batch_sizes(results: dict, figure: Any) -> None:
    runs, text, exercise = results["runs"], results["text_settings"], results["exercise_settings"]
    panels = [(text, "train_loss", "batch size with lr in proportion: loss per epoch"),
              (text, "smoothed_loss", "the same runs: loss per iteration (exercise 7.1)"),
              (exercise, "train_loss", "batch doubled vs lr halved (exercise 7.2)"),
              (list(runs), "val_accuracy", "validation accuracy per epoch")]
    for index, (labels, key, title) in enumerate(panels, start=1):
        draw_loss_panel(figure.add_subplot(2, 2, index), runs, labels, key, title)


def headline_batch_sizes(results: dict) -> list[str]:
    lines = [f"LeNet, plain SGD, {results['epochs']} epochs on {results['training_images']} "
             f"MNIST images; final validation loss / accuracy, test accuracy:"]
    for label, run in results["runs"].items():
        lines.append(f"  {label:<24} {len(run['iteration_loss']):>5} steps  val loss "
                     f"{run['val_loss'][-1]:.4f}  val acc {run['val_accuracy'][-1]:.4f}  "
                     f"test acc {run['test_accuracy']:.4f}")
    return lines


# --- the 5-layer MLP compared across optimizers or initializations (text 004) -----------------

def train_mlp(model: nn.Module, optimizer: Any, data: Splits, quick: bool, seed: int) -> dict:
    """Train with batches of 128 for about the text's number of iterations, in whole epochs (the
    text draws each batch at random; here each epoch shuffles the training images)."""
    per_epoch = math.ceil(len(data.y_train) / MLP_BATCH_SIZE)
    epochs = max(1, round(MLP_ITERATIONS[quick] / per_epoch))
    curves = train_classifier(model, optimizer, data, epochs, MLP_BATCH_SIZE, seed)
    return {**curves, "iterations_per_epoch": per_epoch,
            "smoothed_loss": smooth_curve(curves["iteration_loss"])}


def compare_mlps(builders: dict[str, Callable[[], tuple[nn.Module, Any]]], quick: bool,
                 seed: int) -> dict:
    """Train one MLP per entry of `builders` (label -> () -> (model, optimizer)), each after
    mg.manual_seed(seed), on the same splits and batches."""
    data = mnist_splits(seed, quick)
    runs = {}
    for label, build in builders.items():
        mg.manual_seed(seed)
        model, optimizer = build()
        runs[label] = train_mlp(model, optimizer, data, quick, seed)
    return {"runs": runs, "training_images": len(data.y_train), "batch_size": MLP_BATCH_SIZE}


def draw_mlp_comparison(results: dict, figure: Any, loss_limit: float) -> None:
    """The text's figure (smoothed loss per iteration, a marker every 100 iterations, y from 0
    to `loss_limit`) and the validation accuracy after each epoch."""
    losses, accuracies = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    for (label, run), marker in zip(results["runs"].items(), "oxsD"):
        losses.plot(run["smoothed_loss"], marker=marker, markevery=100, label=label)
        epoch_ends = run["iterations_per_epoch"] * np.arange(1, len(run["val_accuracy"]) + 1)
        accuracies.plot(epoch_ends, run["val_accuracy"], marker=marker, markevery=10,
                        label=label)
    losses.set(xlabel="iterations", ylabel="loss (smoothed)", ylim=(0, loss_limit))
    accuracies.set(xlabel="iterations", ylabel="validation accuracy", ylim=(0, 1))
    for axes in (losses, accuracies):
        axes.legend()


def headline_mlp_comparison(results: dict) -> list[str]:
    """Per model: the loss of the first batch (the text prints it as 'SGD:2.348...'), the final
    loss (the last epoch's mean), the final validation accuracy and the test accuracy."""
    lines = [f"5-layer MLP, batch {results['batch_size']}, {results['training_images']} MNIST "
             f"images; first-batch loss, final loss (last epoch's mean), accuracy:"]
    for label, run in results["runs"].items():
        lines.append(f"  {label}:{run['iteration_loss'][0]:.4f} -> {run['train_loss'][-1]:.4f} "
                     f"after {len(run['iteration_loss'])} iterations  val acc "
                     f"{run['val_accuracy'][-1]:.4f}  test acc {run['test_accuracy']:.4f}")
    return lines


def compute_optimizers(quick: bool, seed: int) -> dict:
    """The MLP (He init, ReLU) trained by each of text 004's optimizers, from the same weights."""
    def builder(make_optimizer: Callable) -> Callable[[], tuple[nn.Module, Any]]:
        def build() -> tuple[nn.Module, Any]:
            model = multilayer_net()
            return model, make_optimizer(model.parameters())
        return build
    return compare_mlps({name: builder(make) for name, make in TEXT_OPTIMIZERS.items()},
                        quick, seed)


EXPERIMENTS = [
    Experiment("batch-size-vs-lr",
               "LeNet on MNIST with SGD: batch sizes 16-256 with the learning rate in "
               "proportion, and a doubled batch against a halved rate",
               "text 000 (section 7.2, exercises 7.1 and 7.2)", compute_batch_sizes,
               draw_batch_sizes, headline_batch_sizes, figsize=(12.0, 9.0)),
    Experiment("optimizers-on-mnist",
               "SGD, Momentum, AdaGrad and Adam training a 5-layer ReLU MLP on MNIST: "
               "smoothed loss per iteration and validation accuracy",
               "text 004 (DLFS 6.1.8)", compute_optimizers,
               lambda results, figure: draw_mlp_comparison(results, figure, 1.0),
               headline_mlp_comparison, figsize=(12.0, 4.5)),
]
