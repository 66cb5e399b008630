"""Weight initialization: the activations of a deep net at initialization (texts 004 and 000)
and the training curves the initializations give on MNIST (text 004).

`init-histograms` sends 1,000 random inputs of 100 features through 5 layers of 100 units (no
biases) for every pair of weight initialization and activation, and keeps each layer's
histogram and standard deviation. `init-training` trains text 004's 5-layer ReLU MLP on the
MNIST sample from std 0.01, Xavier and He weights with plain SGD.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import minigrad as mg
from minigrad import nn

from ._base import Experiment
from .mnist_training import (compare_mlps, draw_mlp_comparison, he_normal_,
                             headline_mlp_comparison, multilayer_net)

# Text 004's four weight scales. Xavier is PyTorch's N(0, 2 / (fan_in + fan_out)) (text 000's
# formula), which for 100 -> 100 layers is text 004's N(0, 1 / n); He is N(0, 2 / fan_in).
INITS: dict[str, Callable[[Any], Any]] = {
    "std=1": lambda weight: nn.init.normal_(weight, 0.0, 1.0),
    "std=0.01": lambda weight: nn.init.normal_(weight, 0.0, 0.01),
    "Xavier": nn.init.xavier_normal_,
    "He": he_normal_,
}
ACTIVATIONS: dict[str, Callable[[Any], Any]] = {"sigmoid": mg.sigmoid, "tanh": mg.tanh,
                                                "ReLU": mg.relu}
# The histograms' ranges: the text's (0, 1) for sigmoid; tanh's whole range; for ReLU the
# positive values up to 3 (the zeros, about half of them, are counted apart).
HISTOGRAM_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "ReLU": (0.0, 3.0)}
BINS = 30  # the text's plt.hist(a.flatten(), 30, range=(0, 1))
SAMPLES, UNITS, LAYERS = 1000, 100, 5  # the text: 1,000 inputs, 5 hidden layers of 100 units
TRAINING_INITS = ("std=0.01", "Xavier", "He")  # text 004's MNIST comparison, all with ReLU


# --- activations at initialization ------------------------------------------------------------

def layer_activations(init_name: str, activation_name: str, inputs: Any) -> list[np.ndarray]:
    """Each layer's output z = activation(x W^T) for weights drawn by INITS[init_name]."""
    activation, outputs, x = ACTIVATIONS[activation_name], [], inputs
    with mg.no_grad():
        for _ in range(LAYERS):
            layer = nn.Linear(UNITS, UNITS, bias=False)
            INITS[init_name](layer.weight)
            x = activation(layer(x))
            outputs.append(x.numpy().ravel())
    return outputs


def histogram(values: np.ndarray, activation_name: str) -> tuple[np.ndarray, float]:
    """The BINS counts over the activation's range (values beyond it counted in the end bins)
    and, for ReLU, the share of exact zeros left out of the counts."""
    low, high = HISTOGRAM_RANGES[activation_name]
    zeros = 0.0
    if activation_name == "ReLU":
        zeros = float(np.mean(values == 0))
        values = values[values > 0]
    counts, _ = np.histogram(np.clip(values, low, high), BINS, range=(low, high))
    return counts, zeros


def compute_histograms(quick: bool, seed: int) -> dict:
    """Every (init, activation) pair from the same seeded inputs x ~ N(0, 1), shape (1000, 100);
    quick and full are the same (it takes well under a second)."""
    mg.manual_seed(seed)
    inputs = mg.randn(SAMPLES, UNITS)
    pairs = {}
    for init_name in INITS:
        for activation_name in ACTIVATIONS:
            outputs = layer_activations(init_name, activation_name, inputs)
            counts, zeros = zip(*(histogram(z, activation_name) for z in outputs))
            pairs[f"{init_name}, {activation_name}"] = {
                "init": init_name, "activation": activation_name,
                "std": [float(z.std()) for z in outputs], "counts": np.array(counts),
                "zero_fraction": list(zeros), "range": HISTOGRAM_RANGES[activation_name]}
    return {"pairs": pairs, "samples": SAMPLES, "units": UNITS, "bins": BINS}


def draw_histograms(results: dict, figure: Any) -> None:
    """The text's row of per-layer histograms, one row per (init, activation) pair."""
    rows = len(results["pairs"])
    for row, (label, pair) in enumerate(results["pairs"].items()):
        low, high = pair["range"]
        edges = np.linspace(low, high, results["bins"] + 1)
        for layer, counts in enumerate(pair["counts"]):
            axes = figure.add_subplot(rows, LAYERS, row * LAYERS + layer + 1)
            axes.stairs(counts, edges, fill=True)
            axes.set_yticks([])
            axes.set_xticks([low, (low + high) / 2, high])
            axes.tick_params(labelsize=6)
            title = f"{layer + 1}-layer, std {pair['std'][layer]:.2g}"
            if pair["activation"] == "ReLU":
                title += f", {pair['zero_fraction'][layer]:.0%} zeros"
            axes.set_title(title, fontsize=7)
            if layer == 0:
                axes.set_ylabel(label, fontsize=8)


def headline_histograms(results: dict) -> list[str]:
    lines = [f"{results['samples']} inputs, {LAYERS} layers of {results['units']} units; the "
             f"activations' std in layer 1 and layer {LAYERS}:"]
    for label, pair in results["pairs"].items():
        lines.append(f"  {label:<18} layer 1 {pair['std'][0]:.4g}   layer {LAYERS} "
                     f"{pair['std'][-1]:.4g}")
    return lines


# --- training from each initialization --------------------------------------------------------

def compute_training(quick: bool, seed: int) -> dict:
    """Text 004's 5-layer ReLU MLP from std 0.01, Xavier and He weights, plain SGD at lr 0.01."""
    def builder(init_name: str) -> Callable[[], tuple[nn.Module, Any]]:
        def build() -> tuple[nn.Module, Any]:
            model = multilayer_net(INITS[init_name])
            return model, mg.optim.SGD(model.parameters(), lr=0.01)
        return build
    return compare_mlps({name: builder(name) for name in TRAINING_INITS}, quick, seed)


EXPERIMENTS = [
    Experiment("init-histograms",
               "per-layer activation histograms of a 5-layer net for N(0, 1), N(0, 0.01^2), "
               "Xavier and He weights with sigmoid, tanh and ReLU",
               "texts 004 (DLFS 6.2.2-6.2.3) and 000 (section 7.4.2)", compute_histograms,
               draw_histograms, headline_histograms, figsize=(12.0, 18.0)),
    Experiment("init-training",
               "a 5-layer ReLU MLP trained on MNIST by SGD from std 0.01, Xavier and He "
               "weights: smoothed loss per iteration and validation accuracy",
               "text 004 (DLFS 6.2.4)", compute_training,
               lambda results, figure: draw_mlp_comparison(results, figure, 2.5),
               headline_mlp_comparison, figsize=(12.0, 4.5)),
]
