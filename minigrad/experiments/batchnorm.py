"""BatchNorm's experiments: what it does to a hidden layer's input over training (text 000,
7.5.1.3), its running statistics in train and eval mode (text 000, 7.5.1.4), BatchNorm against
none across weight-init scales (text 004, after DLFS 6.3.2) and the conv net on MNIST with and
without BatchNorm2d (text 000, 7.5.1.5).

Momentum: text 000 writes moving = 0.9 * moving + 0.1 * batch (its "momentum" 0.9 weighs the
old value); PyTorch's, used here, weighs the new one: running = (1 - m) running + m batch with
m = 0.1 = 1 - 0.9. PyTorch's eps 1e-5 (the text's 1e-7) and unbiased running variance.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg
from minigrad import nn, optim

from ._base import Experiment
from ._mnist import mnist_splits, train_classifier

TEXT_HIDDEN = (200, 400, 300, 2)  # text 000's MLP [100, 200, 400, 300, 2, 2]
WATCHED = 3                       # it prints z[3]: the 2-unit layer's input to its activation
TEXT_GAMMA, TEXT_BETA = (1, 2, 3, 5), (3, 2, 1, 2)  # text 000's model3, per hidden layer
RUNNING_STEPS = 50                                  # its forward passes for the running stats


def normal_linear(n_in: int, n_out: int, std: float) -> nn.Linear:
    """A Linear layer with weights N(0, std^2) and zero biases (the texts' fixed-std init)."""
    linear = nn.Linear(n_in, n_out)
    nn.init.normal_(linear.weight, 0.0, std)
    nn.init.zeros_(linear.bias)
    return linear


def mlp(sizes: tuple[int, ...], activation: type, batch_norm: dict | None,
        init_std: float) -> tuple[nn.Sequential, list[nn.Module]]:
    """Linear [-> BatchNorm1d(**batch_norm)] -> activation per hidden layer, then a Linear;
    the model and, per hidden layer, the module whose output the activation takes (the text's
    z[i])."""
    layers: list[nn.Module] = []
    pre_activations: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(normal_linear(n_in, n_out, init_std))
        if batch_norm is not None:
            layers.append(nn.BatchNorm1d(n_out, **batch_norm))
        pre_activations.append(layers[-1])
        layers.append(activation())
    layers.append(normal_linear(sizes[-2], sizes[-1], init_std))
    return nn.Sequential(*layers), pre_activations


def record_forwards(module: nn.Module) -> list[tuple[bool, np.ndarray, np.ndarray]]:
    """(training?, input, output) of every forward of the module, as arrays."""
    calls: list[tuple[bool, np.ndarray, np.ndarray]] = []

    def hook(layer: nn.Module, args: Any, output: Any) -> None:
        calls.append((layer.training, args[0].detach().numpy().copy(),
                      output.detach().numpy().copy()))
    module.register_forward_hook(hook)
    return calls


def training_outputs(calls: list[tuple[bool, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """The outputs of the training-mode forwards (validation passes are left out)."""
    return [output for training, _, output in calls if training]


# ----------------------------------------------------------------- internal covariate shift
def histograms(batches: list[np.ndarray], moments: list[int], bins: int = 30) -> dict:
    """Histograms of unit 0's values in the batches at the given steps, on shared bin edges."""
    chosen = [batches[step][:, 0] for step in moments]
    edges = np.histogram_bin_edges(np.concatenate(chosen), bins=bins)
    return {"steps": moments, "edges": edges,
            "counts": [np.histogram(values, edges)[0] for values in chosen]}


def shift_run(batch_norm: bool, data: Any, epochs: int, seed: int) -> dict:
    """Train text 000's tanh MLP (N(0, 1) init; BatchNorm with the text's fixed gamma = 1 and
    beta = 0, i.e. affine=False) on MNIST, watching the 2-unit layer's input to tanh."""
    mg.manual_seed(seed)
    sizes = (data.x_train.shape[1], *TEXT_HIDDEN, 10)
    model, pre_activations = mlp(sizes, nn.Tanh, {"affine": False} if batch_norm else None, 1.0)
    watched_calls = record_forwards(pre_activations[WATCHED])
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    linear_calls = record_forwards(linears[WATCHED])
    curves = train_classifier(model, optim.Adam(model.parameters(), lr=1e-3), data, epochs,
                              batch_size=64, seed=seed)
    watched, linear = training_outputs(watched_calls), training_outputs(linear_calls)
    steps = len(watched)
    moments = sorted({0, steps // 3, 2 * steps // 3, steps - 1})
    return {"mean": np.array([z.mean(axis=0) for z in watched]),
            "std": np.array([z.std(axis=0) for z in watched]),
            "linear_mean": np.array([z.mean(axis=0) for z in linear]),
            "linear_std": np.array([z.std(axis=0) for z in linear]),
            "histograms": histograms(watched, moments),
            "val_accuracy": curves["val_accuracy"], "test_accuracy": curves["test_accuracy"]}


def compute_covariate_shift(quick: bool, seed: int) -> dict:
    data = mnist_splits(seed, quick)
    epochs = 2 if quick else 8
    return {"epochs": epochs, "runs": {"without BN": shift_run(False, data, epochs, seed),
                                       "with BN": shift_run(True, data, epochs, seed)}}


# ------------------------------------------------------------------------ running statistics
def closed_form(batch_mean: np.ndarray, batch_var: np.ndarray, momentum: float,
                steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The running statistics after k = 0..steps updates with the same batch, from
    running_mean = 0 and running_var = 1: with a = (1 - m)^k,
    mean_k = (1 - a) batch_mean,  var_k = a * 1 + (1 - a) batch_var (unbiased)."""
    kept = (1 - momentum) ** np.arange(steps + 1)[:, None]
    return (1 - kept) * batch_mean, kept + (1 - kept) * batch_var


def compute_running_stats(quick: bool, seed: int) -> dict:
    """Text 000's model3 (gamma and beta per layer) forwarded RUNNING_STEPS times in train mode
    on one batch of 200 N(0, 1) samples (no training, as the text), each time also in eval
    mode, and finally on the text's test batch of 5; in float64."""
    mg.manual_seed(seed)
    model, norms = mlp((100, *TEXT_HIDDEN, 2), nn.Tanh, {}, 1.0)
    model.double()
    for norm, gamma, beta in zip(norms, TEXT_GAMMA, TEXT_BETA):
        nn.init.constant_(norm.weight, gamma)
        nn.init.constant_(norm.bias, beta)
    watched = norms[WATCHED]
    calls = record_forwards(watched)
    batch = mg.randn(200, 100, dtype=mg.float64)
    running: list[tuple[np.ndarray, np.ndarray]] = []
    train_eval_gap = []
    with mg.no_grad():
        for _ in range(RUNNING_STEPS):
            running.append((watched.running_mean.numpy().copy(),
                            watched.running_var.numpy().copy()))
            model.train()
            model(batch)
            model.eval()
            model(batch)
            train_eval_gap.append(np.abs(calls[-2][2] - calls[-1][2]).max())
        running.append((watched.running_mean.numpy().copy(), watched.running_var.numpy().copy()))
        model(mg.randn(5, 100, dtype=mg.float64))  # the text's test batch of 5, in eval mode
    inputs = calls[0][1]
    batch_mean, batch_var = inputs.mean(axis=0), inputs.var(axis=0, ddof=1)
    expected_mean, expected_var = closed_form(batch_mean, batch_var, watched.momentum,
                                               RUNNING_STEPS)
    return {"momentum": watched.momentum, "eps": watched.eps,
            "batch_mean": batch_mean, "batch_var": batch_var,
            "running_mean": np.array([mean for mean, _ in running]),
            "running_var": np.array([var for _, var in running]),
            "closed_form_mean": expected_mean, "closed_form_var": expected_var,
            "train_eval_gap": np.array(train_eval_gap),
            "eval_input": calls[-1][1], "eval_output": calls[-1][2],
            "weight": watched.weight.detach().numpy(), "bias": watched.bias.detach().numpy()}


# --------------------------------------------------------------------------- init scales
def compute_init_scales(quick: bool, seed: int) -> dict:
    """DLFS 6.3.2's grid: a 5 x 100 ReLU MLP, weights N(0, std^2) for 16 std on a log scale from
    1 to 1e-4, trained with SGD(lr=0.01), batch 100, on 1,000 training images, with
    BatchNorm1d after each hidden Linear and without."""
    data = mnist_splits(seed, quick=True)  # its 1,000 training images, as the text
    scales = np.logspace(0, -4, 5 if quick else 16)
    epochs = 6 if quick else 20
    runs: dict[str, list[dict]] = {"with BN": [], "without BN": []}
    for std in scales:
        for label, batch_norm in (("with BN", {}), ("without BN", None)):
            mg.manual_seed(seed)
            model, _ = mlp((data.x_train.shape[1], *[100] * 5, 10), nn.ReLU, batch_norm, std)
            curves = train_classifier(model, optim.SGD(model.parameters(), lr=0.01), data,
                                      epochs, batch_size=100, seed=seed)
            runs[label].append({key: curves[key] for key in
                                ("train_loss", "train_accuracy", "val_accuracy",
                                 "test_accuracy")})
    return {"scales": scales, "epochs": epochs, "runs": runs}


# ------------------------------------------------------------------------------- conv net
class MultiConvLayerNet(nn.Module):
    """Text 000's conv net: conv 5x5 (20) [-> BatchNorm2d] -> ReLU -> max-pool 2, twice, then
    Linear(980, 10); flattened 784-pixel images are reshaped to 1 x 28 x 28."""

    def __init__(self, batch_norm: bool) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        for in_channels in (1, 20):
            blocks.append(nn.Conv2d(in_channels, 20, kernel_size=5, stride=1, padding=2))
            if batch_norm:
                blocks.append(nn.BatchNorm2d(20))
            blocks += [nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2)]
        self.features = nn.Sequential(*blocks, nn.Flatten())
        self.fc = nn.Linear(980, 10)

    def forward(self, x: Any) -> Any:
        return self.fc(self.features(x.reshape(-1, 1, 28, 28)))


def compute_conv(quick: bool, seed: int) -> dict:
    """Both nets trained as the text: Adam(lr=0.01), batch 64, 5 epochs (quick: 1)."""
    data = mnist_splits(seed, quick)
    epochs = 1 if quick else 5
    runs = {}
    for label, batch_norm in (("without BN", False), ("with BN", True)):
        mg.manual_seed(seed)
        model = MultiConvLayerNet(batch_norm)
        runs[label] = train_classifier(model, optim.Adam(model.parameters(), lr=0.01), data,
                                       epochs, batch_size=64, seed=seed)
    return {"epochs": epochs, "runs": runs}


# ------------------------------------------------------------------------ figures, headlines
def _vector(values: Any) -> str:
    return "[" + ", ".join(f"{value:.4g}" for value in np.ravel(values)) + "]"


def draw_covariate_shift(results: dict, figure: Any) -> None:
    runs = results["runs"]
    for column, key in enumerate(("mean", "std")):
        axes = figure.add_subplot(1, 4, column + 1)
        for label, run in runs.items():
            axes.plot(np.asarray(run[key]), label=[f"{label}, unit {u}" for u in (0, 1)])
        axes.plot(np.asarray(runs["with BN"][f"linear_{key}"]), ":",
                  label=["BN's input, unit 0", "BN's input, unit 1"])
        axes.set(title=f"layer-{WATCHED} input: batch {key}", xlabel="step")
        axes.legend(fontsize=6)
    for column, (label, run) in enumerate(runs.items()):
        axes = figure.add_subplot(1, 4, column + 3)
        edges = np.asarray(run["histograms"]["edges"])
        for step, counts in zip(run["histograms"]["steps"], run["histograms"]["counts"]):
            axes.stairs(counts, edges, label=f"step {step + 1}")
        axes.set(title=f"{label}: unit 0's values", xlabel="z")
        axes.legend(fontsize=6)


def headline_covariate_shift(results: dict) -> list[str]:
    lines = []
    for label, run in results["runs"].items():
        mean, std = np.asarray(run["mean"]), np.asarray(run["std"])
        lines.append(f"{label}: layer-{WATCHED} input mean {_vector(mean[0])} std "
                     f"{_vector(std[0])} at step 1 -> mean {_vector(mean[-1])} std "
                     f"{_vector(std[-1])} at step {len(mean)}; test accuracy "
                     f"{run['test_accuracy']:.4f}")
    linear_std = np.asarray(results["runs"]["with BN"]["linear_std"])
    lines.append(f"with BN, its input (the Linear's output) std {_vector(linear_std[0])} -> "
                 f"{_vector(linear_std[-1])}: the drift BatchNorm takes away")
    return lines


def draw_running_stats(results: dict, figure: Any) -> None:
    for column, key in enumerate(("mean", "var")):
        axes = figure.add_subplot(1, 3, column + 1)
        axes.plot(np.asarray(results[f"running_{key}"]), "o", markersize=3,
                  label=["running, unit 0", "running, unit 1"])
        axes.plot(np.asarray(results[f"closed_form_{key}"]), "-", label="closed form")
        axes.set(title=f"running_{key} of BN {WATCHED}", xlabel="steps k")
        axes.legend(fontsize=7)
    axes = figure.add_subplot(1, 3, 3)
    gap = np.asarray(results["train_eval_gap"])
    axes.semilogy(np.arange(1, len(gap) + 1), gap)
    axes.set(title="max |train - eval output|, same batch", xlabel="steps k")


def headline_running_stats(results: dict) -> list[str]:
    steps = len(results["running_mean"]) - 1
    lines = [f"momentum {results['momentum']} (PyTorch's; the text's 0.9 = 1 - momentum), "
             f"batch mean {_vector(results['batch_mean'])}, var (unbiased) "
             f"{_vector(results['batch_var'])}"]
    for key in ("mean", "var"):
        measured, expected = (np.asarray(results[f"{kind}_{key}"]) for kind in
                              ("running", "closed_form"))
        lines.append(f"running_{key} after {steps} steps {_vector(measured[-1])}, closed form "
                     f"{_vector(expected[-1])}, max |difference| over the steps "
                     f"{np.abs(measured - expected).max():.2e}")
    gap = results["train_eval_gap"]
    lines.append(f"max |train - eval output| on the same batch: {gap[0]:.4g} after 1 step, "
                 f"{gap[-1]:.4g} after {steps}")
    return lines


def draw_init_scales(results: dict, figure: Any) -> None:
    scales, runs = results["scales"], results["runs"]
    columns = int(np.ceil(np.sqrt(len(scales))))
    rows = int(np.ceil(len(scales) / columns))
    grid = figure.add_gridspec(rows, columns + 2)
    for index, std in enumerate(scales):
        axes = figure.add_subplot(grid[index // columns, index % columns])
        axes.plot(runs["with BN"][index]["train_accuracy"], label="with BN")
        axes.plot(runs["without BN"][index]["train_accuracy"], "--", label="without BN")
        axes.set_title(f"std {std:.2g}", fontsize=8)
        axes.set_ylim(0, 1)
        axes.tick_params(labelsize=6)
    axes.legend(fontsize=6)
    summary = figure.add_subplot(grid[:, columns:])
    for label, style in (("with BN", "o-"), ("without BN", "s--")):
        summary.semilogx(scales, [run["train_accuracy"][-1] for run in runs[label]], style,
                         label=label)
    summary.set(title="final training accuracy", xlabel="weight init std", ylim=(0, 1))
    summary.legend(fontsize=7)


def headline_init_scales(results: dict) -> list[str]:
    runs = results["runs"]
    return [f"std {std:.3e}: training accuracy with BN {bn['train_accuracy'][-1]:.3f}, "
            f"without {plain['train_accuracy'][-1]:.3f} (validation {bn['val_accuracy'][-1]:.3f}"
            f" / {plain['val_accuracy'][-1]:.3f})"
            for std, bn, plain in zip(results["scales"], runs["with BN"], runs["without BN"])]


def draw_conv(results: dict, figure: Any) -> None:
    panels = (("iteration_loss", "training loss", "step"), ("val_loss", "validation loss",
              "epoch"), ("val_accuracy", "validation accuracy", "epoch"))
    for column, (key, title, unit) in enumerate(panels):
        axes = figure.add_subplot(1, 3, column + 1)
        for label, run in results["runs"].items():
            x = np.arange(1, len(run[key]) + 1)
            axes.plot(x, run[key], "--" if label == "without BN" else "-", label=label)
        axes.set(title=title, xlabel=unit)
        axes.legend()


def headline_conv(results: dict) -> list[str]:
    return [f"{label}: final validation accuracy {run['val_accuracy'][-1]:.4f} "
            f"(loss {run['val_loss'][-1]:.4f}), test accuracy {run['test_accuracy']:.4f}"
            for label, run in results["runs"].items()]


EXPERIMENTS = [
    Experiment("batchnorm-covariate-shift", "a hidden layer's input (mean, std, histograms) over "
               "training on MNIST, with and without BatchNorm", "text 000 (7.5.1.3)",
               compute_covariate_shift, draw_covariate_shift, headline_covariate_shift,
               (16.0, 4.0)),
    Experiment("batchnorm-running-stats", "BatchNorm's running mean and variance against "
               "their closed form, and train vs eval outputs", "text 000 (7.5.1.4)",
               compute_running_stats, draw_running_stats, headline_running_stats, (13.0, 4.0)),
    Experiment("batchnorm-init-scales", "training accuracy with and without BatchNorm for 16 "
               "weight-init scales (quick: 5)", "text 004 (DLFS 6.3.2)", compute_init_scales,
               draw_init_scales, headline_init_scales, (14.0, 8.0)),
    Experiment("batchnorm-conv", "the conv net on MNIST with and without BatchNorm2d: loss "
               "and validation accuracy", "text 000 (7.5.1.5)", compute_conv, draw_conv,
               headline_conv, (13.0, 4.0)),
]
