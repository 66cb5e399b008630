"""Optimizer paths on two-variable functions, and gradient descent in one variable.

    optimizer-paths       text 004 (DLFS 6.1): x^2/20 + y^2 from (-7, 2), 30 steps per optimizer
    optimizer-surfaces    text 000 (7.3): the weighted sphere, the text's 3-D function, a saddle
    gradient-descent-1d   text 003 (3.1.1): x^2 and x cos(cx) with convergent, slow and
                          divergent learning rates

Every path is a 2-element Parameter moved by an optimizer from gradients computed by autograd:
the texts' own formulas (epsilon outside the root in DLFS, inside in text 000) come from
minigrad.optim.textbook, the rest from minigrad.optim. Nothing here is random: the seed is unused.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

import numpy as np

import minigrad as mg
from minigrad.optim import textbook

from ._base import Experiment


def label(make: partial) -> str:
    """'textbook.Momentum(lr=0.1)' or 'optim.SGD(lr=0.95)'."""
    where = "textbook" if make.func.__module__ == textbook.__name__ else "optim"
    options = ", ".join(f"{key}={value}" for key, value in make.keywords.items())
    return f"{where}.{make.func.__name__}({options})"


def descend(f: Callable, make: partial, start: tuple, steps: int,
            box: float = math.inf) -> np.ndarray:
    """The points an optimizer visits minimizing f(x, y) from `start` (start included), stopping
    early once a coordinate leaves [-box, box] (the path has escaped the plotted region)."""
    point = mg.nn.Parameter(mg.tensor(np.array(start, dtype=np.float64)))
    optimizer = make([point])
    path = [point.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        f(point[0], point[1]).backward()
        optimizer.step()
        path.append(point.detach().numpy().copy())
        if np.abs(path[-1]).max() > box:
            break
    return np.array(path)


def surface(f: Callable, xs: np.ndarray, ys: np.ndarray) -> dict:
    """f on the grid xs x ys (rows follow ys), evaluated through the same Tensor code."""
    x, y = np.meshgrid(xs, ys)
    return {"x": xs, "y": ys, "z": f(mg.tensor(x), mg.tensor(y)).numpy()}


def run_all(f: Callable, setups: dict, start: tuple, box: float = math.inf) -> dict:
    """Every optimizer's path, its values f along it, and its description."""
    runs = {}
    for name, (make, steps) in setups.items():
        path = descend(f, make, start, steps, box)
        values = f(mg.tensor(path[:, 0]), mg.tensor(path[:, 1])).numpy()
        runs[name] = {"optimizer": label(make), "path": path, "f": values,
                      "final": path[-1], "escaped": bool(np.abs(path[-1]).max() > box)}
    return runs


# ------------------------------------------------------------------ optimizer-paths (text 004)
def elongated_bowl(x, y):
    """f(x, y) = x^2 / 20 + y^2: steep in y, flat in x, minimum at (0, 0)."""
    return x ** 2 / 20 + y ** 2


# PyTorch's eps=1e-6 makes AdaDelta's first steps about 1e-3 long: 30 steps barely move
ADADELTA = partial(mg.optim.Adadelta, lr=1.0, rho=0.9, eps=1e-2)
BOWL_START, BOWL_STEPS = (-7.0, 2.0), 30
BOWL_SETUPS = {  # the text's four rates, and sensible ones for the three it does not run
    "SGD": partial(mg.optim.SGD, lr=0.95),
    "Momentum": partial(textbook.Momentum, lr=0.1, momentum=0.9),
    "Nesterov": partial(textbook.Nesterov, lr=0.1, momentum=0.9),
    "AdaGrad": partial(textbook.AdaGrad, lr=1.5),
    "RMSprop": partial(textbook.RMSprop, lr=0.1, decay_rate=0.99),
    "AdaDelta": ADADELTA,
    "Adam": partial(textbook.Adam, lr=0.3),
}


def compute_paths(quick: bool, seed: int) -> dict:
    side = 81 if quick else 201
    runs = run_all(elongated_bowl, {name: (make, BOWL_STEPS) for name, make in
                                    BOWL_SETUPS.items()}, BOWL_START)
    grid = surface(elongated_bowl, np.linspace(-10, 10, side), np.linspace(-5, 5, side))
    return {"function": "x^2/20 + y^2", "start": BOWL_START, "steps": BOWL_STEPS,
            "runs": runs, "grid": grid}


def draw_paths(results: dict, figure) -> None:
    grid, runs = results["grid"], results["runs"]
    for index, (name, run) in enumerate(runs.items(), start=1):
        axes = figure.add_subplot(2, 4, index)
        axes.contour(grid["x"], grid["y"], grid["z"], levels=np.linspace(0.5, 7, 10),
                     linewidths=0.7)
        path = np.asarray(run["path"])
        axes.plot(path[:, 0], path[:, 1], "o-", color="red", markersize=2.5, linewidth=1)
        axes.plot(0, 0, "+", color="black")
        axes.set(xlim=(-10, 10), ylim=(-5, 5), title=name, xlabel="x", ylabel="y")
    axes = figure.add_subplot(2, 4, 8)
    for name, run in runs.items():
        axes.semilogy(run["f"], label=name)
    axes.set(xlabel="step", ylabel="f(x, y)", title="f along each path")
    axes.legend(fontsize=6)


def headline_paths(results: dict) -> list[str]:
    lines = [f"f(x, y) = {results['function']} from {tuple(results['start'])}, "
             f"{results['steps']} steps (f = {elongated_bowl(*results['start']):.4f} at start)"]
    for name, run in results["runs"].items():
        x, y = run["final"]
        lines.append(f"{name:9s} {run['optimizer']:44s} final ({x:+.4f}, {y:+.4f})  "
                     f"f = {run['f'][-1]:.3g}")
    return lines


# ------------------------------------------------------------- optimizer-surfaces (text 000)
SPHERE_WEIGHTS, SPHERE_START = (0.2, 2.0), (3.0, 4.0)


def sphere(x, y):
    """The text's sphere w^T x^2 with w = (0.2, 2): 0.2 x^2 + 2 y^2, minimum at (0, 0)."""
    return SPHERE_WEIGHTS[0] * x ** 2 + SPHERE_WEIGHTS[1] * y ** 2


def cubic_bowl(x, y):
    """The text's 3-D function x^2 + y^2 + y^3 + x y: a local minimum at (0, 0) (the text calls
    it a saddle point), a saddle at (1/4, -1/2), unbounded below as y -> -inf."""
    return x ** 2 + y ** 2 + y ** 3 + x * y


def saddle(x, y):
    """x^2 - y^2: a saddle point at (0, 0), downhill along y."""
    return x ** 2 - y ** 2


SPHERE_SETUPS = {  # the text's rates and epochs (eps inside the root), then Nesterov, AdaDelta
    "SGD": (partial(mg.optim.SGD, lr=0.2), 20),
    "AdaGrad": (partial(textbook.AdaGradEpsInside, lr=0.5, eps=1e-7), 50),
    "RMSprop": (partial(textbook.RMSpropEpsInside, lr=0.1, decay_rate=0.9, eps=1e-7), 50),
    "Momentum": (partial(textbook.Momentum, lr=0.01, momentum=0.9), 50),
    "Adam": (partial(textbook.AdamEpsInside, lr=0.2, betas=(0.9, 0.99), eps=1e-7), 20),
    "Nesterov": (partial(textbook.Nesterov, lr=0.01, momentum=0.9), 50),
    "AdaDelta": (ADADELTA, 50),
}
SURFACE_STEPS, SURFACE_BOX = 150, 3.0  # the text's 150 steps; its plot spans [-3, 3]
SURFACE_SETUPS = {name: (make, SURFACE_STEPS) for name, make in {  # the text's 3-D rates
    "SGD": partial(mg.optim.SGD, lr=0.01),
    "AdaGrad": partial(textbook.AdaGradEpsInside, lr=0.5, eps=1e-7),
    "RMSprop": partial(textbook.RMSpropEpsInside, lr=0.1, decay_rate=0.9, eps=1e-7),
    "Momentum": partial(textbook.Momentum, lr=0.01, momentum=0.9),
    "Adam": partial(textbook.AdamEpsInside, lr=0.1, betas=(0.9, 0.99), eps=1e-7),
    "Nesterov": partial(textbook.Nesterov, lr=0.01, momentum=0.9),
    "AdaDelta": ADADELTA}.items()}
CUBIC_START, SADDLE_STARTS = (2.0, 3.0), {"on_ridge": (1.0, 0.0), "off_ridge": (1.0, 1e-3)}


def compute_surfaces(quick: bool, seed: int) -> dict:
    side = 41 if quick else 81
    axis = np.linspace(-SURFACE_BOX, SURFACE_BOX, side)
    return {
        "sphere": {"start": SPHERE_START, "runs": run_all(sphere, SPHERE_SETUPS, SPHERE_START),
                   "grid": surface(sphere, np.linspace(-2, 5, side), np.linspace(-2, 5, side))},
        "cubic": {"start": CUBIC_START, "grid": surface(cubic_bowl, axis, axis),
                  "runs": run_all(cubic_bowl, SURFACE_SETUPS, CUBIC_START, SURFACE_BOX)},
        "saddle": {"grid": surface(saddle, axis, axis), "starts": SADDLE_STARTS,
                   **{where: run_all(saddle, SURFACE_SETUPS, start, SURFACE_BOX)
                      for where, start in SADDLE_STARTS.items()}},
    }


def draw_surfaces(results: dict, figure) -> None:
    sphere_part = results["sphere"]
    axes = figure.add_subplot(1, 3, 1)
    grid = sphere_part["grid"]
    axes.contourf(grid["x"], grid["y"], grid["z"], levels=12, cmap="RdPu_r")
    for name, run in sphere_part["runs"].items():
        path = np.asarray(run["path"])
        axes.plot(path[:, 0], path[:, 1], "o-", markersize=2, linewidth=1, label=name)
    axes.set(title="sphere 0.2 x1^2 + 2 x2^2", xlabel="x1", ylabel="x2")
    axes.legend(fontsize=6)
    for index, (title, grid, runs) in enumerate([
            ("x1^2 + x2^2 + x2^3 + x1 x2 (text 000)", results["cubic"]["grid"],
             results["cubic"]["runs"]),
            ("saddle x1^2 - x2^2, from (1, 0.001)", results["saddle"]["grid"],
             results["saddle"]["off_ridge"])], start=2):
        axes = figure.add_subplot(1, 3, index, projection="3d")
        axes.plot_surface(*np.meshgrid(grid["x"], grid["y"]), np.asarray(grid["z"]),
                          color="#f19ec2", alpha=0.4)
        for name, run in runs.items():
            path = np.asarray(run["path"])
            axes.plot(path[:, 0], path[:, 1], run["f"], linewidth=1.5, label=name)
        axes.set(title=title, xlabel="x1", ylabel="x2")
        axes.legend(fontsize=6)


def escapes(runs: dict) -> tuple[list[str], list[str]]:
    """'Name (step k)' for the paths that left the plotted box, 'Name (x, y)' for the rest."""
    left = [f"{name} (step {len(run['path']) - 1})" for name, run in runs.items()
            if run["escaped"]]
    stayed = [f"{name} ({run['final'][0]:+.3f}, {run['final'][1]:+.3f})"
              for name, run in runs.items() if not run["escaped"]]
    return left, stayed


def headline_surfaces(results: dict) -> list[str]:
    lines = [f"sphere 0.2 x1^2 + 2 x2^2 from {tuple(results['sphere']['start'])}:"]
    for name, run in results["sphere"]["runs"].items():
        x, y = run["final"]
        lines.append(f"  {name:9s} {len(run['path']) - 1:3d} steps  final ({x:+.4f}, {y:+.4f})"
                     f"  f = {run['f'][-1]:.3g}")
    sections = [("x1^2 + x2^2 + x2^3 + x1 x2 from (2, 3)", results["cubic"]["runs"])] + [
        (f"saddle x1^2 - x2^2 from {tuple(results['saddle']['starts'][where])}",
         results["saddle"][where]) for where in SADDLE_STARTS]
    for title, runs in sections:
        left, stayed = escapes(runs)
        lines.append(f"{title}, {SURFACE_STEPS} steps:")
        lines.append(f"  escaped |x| > {SURFACE_BOX:g}: {', '.join(left) or 'none'}")
        lines.append(f"  stayed: {', '.join(stayed) or 'none'}")
    return lines


# -------------------------------------------------------------- gradient-descent-1d (text 003)
WAVE_C = 0.15 * math.pi


def square(x):
    """f(x) = x^2, minimum at 0."""
    return x ** 2


def wave(x):
    """f(x) = x cos(c x), c = 0.15 pi: infinitely many local minima."""
    return x * mg.cos(WAVE_C * x)


START_1D, STEPS_1D, PATIENCE_1D, NEAR = 10.0, 10, 1000, 1e-3
CASES_1D = [  # (function, its name, learning rate, what the text shows with it)
    (square, "x^2", 0.2, "convergent"), (square, "x^2", 0.05, "slow"),
    (square, "x^2", 1.1, "divergent"), (wave, "x cos(0.15 pi x)", 2.0, "a poor local minimum")]


def gradient_descent(f: Callable, lr: float, steps: int) -> list[float]:
    """x_0 = 10, x_{t+1} = x_t - lr f'(x_t) by optim.SGD: the iterates x_0 ... x_steps."""
    x = mg.nn.Parameter(mg.tensor([START_1D], dtype=mg.float64))
    optimizer = mg.optim.SGD([x], lr=lr)
    iterates = [START_1D]
    for _ in range(steps):
        optimizer.zero_grad()
        f(x).sum().backward()
        optimizer.step()
        iterates.append(x.item())
    return iterates


def steps_to_minimum(f: Callable, lr: float) -> int | None:
    """The first step with |x| < 1e-3 (the minimum of x^2 is 0), None within PATIENCE_1D."""
    iterates = np.abs(gradient_descent(f, lr, PATIENCE_1D))
    near = np.flatnonzero(iterates < NEAR)
    return int(near[0]) if near.size else None


def compute_1d(quick: bool, seed: int) -> dict:
    runs = []
    for f, name, lr, shows in CASES_1D:
        iterates = gradient_descent(f, lr, STEPS_1D)
        reach = max(abs(min(iterates)), abs(max(iterates)))
        curve_x = np.linspace(-reach, reach, 201 if quick else 1001)
        runs.append({"function": name, "lr": lr, "shows": shows, "iterates": iterates,
                     "f": f(mg.tensor(iterates)).numpy(), "curve_x": curve_x,
                     "curve_f": f(mg.tensor(curve_x)).numpy(),
                     "steps_to_minimum": steps_to_minimum(f, lr) if f is square else None})
    return {"start": START_1D, "steps": STEPS_1D, "runs": runs}


def draw_1d(results: dict, figure) -> None:
    for index, run in enumerate(results["runs"], start=1):
        axes = figure.add_subplot(1, len(results["runs"]), index)
        axes.plot(run["curve_x"], run["curve_f"], "-")
        axes.plot(run["iterates"], run["f"], "-o", markersize=3)
        axes.set_title(f"{run['function']}, lr {run['lr']}\n({run['shows']})", fontsize=10)
        axes.set(xlabel="x", ylabel="f(x)")


def headline_1d(results: dict) -> list[str]:
    lines = []
    for run in results["runs"]:
        reach = run["steps_to_minimum"]
        note = "" if run["function"] != "x^2" else \
            f"  (|x| < {NEAR:g} after {reach} steps)" if reach is not None else \
            f"  (never |x| < {NEAR:g} in {PATIENCE_1D} steps)"
        lines.append(f"f(x) = {run['function']}, lr {run['lr']} ({run['shows']}): "
                     f"epoch {results['steps']},x:{run['iterates'][-1]:f}{note}")
    return lines


EXPERIMENTS = [
    Experiment("optimizer-paths", "SGD, Momentum, Nesterov, AdaGrad, RMSprop, AdaDelta and Adam "
               "on x^2/20 + y^2 from (-7, 2), 30 steps each", "text 004 (DLFS 6.1)",
               compute_paths, draw_paths, headline_paths, figsize=(16.0, 7.0)),
    Experiment("optimizer-surfaces", "the optimizers on the text's sphere (contour), its 3-D "
               "function and the saddle x^2 - y^2 (surfaces)", "text 000 (7.3)",
               compute_surfaces, draw_surfaces, headline_surfaces, figsize=(17.0, 5.5)),
    Experiment("gradient-descent-1d", "gradient descent on x^2 with convergent, slow and "
               "divergent learning rates, and on x cos(cx)", "text 003 (3.1.1)",
               compute_1d, draw_1d, headline_1d, figsize=(16.0, 3.8)),
]
