"""The main job's recipes, shared by `minigrad train` and `minigrad profile`: the datasets, the
optimizers by name, and the network (the source texts' LeNet-style conv net or an MLP).
"""
from __future__ import annotations

import argparse

from . import nn, optim
from .data import load_digits_sample, load_mnist_sample

OPTIMIZERS = {
    "adam": lambda p, a: optim.Adam(p, lr=a.lr, weight_decay=a.weight_decay),
    "adamw": lambda p, a: optim.AdamW(p, lr=a.lr, weight_decay=a.weight_decay),
    "sgd": lambda p, a: optim.SGD(p, lr=a.lr, weight_decay=a.weight_decay),
    "momentum": lambda p, a: optim.SGD(p, lr=a.lr, momentum=0.9, weight_decay=a.weight_decay),
    "nesterov": lambda p, a: optim.SGD(p, lr=a.lr, momentum=0.9, nesterov=True,
                                       weight_decay=a.weight_decay),
    "rmsprop": lambda p, a: optim.RMSprop(p, lr=a.lr, weight_decay=a.weight_decay),
    "adagrad": lambda p, a: optim.Adagrad(p, lr=a.lr, weight_decay=a.weight_decay),
    "adadelta": lambda p, a: optim.Adadelta(p, lr=a.lr, weight_decay=a.weight_decay),
}


DATASETS = {"mnist": (load_mnist_sample, 28), "digits": (load_digits_sample, 8)}


def build_model(config: dict) -> nn.Module:
    """The source texts' LeNet-style conv net, or an MLP, with optional BatchNorm and dropout,
    for the chosen dataset's square images (28 or 8 pixels a side)."""
    side = DATASETS[config.get("data", "mnist")][1]
    norm2d = (lambda: [nn.BatchNorm2d(20)]) if config["batchnorm"] else (lambda: [])
    drop = [nn.Dropout(config["dropout"])] if config["dropout"] > 0 else []
    if config["model"] == "lenet":  # two 2x2 poolings: 20 maps of side / 4
        return nn.Sequential(nn.Conv2d(1, 20, 5, padding=2), *norm2d(), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(20, 20, 5, padding=2), *norm2d(),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), *drop,
                             nn.Linear(20 * (side // 4) ** 2, 10))
    norm1d = [nn.BatchNorm1d(256)] if config["batchnorm"] else []
    return nn.Sequential(nn.Flatten(), nn.Linear(side * side, 256), *norm1d, nn.ReLU(), *drop,
                         nn.Linear(256, 10))


def add_model_arguments(command: argparse.ArgumentParser) -> None:
    """The options that choose the network and its optimizer: the same for `minigrad train` and
    `minigrad profile` (--data picks the image size, 28 for mnist, 8 for digits)."""
    command.add_argument("--data", choices=sorted(DATASETS), default="mnist",
                         help="mnist: the 5,000-image MNIST sample; digits: scikit-learn's 8x8 "
                              "digits")
    command.add_argument("--model", choices=["lenet", "mlp"], default="lenet")
    command.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=True)
    command.add_argument("--dropout", type=float, default=0.0)
    command.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    command.add_argument("--lr", type=float, default=1e-3)
    command.add_argument("--weight-decay", type=float, default=0.0)
    command.add_argument("--batch-size", type=int, default=64)
