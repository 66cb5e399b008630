"""The `minigrad` command: train a digit classifier end to end, or evaluate a checkpoint.

    minigrad train [--data mnist|digits] [--model lenet|mlp] [--batchnorm/--no-batchnorm] [--dropout P]
                   [--optimizer adam|adamw|sgd|momentum|nesterov|rmsprop|adagrad|adadelta]
                   [--lr LR] [--schedule none|step|cosine|exponential|onecycle]
                   [--weight-decay WD] [--epochs N] [--batch-size B] [--patience P]
                   [--seed S] [--out DIR]
    minigrad evaluate DIR/model.ckpt
    minigrad profile [the model options] [--steps N] [--compare numpy] [--out DIR]
                     (profiler/command.py)
    minigrad roofline [--threads N] [--refresh] [--quick]
    minigrad experiment list
    minigrad experiment NAME [--quick] [--seed S] [--out DIR]   (minigrad/experiments/)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import experiments, manual_seed, nn, optim
from .creation import tensor
from .data import DataLoader, TensorDataset
from .profiler import command as profile_command, roofline as ceilings
from .recipes import DATASETS, OPTIMIZERS, add_model_arguments, build_model
from .serialization import CheckpointError, load, save
from .train import evaluate, fit

def _scheduler(name: str, optimizer: Any, epochs: int, steps_per_epoch: int) -> tuple:
    """(scheduler or None, whether it steps per batch)."""
    schedules = optim.lr_scheduler
    if name == "step":
        return schedules.StepLR(optimizer, step_size=max(epochs // 3, 1), gamma=0.3), False
    if name == "cosine":
        return schedules.CosineAnnealingLR(optimizer, T_max=epochs), False
    if name == "exponential":
        return schedules.ExponentialLR(optimizer, gamma=0.9), False
    if name == "onecycle":
        return schedules.OneCycleLR(optimizer, max_lr=optimizer.param_groups[0]["lr"] * 10,
                                    total_steps=epochs * steps_per_epoch), True
    return None, False


VALIDATION_FRACTION = 0.1


def validation_split(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training indices, validation indices): a seeded permutation of range(count), its first
    10% (at least one image) held out for validation, so the two never share an image."""
    order = np.random.default_rng(seed).permutation(count)
    held_out = max(1, round(VALIDATION_FRACTION * count))
    return np.sort(order[held_out:]), np.sort(order[:held_out])


def _standardized_data(name: str, seed: int) -> tuple:
    """The dataset as (train, validation, test) pairs of tensors: the validation images held out
    of the training images by `seed`, all three standardized with the training part's mean and
    std (neither the validation nor the test images influence the preprocessing)."""
    (x_images, y_labels), (x_test, y_test) = DATASETS[name][0]()
    train_index, val_index = validation_split(len(x_images), seed)
    x_train, y_train = x_images[train_index], y_labels[train_index]
    mean, std = x_train.mean(), x_train.std()

    def standardized(x: np.ndarray, y: np.ndarray) -> tuple:
        return tensor((x - mean) / std), tensor(y)
    return (standardized(x_train, y_train),
            standardized(x_images[val_index], y_labels[val_index]),
            standardized(x_test, y_test))


def _save_plot(history: dict, test_accuracy: float, path: Path) -> str:
    """Loss and accuracy curves: training and validation per epoch (the validation split chose
    the best epoch), and the test accuracy of the kept model as one point at that epoch."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plot skipped: matplotlib is not installed (pip install \"minigrad[plot]\")"
    epochs = [e["epoch"] for e in history["epochs"]]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(np.arange(1, len(history["iterations"]) + 1) / max(len(history["iterations"]) //
              max(len(epochs), 1), 1), history["iterations"], alpha=0.4, label="train (batch)")
    left.plot(epochs, [e["val_loss"] for e in history["epochs"]], "o-", label="validation")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    right.plot(epochs, [e["train_accuracy"] for e in history["epochs"]], "o-", label="train")
    right.plot(epochs, [e["val_accuracy"] for e in history["epochs"]], "o-", label="validation")
    right.plot([history["best_epoch"]], [test_accuracy], "k*", markersize=12,
               label="test (best epoch by validation)")
    right.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for axis in (left, right):
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return f"curves: {path}"


def train(args: argparse.Namespace) -> None:
    """Train on the training split, validate every epoch on the held-out split (early stopping
    and the best weights by validation loss), then evaluate the kept model once on the test set."""
    config = {key: value for key, value in vars(args).items() if key not in ("command", "func")}
    manual_seed(args.seed)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = _standardized_data(args.data,
                                                                             args.seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True, generator=np.random.default_rng(args.seed))
    val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=500)
    model = build_model(config)
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args)
    scheduler, per_batch = _scheduler(args.schedule, optimizer, args.epochs, len(loader))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    history = fit(model, optimizer, nn.CrossEntropyLoss(), loader, args.epochs, val_loader,
                  scheduler, per_batch, early_stopping_patience=args.patience,
                  progress=not args.no_progress)
    seconds = time.perf_counter() - started
    best = history.epochs[history.best_epoch - 1]
    test = evaluate(model, DataLoader(TensorDataset(x_test, y_test), batch_size=500),
                    nn.CrossEntropyLoss())
    save({"config": config, "model": model.state_dict(), "test_accuracy": test["accuracy"],
          "val_accuracy": best["val_accuracy"]}, out / "model.ckpt")
    record = {**history.as_dict(), "test_loss": test["loss"], "test_accuracy": test["accuracy"]}
    (out / "history.json").write_text(json.dumps(record, indent=1))
    print(f"best epoch {history.best_epoch} of {len(history.epochs)} by validation "
          f"(accuracy {best['val_accuracy']:.4f}); test accuracy {test['accuracy']:.4f}, "
          f"{seconds:.1f} s; saved {out / 'model.ckpt'}, {out / 'history.json'}")
    print(_save_plot(history.as_dict(), test["accuracy"], out / "curves.png"))


def evaluate_checkpoint(args: argparse.Namespace) -> None:
    checkpoint = load(args.checkpoint)
    if not isinstance(checkpoint, dict) or "config" not in checkpoint:
        raise CheckpointError(f"{args.checkpoint} is not a checkpoint written by `minigrad train`")
    model = build_model(checkpoint["config"])
    try:
        model.load_state_dict(checkpoint["model"])
    except RuntimeError as error:
        first = str(error).splitlines()[1].strip() if "\n" in str(error) else str(error)
        raise CheckpointError(f"{args.checkpoint} holds weights for another architecture "
                              f"than its config describes ({first})") from None
    config = checkpoint["config"]
    *_, (x_test, y_test) = _standardized_data(config.get("data", "mnist"), config.get("seed", 0))
    metrics = evaluate(model, DataLoader(TensorDataset(x_test, y_test), batch_size=500),
                       nn.CrossEntropyLoss())
    print(f"test accuracy {metrics['accuracy']:.4f}, loss {metrics['loss']:.4f}")


def roofline(args: argparse.Namespace) -> None:
    """Print the machine's ceilings (measured once per CPU and thread count, then cached)."""
    measured = ceilings.machine(args.threads, refresh=args.refresh, quick=args.quick)
    print(ceilings.describe(measured, ceilings.cache_path()))


def experiment(args: argparse.Namespace) -> None:
    """List the experiments, or run one: print its headline numbers, write NAME.json and
    NAME.png to --out."""
    if args.name == "list":
        for name, entry in experiments.catalog().items():
            print(f"{name:28s} {entry.summary}  [{entry.source}]")
        return
    messages: list[str] = []
    started = time.perf_counter()
    results = experiments.run(args.name, quick=args.quick, seed=args.seed, out=args.out,
                              messages=messages)
    for line in experiments.lookup(args.name).headline(results):
        print(line)
    print(f"{time.perf_counter() - started:.1f} s; results: {Path(args.out) / args.name}.json")
    for message in messages:
        print(message)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="minigrad", description="Train and evaluate digit "
                                   "classifiers on offline digit datasets.")
    commands = main.add_subparsers(dest="command", required=True)
    run = commands.add_parser("train", help="train a network and save it")
    add_model_arguments(run)
    run.add_argument("--schedule", choices=["none", "step", "cosine", "exponential", "onecycle"],
                     default="none")
    run.add_argument("--epochs", type=int, default=15)
    run.add_argument("--patience", type=int, default=5, help="stop after this many epochs "
                     "without a lower validation loss")
    run.add_argument("--seed", type=int, default=0, help="initial weights, shuffling and the "
                     "10%% validation split held out of the training images")
    run.add_argument("--out", default="runs/latest")
    run.add_argument("--no-progress", action="store_true", help="no progress bar or epoch lines")
    run.set_defaults(func=train)
    check = commands.add_parser("evaluate", help="report a saved model's test accuracy")
    check.add_argument("checkpoint")
    check.set_defaults(func=evaluate_checkpoint)
    profile_command.add_parser(commands)
    ceilings = commands.add_parser("roofline", help="measure and print the machine's peak "
                                   "FLOP/s and memory bandwidth")
    ceilings.add_argument("--threads", type=int, default=None,
                          help="thread count to measure under (default: the current one)")
    ceilings.add_argument("--refresh", action="store_true", help="measure again, ignoring "
                          "the cached figures")
    ceilings.add_argument("--quick", action="store_true", help="smaller products and arrays "
                          "(rougher figures, in a second or two)")
    ceilings.set_defaults(func=roofline)
    texts = commands.add_parser("experiment", help="run one of the source texts' experiments "
                                "(`minigrad experiment list` lists them)")
    texts.add_argument("name", help="an experiment's name, or `list`")
    texts.add_argument("--quick", action="store_true", help="a reduced version, in seconds")
    texts.add_argument("--seed", type=int, default=0)
    texts.add_argument("--out", default="runs/experiments")
    texts.set_defaults(func=experiment)
    return main


def main(argv: list[str] | None = None) -> int:
    arguments = parser()
    args = arguments.parse_args(argv)
    if args.command == "train" and (args.epochs < 1 or args.batch_size < 1 or
                                    not 0 <= args.dropout < 1 or args.lr <= 0 or
                                    args.patience < 0):
        arguments.error("--epochs and --batch-size must be >= 1, --dropout in [0, 1), --lr > 0, "
                        "--patience >= 0")
    if args.command == "roofline" and args.threads is not None and args.threads < 1:
        arguments.error("--threads must be >= 1")
    if args.command == "experiment" and args.seed < 0:
        arguments.error("--seed must be >= 0")
    try:
        args.func(args)
    except (OSError, CheckpointError, ValueError, KeyError) as error:  # OSError: str has the path
        message = str(error) if isinstance(error, OSError) or not error.args else error.args[0]
        print(f"minigrad: error: {message}", file=sys.stderr)
        return 1
    return 0
