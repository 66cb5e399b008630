"""gradient-clipping: clipping bounds what it promises, the unclipped deep net diverges where the
clipped ones train, and the gradient noise's variance is eta / (1 + t)^gamma."""
import json
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.experiments as experiments
from minigrad.experiments import clipping

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("clipping")
    return experiments.run("gradient-clipping", quick=True, seed=0, out=out), out


@pytest.fixture(scope="module")
def results(written):
    return written[0]


def test_writes_png_and_json_with_the_results(written):
    results, out = written
    if (out / "gradient-clipping.png").exists():  # matplotlib is optional
        assert (out / "gradient-clipping.png").read_bytes()[:8] == PNG
    saved = json.loads((out / "gradient-clipping.json").read_text())["results"]
    for variant in results["variants"]:
        for key in ("loss", "grad_norm", "grad_norm_after"):
            np.testing.assert_allclose(saved["runs"][variant][key], results["runs"][variant][key])
    assert saved["summary"]["value"] == results["summary"]["value"]


def test_every_variant_starts_from_the_same_weights_and_batch(results):
    first = {results["runs"][v]["loss"][0] for v in results["variants"]}
    assert len(first) == 1


def test_clipping_by_value_bounds_every_element(results):
    run = results["runs"]["value"]
    limit = results["settings"]["clip_value"] * (1 + 1e-6)  # c rounded to float32
    assert max(run["largest_after"]) <= limit
    assert results["summary"]["value"]["clipped_steps"] == sum(run["clipped"]) > 0


@pytest.mark.parametrize("variant", ["norm", "norm+noise"])
def test_clipping_by_norm_bounds_the_total_norm(results, variant):
    run, max_norm = results["runs"][variant], results["settings"]["max_norm"]
    assert max(run["grad_norm_after"]) <= max_norm * (1 + 1e-5)
    expected = [norm > max_norm for norm in run["grad_norm"]]
    assert run["clipped"] == expected
    assert results["summary"][variant]["clipped_steps"] == sum(expected)
    for before, after in zip(run["grad_norm"], run["grad_norm_after"]):
        assert after == pytest.approx(min(before, max_norm), rel=1e-4)


def test_unclipped_runs_diverge_where_clipped_ones_train(results):
    summary, steps = results["summary"], results["steps"]
    for variant in ("none", "noise"):  # noise bounds nothing: it explodes as well
        assert summary[variant]["diverged_at"] is not None
        assert summary[variant]["final_loss"] == math.inf
        assert summary[variant]["max_loss"] > 1000 * summary[variant]["first_loss"]
        assert summary[variant]["max_grad_norm"] > 1000 * summary["norm"]["max_grad_norm"]
    for variant in ("value", "norm", "norm+noise"):
        run = results["runs"][variant]
        assert len(run["loss"]) == steps and all(map(math.isfinite, run["loss"]))
        assert summary[variant]["max_loss"] < 10 * summary[variant]["first_loss"]
        assert summary[variant]["final_loss"] < summary[variant]["first_loss"] / 2
        assert summary[variant]["final_loss"] == pytest.approx(np.mean(run["loss"][-10:]))
        assert summary[variant]["max_grad_norm"] == max(run["grad_norm"])


def test_the_noise_added_in_training_has_the_annealed_variance(results):
    measured = np.asarray(results["runs"]["norm+noise"]["noise_variance"])
    s = results["settings"]
    formula = s["eta"] / (1 + np.arange(results["steps"])) ** s["gamma"]
    np.testing.assert_allclose(results["noise_formula"], formula)
    # ~126,000 draws a step: the variance estimate's relative error is about sqrt(2 / n) < 0.5%
    np.testing.assert_allclose(measured, formula, rtol=0.03)
    assert results["runs"]["norm"]["noise_variance"] == []


def test_gradient_noise_variance_on_many_draws():
    eta, gamma, draws = 0.3, 0.55, 200_000
    weight = mg.zeros(draws, requires_grad=True)
    noisy = mg.optim.GradientNoise(mg.optim.SGD([weight], lr=0.0), eta=eta, gamma=gamma, seed=7)
    for t in range(20):
        weight.grad = mg.zeros(draws)
        noisy.step()
        noise = weight.grad.numpy()
        assert noise.mean() == pytest.approx(0.0, abs=5 * math.sqrt(eta / draws))
        assert noise.var() == pytest.approx(eta / (1 + t) ** gamma, rel=5 * math.sqrt(2 / draws))


def test_headline_prints_the_final_losses_and_the_clipped_steps(results):
    lines = clipping.headline(results)
    summary = results["summary"]
    none = next(line for line in lines if line.strip().startswith("none:"))
    assert f"diverged at step {summary['none']['diverged_at']}" in none
    norm = next(line for line in lines if line.strip().startswith("norm:"))
    assert f"final loss {summary['norm']['final_loss']:.3f}" in norm
    assert f"clipped {summary['norm']['clipped_steps']} steps" in norm


def test_clipping_by_value_bounds_the_norm_only_by_c_sqrt_n(results):
    n = sum(p.numel() for p in clipping.deep_relu_net().parameters())
    assert results["gradient_elements"] == n
    bound = results["settings"]["clip_value"] * math.sqrt(n) * (1 + 1e-6)
    assert max(results["runs"]["value"]["grad_norm_after"]) <= bound
    assert f"c sqrt(n) = {bound:.1f}" in clipping.headline(results)[1]
