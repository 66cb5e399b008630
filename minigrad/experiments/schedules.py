"""Text 001's learning-rate schedules as curves, and what each does to one short training run.

    lr-schedules   piecewise constant, inverse time, exponential, natural exponential, cosine,
                   gradual warmup, triangular cyclic and one-cycle, built from
                   minigrad.optim.lr_scheduler and stepped after every batch; each trains the
                   same MLP on the MNIST sample from the same initial weights

The text's formulas, with T the run's number of steps and t = 0, 1, ..., T - 1:
    piecewise      lr0 * 0.1 at T/2 and again at 3T/4           MultiStepLR
    inverse time   lr0 / (1 + beta t)                            InverseTimeLR
    exponential    lr0 beta^t                                    ExponentialLR
    natural exp    lr0 exp(-beta t)                              NaturalExpLR
    cosine         lr0 (1 + cos(pi t / T)) / 2                   CosineAnnealingLR
    warmup         lr0 (t + 1) / T' for t < T', then lr0         LinearLR
    triangular     lr_min + (lr0 - lr_min) max(0, 1 - |t/D - 2m + 1|), m = floor(1 + t/(2D))
                                                                 CyclicLR
    one-cycle      up from lr0/25 to lr0 (cosine) in 0.3 T, then down to lr0/25e4   OneCycleLR
(exponential and natural exponential are the same family; they are given different rates so
both curves show.)
"""
from __future__ import annotations

import math

import numpy as np

import minigrad as mg
from minigrad.optim import lr_scheduler

from ._base import Experiment
from ._mnist import mnist_splits, train_classifier

LR0, MOMENTUM, BATCH_SIZE, HIDDEN = 0.05, 0.9, 50, 100


def schedule_settings(total_steps: int) -> dict[str, dict]:
    """Each schedule's parameters for a run of `total_steps` steps (the tests recompute the
    curves from these by the closed forms)."""
    T = total_steps
    return {
        "constant": {},
        "piecewise": {"milestones": [T // 2, 3 * T // 4], "gamma": 0.1},
        "inverse time": {"beta": 10 / T},
        "exponential": {"beta": 0.1 ** (1 / T)},
        "natural exp": {"beta": 5 / T},
        "cosine": {"T": T, "lr_min": 0.0},
        "warmup": {"warmup_steps": max(1, T // 5)},
        "triangular": {"lr_min": LR0 / 10, "half_cycle": max(1, T // 8)},
        "one-cycle": {"total_steps": T, "pct_start": 0.3, "div_factor": 25.0,
                      "final_div_factor": 1e4},
    }


def make_scheduler(name: str, optimizer, settings: dict):
    """The lr_scheduler object for schedule `name` (None for the constant baseline)."""
    s = settings
    if name == "constant":
        return None
    if name == "piecewise":
        return lr_scheduler.MultiStepLR(optimizer, s["milestones"], gamma=s["gamma"])
    if name == "inverse time":
        return lr_scheduler.InverseTimeLR(optimizer, gamma=s["beta"])
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=s["beta"])
    if name == "natural exp":
        return lr_scheduler.NaturalExpLR(optimizer, gamma=s["beta"])
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=s["T"], eta_min=s["lr_min"])
    if name == "warmup":  # factor 1/T' at t = 0 rising to 1 at t = T' - 1: (t + 1) / T'
        warm = s["warmup_steps"]
        return lr_scheduler.LinearLR(optimizer, start_factor=1 / warm, end_factor=1.0,
                                     total_iters=max(1, warm - 1))
    if name == "triangular":
        return lr_scheduler.CyclicLR(optimizer, base_lr=s["lr_min"], max_lr=LR0,
                                     step_size_up=s["half_cycle"], mode="triangular",
                                     cycle_momentum=False)
    if name == "one-cycle":
        return lr_scheduler.OneCycleLR(optimizer, max_lr=LR0, total_steps=s["total_steps"],
                                       pct_start=s["pct_start"], div_factor=s["div_factor"],
                                       final_div_factor=s["final_div_factor"],
                                       cycle_momentum=False)
    raise ValueError(f"unknown schedule {name!r}")


def sgd(params) -> mg.optim.SGD:
    return mg.optim.SGD(params, lr=LR0, momentum=MOMENTUM)


def lr_curve(name: str, settings: dict, total_steps: int) -> np.ndarray:
    """The learning rate each of the steps 0 .. T-1 uses, read from the optimizer before the
    step as training does, on a one-parameter optimizer."""
    optimizer = sgd([mg.nn.Parameter(mg.zeros(1))])
    scheduler = make_scheduler(name, optimizer, settings)
    rates = []
    for _ in range(total_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            scheduler.step()
    return np.array(rates)


def mlp() -> mg.nn.Module:
    return mg.nn.Sequential(mg.nn.Linear(784, HIDDEN), mg.nn.ReLU(), mg.nn.Linear(HIDDEN, 10))


def compute(quick: bool, seed: int) -> dict:
    data = mnist_splits(seed, quick)
    epochs = 2 if quick else 5
    total_steps = epochs * math.ceil(len(data.x_train._array) / BATCH_SIZE)
    settings = schedule_settings(total_steps)
    mg.manual_seed(seed)
    initial = mlp().state_dict()  # every schedule starts from the same weights
    runs = {}
    for name, setting in settings.items():
        model = mlp()
        model.load_state_dict(initial)
        optimizer = sgd(model.parameters())
        curves = train_classifier(model, optimizer, data, epochs, BATCH_SIZE, seed,
                                  make_scheduler(name, optimizer, setting),
                                  scheduler_per_batch=True)
        runs[name] = {"settings": setting, "lr": lr_curve(name, setting, total_steps), **curves}
    return {"lr0": LR0, "momentum": MOMENTUM, "epochs": epochs, "batch_size": BATCH_SIZE,
            "total_steps": total_steps, "training_images": len(data.x_train._array),
            "runs": runs}


def draw(results: dict, figure) -> None:
    runs = results["runs"]
    axes = figure.add_subplot(1, 3, 1)
    for name, run in runs.items():
        axes.plot(run["lr"], label=name, linewidth=1.2)
    axes.set(xlabel="step", ylabel="learning rate", title="schedules (text 001)")
    axes.legend(fontsize=7)
    axes = figure.add_subplot(1, 3, 2)
    window = 10  # a moving average: the per-batch loss is noisy
    for name, run in runs.items():
        loss = np.convolve(run["iteration_loss"], np.ones(window) / window, mode="valid")
        axes.plot(loss, label=name, linewidth=1)
    axes.set(xlabel="step", ylabel=f"training loss ({window}-step mean)", yscale="log",
             title="training loss")
    axes = figure.add_subplot(1, 3, 3)
    names = list(runs)
    accuracy = [runs[name]["val_accuracy"][-1] for name in names]
    axes.barh(names, accuracy, color="#4c72b0")
    for row, name in enumerate(names):
        axes.text(accuracy[row], row, f" {accuracy[row]:.3f} (loss "
                  f"{runs[name]['val_loss'][-1]:.3f})", va="center", fontsize=7)
    axes.set(xlim=(min(accuracy) - 0.05, 1.0), xlabel="validation accuracy",
             title="after the run")
    axes.invert_yaxis()


def headline(results: dict) -> list[str]:
    runs = results["runs"]
    lines = [f"MLP 784-{HIDDEN}-10, SGD lr0 {results['lr0']} momentum {results['momentum']}, "
             f"{results['epochs']} epochs x batch {results['batch_size']} on "
             f"{results['training_images']} MNIST images = {results['total_steps']} steps"]
    for name, run in runs.items():
        rates = run["lr"]
        lines.append(f"{name:12s} lr {rates[0]:.4f} -> {rates[-1]:.2e} (max {max(rates):.4f})  "
                     f"val accuracy {run['val_accuracy'][-1]:.3f}  val loss "
                     f"{run['val_loss'][-1]:.3f}")
    best = max(runs, key=lambda name: runs[name]["val_accuracy"][-1])
    lines.append(f"best on validation: {best}; its test accuracy "
                 f"{runs[best]['test_accuracy']:.3f}")
    return lines


EXPERIMENTS = [
    Experiment("lr-schedules", "text 001's learning-rate schedules as curves and their effect "
               "on one MLP training run on MNIST", "text 001 (learning-rate decay, warmup, "
               "cyclic)", compute, draw, headline, figsize=(17.0, 5.0)),
]
