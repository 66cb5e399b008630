"""MNIST for the experiments: the offline 5,000-image sample, split and standardized once, and
one way to train a classifier on it and keep its curves.

    data = mnist_splits(seed, quick)          # train / validation / test tensors
    curves = train_classifier(model, optimizer, data, epochs, batch_size, seed)

The validation images are held out of the training images (10%, by `seed`); models and
hyperparameters are compared on them, the test images are scored once, at the end. With the
environment variable MINIGRAD_MNIST_DIR naming a directory that holds the four standard MNIST
files (minigrad.data.load_mnist), the experiments train on the full 60,000 images instead
(--quick still on QUICK_TRAINING_IMAGES of them); the full runs then take far longer.
"""
from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np

from ..creation import tensor
from ..data import DataLoader, TensorDataset
from ..data.datasets import load_mnist, load_mnist_sample
from ..nn import CrossEntropyLoss
from ..nn.module import Module
from ..train import evaluate, fit

QUICK_TRAINING_IMAGES = 1000  # --quick trains on this many of the 4,000 training images
FULL_SET = "MINIGRAD_MNIST_DIR"  # the directory of the full MNIST's IDX files, when set


class Splits(NamedTuple):
    """Flattened, standardized images (N, 784) float32 and their labels, as tensors."""

    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any


def load_images() -> tuple:
    """The full MNIST from $MINIGRAD_MNIST_DIR when it is set, else the offline sample."""
    directory = os.environ.get(FULL_SET)
    return load_mnist(directory) if directory else load_mnist_sample()


def mnist_splits(seed: int, quick: bool) -> Splits:
    """The sample's 4,000 training images less a seeded 10% validation split (quick: the first
    QUICK_TRAINING_IMAGES of the rest), and its 1,000 test images, all standardized with the
    training part's mean and standard deviation (the full set's 60,000 and 10,000 likewise)."""
    (images, labels), (test_images, test_labels) = load_images()
    order = np.random.default_rng(seed).permutation(len(images))
    held_out = len(images) // 10
    train, val = order[held_out:], order[:held_out]
    if quick:
        train = train[:QUICK_TRAINING_IMAGES]
    flat = images.reshape(len(images), -1).astype(np.float32)
    test_flat = test_images.reshape(len(test_images), -1).astype(np.float32)
    mean, std = flat[train].mean(), flat[train].std()

    def standardized(x: np.ndarray) -> Any:
        return tensor((x - mean) / std)
    return Splits(standardized(flat[train]), tensor(labels[train]), standardized(flat[val]),
                  tensor(labels[val]), standardized(test_flat), tensor(test_labels))


def train_classifier(model: Module, optimizer: Any, data: Splits, epochs: int,
                     batch_size: int, seed: int, scheduler: Any = None,
                     scheduler_per_batch: bool = False) -> dict:
    """Train with cross-entropy, shuffling by `seed` (the scheduler stepped after each epoch,
    or after each batch); the per-iteration training loss, the per-epoch training and
    validation loss and accuracy, and the final test accuracy."""
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=batch_size,
                        shuffle=True, generator=np.random.default_rng(seed))
    val_loader = DataLoader(TensorDataset(data.x_val, data.y_val), batch_size=500)
    history = fit(model, optimizer, CrossEntropyLoss(), loader, epochs, val_loader, scheduler,
                  scheduler_per_batch, restore_best=False, progress=False)
    test = evaluate(model, DataLoader(TensorDataset(data.x_test, data.y_test), batch_size=500),
                    CrossEntropyLoss())
    epochs_seen = history.epochs
    return {"iteration_loss": history.iterations,
            "train_loss": [e["train_loss"] for e in epochs_seen],
            "train_accuracy": [e["train_accuracy"] for e in epochs_seen],
            "val_loss": [e["val_loss"] for e in epochs_seen],
            "val_accuracy": [e["val_accuracy"] for e in epochs_seen],
            "test_accuracy": test["accuracy"]}
