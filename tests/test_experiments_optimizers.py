"""optimizer-paths, optimizer-surfaces, gradient-descent-1d and lr-schedules: the properties each
shows (paths converge, zig-zag, escape a saddle or stay; learning rates converge or diverge;
schedules follow their closed forms), the text's printed numbers, the JSON and the PNG."""
import json
import math

import numpy as np
import pytest

import minigrad.experiments as experiments
from minigrad.experiments import jsonable
from minigrad.experiments.optimizer_paths import CASES_1D, NEAR, WAVE_C

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("paths")
    return experiments.run("optimizer-paths", quick=True, out=out), out


@pytest.fixture(scope="module")
def surfaces():
    return experiments.run("optimizer-surfaces", quick=True)


@pytest.fixture(scope="module")
def descent():
    return experiments.run("gradient-descent-1d", quick=True)


@pytest.fixture(scope="module")
def schedules(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("schedules")
    return experiments.run("lr-schedules", quick=True, out=out), out


def sign_changes(values):
    return int(np.sum(np.diff(np.sign(values)) != 0))


def distance(point):
    return float(np.hypot(*point))


# ------------------------------------------------------------------------ optimizer-paths
def test_paths_write_the_figure_and_every_number_into_the_json(paths):
    results, out = paths
    assert (out / "optimizer-paths.png").read_bytes()[:8] == PNG
    saved = json.loads((out / "optimizer-paths.json").read_text())
    assert saved["results"] == jsonable(results)


def test_every_path_ends_nearer_the_minimum_than_it_started(paths):
    results, _ = paths
    assert len(results["runs"]) == 7
    for name, run in results["runs"].items():
        assert len(run["path"]) == results["steps"] + 1
        assert distance(run["final"]) < distance(results["start"]), name
        assert run["f"][-1] < run["f"][0] / 10, name


def test_sgd_zig_zags_in_y_while_momentum_and_adam_curve_in(paths):
    runs = paths[0]["runs"]
    steps = paths[0]["steps"]
    assert sign_changes(runs["SGD"]["path"][:, 1]) >= steps - 1  # y flips at (nearly) every step
    for name in ("Momentum", "Adam"):
        assert sign_changes(runs[name]["path"][:, 1]) <= 5, name
        assert runs[name]["f"][-1] < runs[name]["f"][0] / 50, name


def bowl_gradient(x, y):
    return np.array([x / 10, 2 * y])


def test_sgd_and_momentum_paths_are_the_texts_recurrences(paths):
    """SGD p -= lr g and DLFS's Momentum v = 0.9 v - lr g, p += v, written out in NumPy."""
    results, _ = paths
    p_sgd = p_momentum = np.array(results["start"])
    v = np.zeros(2)
    sgd, momentum = [p_sgd], [p_momentum]
    for _ in range(results["steps"]):
        p_sgd = p_sgd - 0.95 * bowl_gradient(*p_sgd)
        v = 0.9 * v - 0.1 * bowl_gradient(*p_momentum)
        p_momentum = p_momentum + v
        sgd.append(p_sgd)
        momentum.append(p_momentum)
    np.testing.assert_allclose(results["runs"]["SGD"]["path"], sgd, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(results["runs"]["Momentum"]["path"], momentum, rtol=1e-12,
                               atol=1e-14)


def test_paths_headline_has_every_optimizers_final_point(paths):
    results, _ = paths
    lines = experiments.lookup("optimizer-paths").headline(results)
    for name, run in results["runs"].items():
        assert any(line.startswith(name) and f"{run['final'][0]:+.4f}" in line for line in lines)


# --------------------------------------------------------------------- optimizer-surfaces
def test_on_the_sphere_every_optimizer_approaches_the_minimum(surfaces):
    sphere = surfaces["sphere"]
    for name, run in sphere["runs"].items():
        assert distance(run["final"]) < distance(sphere["start"]) / 5, name


def test_on_the_texts_3d_function_momentum_escapes_and_the_adaptive_ones_settle(surfaces):
    """The text: Momentum leaves (0, 0), the other optimizers it runs end there."""
    runs = surfaces["cubic"]["runs"]
    assert runs["Momentum"]["escaped"]
    for name in ("SGD", "AdaGrad", "RMSprop", "Adam"):
        assert not runs[name]["escaped"] and distance(runs[name]["final"]) < 0.2, name


def test_on_the_saddle_ridge_nothing_leaves_y_0(surfaces):
    for name, run in surfaces["saddle"]["on_ridge"].items():
        assert not run["escaped"] and np.all(np.asarray(run["path"])[:, 1] == 0), name
        assert abs(run["final"][0]) < 0.1, name  # x runs down to the saddle point


def test_just_off_the_ridge_adaptive_methods_escape_first_and_sgd_stays(surfaces):
    runs = surfaces["saddle"]["off_ridge"]
    assert not runs["SGD"]["escaped"] and abs(runs["SGD"]["final"][1]) < 0.1
    escape_step = {name: len(run["path"]) - 1 for name, run in runs.items() if run["escaped"]}
    for name in ("AdaGrad", "RMSprop", "Adam"):
        assert escape_step[name] < escape_step["Momentum"], name


# -------------------------------------------------------------------- gradient-descent-1d
def recurrence(gradient, lr, steps, x=10.0):
    iterates = [x]
    for _ in range(steps):
        x = x - lr * gradient(x)
        iterates.append(x)
    return np.array(iterates)


def square_gradient(x):
    return 2 * x


def wave_gradient(x):
    return math.cos(WAVE_C * x) - WAVE_C * x * math.sin(WAVE_C * x)


TEXT_PRINTS = ["epoch 10,x:0.060466", "epoch 10,x:3.486784", "epoch 10,x:61.917364",
               "epoch 10,x:-1.528166"]  # text 003's printed results, in its order


def test_the_iterates_are_the_recurrence_and_printed_as_the_text_prints(descent):
    lines = experiments.lookup("gradient-descent-1d").headline(descent)
    for run, (_, name, lr, _), line, printed in zip(descent["runs"], CASES_1D, lines,
                                                    TEXT_PRINTS):
        gradient = square_gradient if name == "x^2" else wave_gradient
        expected = recurrence(gradient, lr, descent["steps"])
        np.testing.assert_allclose(run["iterates"], expected, rtol=1e-12)
        assert f"epoch {descent['steps']},x:{expected[-1]:f}" in line
        assert printed in line


def test_divergent_rate_grows_and_convergent_reaches_the_minimum(descent):
    by_shows = {run["shows"]: run for run in descent["runs"]}
    divergent = np.abs(by_shows["divergent"]["iterates"])
    assert np.all(np.diff(divergent) > 0) and by_shows["divergent"]["steps_to_minimum"] is None
    for shows in ("convergent", "slow"):
        run = by_shows[shows]
        expected = np.flatnonzero(np.abs(recurrence(square_gradient, run["lr"], 1000)) < NEAR)[0]
        assert run["steps_to_minimum"] == expected
    assert by_shows["convergent"]["steps_to_minimum"] < by_shows["slow"]["steps_to_minimum"]


# --------------------------------------------------------------------------- lr-schedules
def closed_form(name, s, lr0, t):
    """Text 001's formulas (and PyTorch's one-cycle), written out at step t."""
    if name == "constant":
        return lr0
    if name == "piecewise":
        return lr0 * s["gamma"] ** sum(t >= m for m in s["milestones"])
    if name == "inverse time":
        return lr0 / (1 + s["beta"] * t)
    if name == "exponential":
        return lr0 * s["beta"] ** t
    if name == "natural exp":
        return lr0 * math.exp(-s["beta"] * t)
    if name == "cosine":
        return s["lr_min"] + (lr0 - s["lr_min"]) * (1 + math.cos(math.pi * t / s["T"])) / 2
    if name == "warmup":
        return lr0 * min(1.0, (t + 1) / s["warmup_steps"])
    if name == "triangular":
        half = s["half_cycle"]
        m = math.floor(1 + t / (2 * half))
        b = abs(t / half - 2 * m + 1)
        return s["lr_min"] + (lr0 - s["lr_min"]) * max(0.0, 1 - b)
    raise KeyError(name)


def one_cycle(s, lr0, t):
    low = lr0 / s["div_factor"]
    peak = s["pct_start"] * s["total_steps"] - 1

    def anneal(start, end, pct):
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2
    if t <= peak:
        return anneal(low, lr0, t / peak)
    return anneal(lr0, low / s["final_div_factor"], (t - peak) / (s["total_steps"] - 1 - peak))


def test_schedules_write_the_figure_and_every_number_into_the_json(schedules):
    results, out = schedules
    assert (out / "lr-schedules.png").read_bytes()[:8] == PNG
    saved = json.loads((out / "lr-schedules.json").read_text())
    assert saved["results"] == jsonable(results)


def test_every_schedule_follows_its_closed_form(schedules):
    results, _ = schedules
    lr0, total = results["lr0"], results["total_steps"]
    assert len(results["runs"]) == 9
    for name, run in results["runs"].items():
        assert len(run["lr"]) == total
        formula = (lambda t: one_cycle(run["settings"], lr0, t)) if name == "one-cycle" else \
            (lambda t: closed_form(name, run["settings"], lr0, t))
        for t in range(total):
            assert run["lr"][t] == pytest.approx(formula(t), rel=1e-9, abs=1e-12), (name, t)


def test_every_schedule_trains_and_the_best_is_reported_on_test(schedules):
    results, _ = schedules
    for name, run in results["runs"].items():
        assert run["val_accuracy"][-1] > 0.5, name  # 10 classes: chance is 0.1
        assert len(run["iteration_loss"]) == results["total_steps"]
    lines = experiments.lookup("lr-schedules").headline(results)
    assert lines[-1].startswith("best on validation:")
