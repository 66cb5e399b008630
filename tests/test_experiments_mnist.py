"""batch-size-vs-lr (text 000) and optimizers-on-mnist (text 004): the properties they show."""
import json
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.experiments as experiments
from minigrad.experiments import mnist_training


@pytest.fixture(scope="module")
def batch_sizes():
    return experiments.run("batch-size-vs-lr", quick=True, seed=0)


@pytest.fixture(scope="module")
def optimizers(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("optimizers-on-mnist")
    return experiments.run("optimizers-on-mnist", quick=True, seed=0, out=out), out


def test_batch_sizes_cover_the_text_and_its_exercise(batch_sizes):
    runs = batch_sizes["runs"]
    settings = {(run["batch_size"], run["lr"]) for run in runs.values()}
    assert settings == set(mnist_training.TEXT_BATCH_SIZES_AND_RATES) | set(
        mnist_training.EXERCISE_SETTINGS)
    assert set(batch_sizes["text_settings"]) | set(batch_sizes["exercise_settings"]) == set(runs)


def test_steps_per_epoch_follow_the_batch_size(batch_sizes):
    images, epochs = batch_sizes["training_images"], batch_sizes["epochs"]
    for run in batch_sizes["runs"].values():
        assert len(run["iteration_loss"]) == epochs * math.ceil(images / run["batch_size"])
        assert len(run["train_loss"]) == len(run["val_accuracy"]) == epochs
    runs = batch_sizes["runs"]
    doubled, base = runs["batch size 128, lr 0.04"], runs["batch size 64, lr 0.04"]
    assert len(doubled["iteration_loss"]) < len(base["iteration_loss"])


def test_every_setting_learns_something(batch_sizes):
    for run in batch_sizes["runs"].values():
        assert run["train_loss"][-1] < run["train_loss"][0]
        assert 0.0 <= run["test_accuracy"] <= 1.0


def test_batch_sizes_are_reproducible_for_a_seed(batch_sizes):
    again = mnist_training.compute_batch_sizes(True, 0)
    for label, run in batch_sizes["runs"].items():
        assert again["runs"][label]["iteration_loss"] == run["iteration_loss"]
        assert again["runs"][label]["val_accuracy"] == run["val_accuracy"]


def test_batch_size_headline_prints_the_final_validation_numbers(batch_sizes):
    lines = mnist_training.headline_batch_sizes(batch_sizes)
    for label, run in batch_sizes["runs"].items():
        line = next(line for line in lines if line.strip().startswith(label + " "))
        assert f"val acc {run['val_accuracy'][-1]:.4f}" in line
        assert f"test acc {run['test_accuracy']:.4f}" in line


def test_lenet_is_paddles():
    """paddle.vision.models.LeNet: 60 + 2,416 + 48,120 + 10,164 + 850 parameters."""
    model = mnist_training.lenet()
    assert sum(p.numel() for p in model.parameters()) == 61610
    assert tuple(model(mg.zeros(2, 1, 28, 28)).shape) == (2, 10)


def test_adaptive_and_momentum_optimizers_beat_plain_sgd(optimizers):
    runs = optimizers[0]["runs"]
    assert list(runs) == ["SGD", "Momentum", "AdaGrad", "Adam"]
    for name in ("Momentum", "AdaGrad", "Adam"):
        assert runs[name]["train_loss"][-1] < 0.5 * runs["SGD"]["train_loss"][-1]
        assert runs[name]["smoothed_loss"][-1] < runs["SGD"]["smoothed_loss"][-1]


def test_every_optimizer_starts_from_the_same_weights(optimizers):
    """The same seed before each model and the same batches: the first losses are equal."""
    first_losses = {run["iteration_loss"][0] for run in optimizers[0]["runs"].values()}
    assert len(first_losses) == 1


def test_optimizers_json_and_png_hold_the_results(optimizers):
    results, out = optimizers
    assert (out / "optimizers-on-mnist.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((out / "optimizers-on-mnist.json").read_text())
    assert saved["config"] == {"quick": True, "seed": 0}
    for name, run in results["runs"].items():
        assert saved["results"]["runs"][name]["iteration_loss"] == pytest.approx(
            run["iteration_loss"])
        assert saved["results"]["runs"][name]["test_accuracy"] == run["test_accuracy"]


def test_optimizer_headline_prints_the_text_form(optimizers):
    results, _ = optimizers
    lines = mnist_training.headline_mlp_comparison(results)
    for name, run in results["runs"].items():
        assert any(line.strip().startswith(f"{name}:{run['iteration_loss'][0]:.4f} -> "
                                           f"{run['train_loss'][-1]:.4f}") for line in lines)


def text_smooth_curve(x):
    """Text 004's smooth_curve, as it prints it."""
    window_len = 11
    s = np.r_[x[window_len - 1:0:-1], x, x[-1:-window_len:-1]]
    w = np.kaiser(window_len, 2)
    y = np.convolve(w / w.sum(), s, mode="valid")
    return y[5:len(y) - 5]


def test_smoothing_is_the_texts_kaiser_window():
    """The same values but for the last 5, where the text pads with the ends repeated (x[-1],
    x[-2], ...) and the experiment reflects about the last value (x[-2], x[-3], ...)."""
    x = np.random.default_rng(0).standard_normal(50)
    ours, text = mnist_training.smooth_curve(x), text_smooth_curve(x)
    assert len(ours) == len(text) == len(x)
    np.testing.assert_allclose(ours[:-5], text[:-5], rtol=1e-12, atol=1e-12)
