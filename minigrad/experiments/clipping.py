"""Gradient clipping by value and by norm (texts 001 and 002) and annealed gradient noise
(text 002) on a deep plain ReLU net whose gradients explode.

    by value: g <- max(min(g, c), -c)                        every element in [-c, c]
    by norm:  g <- g * min(1, b / ||g||)                     the total norm at most b
    noise:    g <- g + N(0, sigma_t^2),  sigma_t^2 = eta / (1 + t)^gamma

The net is a 20-layer ReLU MLP without normalization, its weights drawn a little larger than
He's (std INIT_GAIN / sqrt(fan_in), INIT_GAIN > sqrt(2)), so activations and gradients grow layer
by layer, trained by plain SGD on the MNIST sample. Each variant starts from the same weights
and sees the same batches.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from .. import manual_seed, nn, optim
from ..data import DataLoader, TensorDataset
from ._base import Experiment
from ._mnist import mnist_splits

DEPTH, WIDTH = 20, 64
INIT_GAIN = 1.7          # std = 1.7 / sqrt(fan_in); He's is sqrt(2) = 1.41
LEARNING_RATE = 0.05
BATCH_SIZE = 64
CLIP_VALUE = 0.05        # c of clip_grad_value_
MAX_NORM = 20.0          # b of clip_grad_norm_: above the trained net's norms, below the start's
NOISE_ETA, NOISE_GAMMA = 0.01, 0.55
VARIANTS = ("none", "value", "norm", "noise", "norm+noise")


def layer_sizes() -> list[tuple[int, int]]:
    """(fan_in, fan_out) of each Linear layer: 784 -> WIDTH -> ... -> WIDTH -> 10."""
    sizes = [784] + [WIDTH] * (DEPTH - 1) + [10]
    return list(zip(sizes[:-1], sizes[1:]))


def parameter_count() -> int:
    """n, the number of weights and biases (and so of gradient elements)."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in layer_sizes())


def deep_relu_net() -> nn.Sequential:
    """DEPTH Linear layers with ReLU between, weights N(0, (INIT_GAIN / sqrt(fan_in))^2),
    biases 0."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in layer_sizes():
        linear = nn.Linear(fan_in, fan_out)
        nn.init.normal_(linear.weight, 0.0, INIT_GAIN / math.sqrt(fan_in))
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def batches(data: Any, steps: int, seed: int) -> Iterator[tuple[Any, Any]]:
    """`steps` shuffled training batches (by `seed`), epoch after epoch."""
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=BATCH_SIZE,
                        shuffle=True, drop_last=True, generator=np.random.default_rng(seed))
    served = 0
    while True:
        for batch in loader:
            if served == steps:
                return
            served += 1
            yield batch


def total_norm(parameters: list) -> float:
    """||g|| over all parameters' gradients concatenated."""
    return math.sqrt(sum(float((p.grad * p.grad).sum()) for p in parameters))


def largest_element(parameters: list) -> float:
    """max |g_i| over every gradient element."""
    return max(float(p.grad.abs().max()) for p in parameters)


def clip(variant: str, parameters: list) -> bool:
    """Clip the gradients as `variant` says; whether anything was clipped."""
    if variant == "value":
        clipped = largest_element(parameters) > CLIP_VALUE
        nn.utils.clip_grad_value_(parameters, CLIP_VALUE)
        return clipped
    if variant.startswith("norm"):
        return float(nn.utils.clip_grad_norm_(parameters, MAX_NORM)) > MAX_NORM
    return False


def train(variant: str, data: Any, steps: int, seed: int) -> dict:
    """SGD on the deep net with `variant`'s clipping and noise; per step the loss, the gradient
    norm before and after clipping, the largest element after, whether it was clipped and, with
    noise, the measured variance of the noise added. Stops at the first non-finite loss."""
    manual_seed(seed)  # the same initial weights for every variant
    model = deep_relu_net()
    parameters = list(model.parameters())
    optimizer: Any = optim.SGD(parameters, lr=LEARNING_RATE)
    if variant.endswith("noise"):
        optimizer = optim.GradientNoise(optimizer, eta=NOISE_ETA, gamma=NOISE_GAMMA, seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    record: dict[str, list] = {"loss": [], "grad_norm": [], "grad_norm_after": [],
                               "largest_after": [], "clipped": [], "noise_variance": []}
    for inputs, targets in batches(data, steps, seed):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        if not math.isfinite(loss.item()):
            break
        loss.backward()
        record["loss"].append(loss.item())
        record["grad_norm"].append(total_norm(parameters))
        record["clipped"].append(clip(variant, parameters))
        record["grad_norm_after"].append(total_norm(parameters))
        record["largest_after"].append(largest_element(parameters))
        if variant.endswith("noise"):
            record["noise_variance"].append(step_measuring_noise(optimizer, parameters))
        else:
            optimizer.step()
    return record


def step_measuring_noise(optimizer: Any, parameters: list) -> float:
    """optimizer.step(), and the mean square of what it added to the gradients: the noise's
    measured variance (SGD leaves .grad as it was, so the noise is all that changed it)."""
    clean = [p.grad.numpy().copy() for p in parameters]
    optimizer.step()
    added = np.concatenate([(p.grad.numpy() - g).ravel() for p, g in zip(parameters, clean)])
    return float(np.mean(added ** 2))


def compare_clipping(quick: bool, seed: int) -> dict:
    """Every variant trained for the same steps from the same start; the losses, norms, counts."""
    data = mnist_splits(seed, quick)
    steps = 50 if quick else 400
    with np.errstate(over="ignore", invalid="ignore"):  # the unclipped runs overflow
        runs = {variant: train(variant, data, steps, seed) for variant in VARIANTS}
    noise_steps = np.arange(steps)
    return {"variants": list(VARIANTS), "steps": steps, "runs": runs,
            "gradient_elements": parameter_count(),
            "noise_formula": NOISE_ETA / (1 + noise_steps) ** NOISE_GAMMA,
            "settings": {"depth": DEPTH, "width": WIDTH, "init_gain": INIT_GAIN,
                         "lr": LEARNING_RATE, "batch_size": BATCH_SIZE,
                         "clip_value": CLIP_VALUE, "max_norm": MAX_NORM,
                         "eta": NOISE_ETA, "gamma": NOISE_GAMMA},
            "summary": {variant: summarize(run, steps) for variant, run in runs.items()}}


def summarize(run: dict, steps: int) -> dict:
    """Final loss (mean of the last 10 steps; inf if the run diverged), the step it diverged at,
    the largest gradient norm seen and how many steps were clipped."""
    losses = run["loss"]
    diverged = len(losses) < steps
    return {"final_loss": math.inf if diverged else float(np.mean(losses[-10:])),
            "diverged_at": len(losses) if diverged else None,
            "first_loss": losses[0], "max_loss": max(losses),
            "max_grad_norm": max(run["grad_norm"]), "clipped_steps": sum(run["clipped"])}


def draw(results: dict, figure: Any) -> None:
    loss_axes = figure.add_subplot(1, 3, 1)
    norm_axes = figure.add_subplot(1, 3, 2)
    for variant in results["variants"]:
        run = results["runs"][variant]
        for axes, values in ((loss_axes, run["loss"]), (norm_axes, run["grad_norm"])):
            line, = axes.plot(values, label=variant, lw=1)
            if results["summary"][variant]["diverged_at"] is not None:  # mark where it ended
                axes.plot(len(values) - 1, values[-1], "x", color=line.get_color(), ms=8)
    titles = ((loss_axes, "training loss"), (norm_axes, "gradient norm (before clipping)"))
    for axes, title in titles:
        axes.set_yscale("log")
        axes.set_xlabel("step")
        axes.set_title(title)
        axes.legend(fontsize=7)
    norm_axes.axhline(results["settings"]["max_norm"], color="gray", ls=":", lw=1)
    noise_axes = figure.add_subplot(1, 3, 3)
    noise_axes.plot(results["runs"]["norm+noise"]["noise_variance"], ".", ms=3, label="measured")
    noise_axes.plot(results["noise_formula"], label="eta / (1 + t)^gamma")
    noise_axes.set_xlabel("step t")
    noise_axes.set_title("variance of the gradient noise")
    noise_axes.legend(fontsize=7)


def headline(results: dict) -> list[str]:
    s = results["settings"]
    lines = [f"{s['depth']}-layer ReLU MLP, width {s['width']}, init std {s['init_gain']}"
             f"/sqrt(fan_in), SGD lr {s['lr']}, {results['steps']} steps (MNIST sample); "
             f"clip value {s['clip_value']}, max norm {s['max_norm']}, noise eta {s['eta']} "
             f"gamma {s['gamma']}",
             f"clipping by value bounds the total norm only by c sqrt(n) = "
             f"{s['clip_value'] * math.sqrt(results['gradient_elements']):.1f} "
             f"(n = {results['gradient_elements']} gradient elements)"]
    for variant, summary in results["summary"].items():
        final = (f"diverged at step {summary['diverged_at']}" if summary["diverged_at"]
                 is not None else f"final loss {summary['final_loss']:.3f}")
        lines.append(f"{variant:>10}: {final}, first loss {summary['first_loss']:.2f}, max loss "
                     f"{summary['max_loss']:.3g}, max gradient norm "
                     f"{summary['max_grad_norm']:.3g}, clipped {summary['clipped_steps']} steps")
    return lines


EXPERIMENTS = [
    Experiment("gradient-clipping",
               "a deep ReLU net's exploding gradients: no clipping, by value, by norm, noise",
               "texts 001 and 002 (gradient clipping, gradient noise; MNIST sample)",
               compare_clipping, draw, headline, figsize=(15.0, 4.2)),
]
