"""BatchNorm's experiments (--quick): the properties they show, checked against NumPy."""
import json

import numpy as np
import pytest

import minigrad.experiments as experiments
from minigrad.experiments import batchnorm


@pytest.fixture(scope="module")
def covariate_shift():
    return experiments.run("batchnorm-covariate-shift", quick=True, seed=0)


@pytest.fixture(scope="module")
def init_scales():
    return experiments.run("batchnorm-init-scales", quick=True, seed=0)


def drift(series):
    """The largest distance of a per-step statistic from its first value."""
    series = np.asarray(series)
    return np.abs(series - series[0]).max()


def test_batchnorm_keeps_the_watched_input_steady(covariate_shift):
    with_bn, without = covariate_shift["runs"]["with BN"], covariate_shift["runs"]["without BN"]
    # gamma = 1, beta = 0 (the text's): every training batch leaves BatchNorm with mean 0, var 1
    np.testing.assert_allclose(with_bn["mean"], 0, atol=1e-4)
    np.testing.assert_allclose(np.square(with_bn["std"]), 1, atol=1e-3)
    for key in ("mean", "std"):
        assert drift(without[key]) > 10 * drift(with_bn[key])
        # what BatchNorm receives drifts as the unnormalized layer's input does
        assert drift(with_bn[f"linear_{key}"]) > 10 * drift(with_bn[key])
    histograms = with_bn["histograms"]
    assert histograms["steps"][0] == 0 and histograms["steps"][-1] == len(with_bn["mean"]) - 1
    assert all(len(counts) == len(histograms["edges"]) - 1 for counts in histograms["counts"])


def test_running_stats_follow_the_closed_form_and_eval_uses_them(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("batchnorm-running-stats", quick=True, seed=0, out=tmp_path)
    assert (tmp_path / "batchnorm-running-stats.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "batchnorm-running-stats.json").read_text())["results"]
    np.testing.assert_array_equal(saved["running_var"], results["running_var"])
    np.testing.assert_array_equal(saved["eval_output"], results["eval_output"])
    # the update, step by step in NumPy: running = (1 - m) running + m batch (text: 0.9 / 0.1)
    m = results["momentum"]
    mean, var = np.zeros(2), np.ones(2)
    for k in range(1, len(results["running_mean"])):
        mean = (1 - m) * mean + m * results["batch_mean"]
        var = (1 - m) * var + m * results["batch_var"]
        np.testing.assert_allclose(results["running_mean"][k], mean, rtol=0, atol=1e-6)
        np.testing.assert_allclose(results["running_var"][k], var, rtol=1e-6, atol=1e-6)
    x = results["eval_input"]
    expected = ((x - results["running_mean"][-1]) / np.sqrt(results["running_var"][-1]
                + results["eps"]) * results["weight"] + results["bias"])
    np.testing.assert_allclose(results["eval_output"], expected, rtol=1e-10, atol=1e-10)
    # eval mode approaches train mode on the batch the statistics came from
    gap = results["train_eval_gap"]
    assert gap[-1] < gap[0] / 10
    assert "closed form" in " ".join(batchnorm.headline_running_stats(results))


def test_closed_form_matches_repeated_updates():
    mean, var = batchnorm.closed_form(np.array([2.0]), np.array([5.0]), 0.1, 3)
    np.testing.assert_allclose(mean[:, 0], [0, 0.2, 0.38, 0.542])
    np.testing.assert_allclose(var[:, 0], [1, 1.4, 1.76, 2.084])


def final(runs, label, index, key):
    value = runs[label][index][key][-1]
    return np.inf if np.isnan(value) else value


def test_batchnorm_trains_at_init_scales_where_the_plain_net_does_not(init_scales):
    scales, runs = np.asarray(init_scales["scales"]), init_scales["runs"]
    assert scales[0] == 1 and np.isclose(scales[-1], 1e-4) and np.all(np.diff(scales) < 0)
    large = 0
    assert final(runs, "with BN", large, "train_loss") < final(runs, "without BN", large,
                                                                  "train_loss")
    for tiny in np.flatnonzero(np.isclose(scales, 1e-2) | np.isclose(scales, 1e-3)):
        assert (final(runs, "with BN", tiny, "train_accuracy")
                > final(runs, "without BN", tiny, "train_accuracy") + 0.3)
    lines = batchnorm.headline_init_scales(init_scales)
    assert len(lines) == len(scales) and lines[0].startswith("std 1.000e+00")


def test_conv_nets_with_and_without_batchnorm_learn():
    results = experiments.run("batchnorm-conv", quick=True, seed=0)
    for run in results["runs"].values():
        assert len(run["val_accuracy"]) == results["epochs"]
        assert run["val_accuracy"][-1] > 0.5 and 0.5 < run["test_accuracy"] <= 1
        assert run["iteration_loss"][-1] < run["iteration_loss"][0]
    assert len(batchnorm.headline_conv(results)) == 2
