"""preprocessing-2d, preprocessing-digits and augmentations: the properties each transform
promises, checked on the numbers the experiments record (and recomputed with NumPy)."""
import json

import numpy as np
import pytest

import minigrad.experiments as experiments
from minigrad.experiments import preprocessing

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cloud():
    return experiments.run("preprocessing-2d", quick=True, seed=0)


@pytest.fixture(scope="module")
def digits():
    return experiments.run("preprocessing-digits", quick=True, seed=0)


@pytest.fixture(scope="module")
def grid():
    return experiments.run("augmentations", quick=True, seed=0)


def points(results, name):
    return np.asarray(results["points"][name])


def test_writes_png_and_json_with_the_results(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("preprocessing-2d", quick=True, seed=1, out=tmp_path)
    assert (tmp_path / "preprocessing-2d.png").read_bytes()[:8] == PNG
    saved = json.loads((tmp_path / "preprocessing-2d.json").read_text())["results"]
    for name in results["methods"]:
        np.testing.assert_allclose(saved["points"][name], results["points"][name])
        np.testing.assert_allclose(saved["covariance"][name], results["covariance"][name])


def test_the_cloud_is_offset_and_strongly_correlated(cloud):
    raw = points(cloud, "raw")
    assert np.all(np.abs(raw.mean(axis=0)) > 1)
    assert np.corrcoef(raw, rowvar=False)[0, 1] > 0.8


def test_min_max_lies_in_the_unit_interval_with_both_ends_reached(cloud):
    scaled = points(cloud, "min-max")
    np.testing.assert_allclose(scaled.min(axis=0), [0, 0], atol=1e-12)
    np.testing.assert_allclose(scaled.max(axis=0), [1, 1], atol=1e-12)


def test_standardized_has_mean_0_and_std_1_per_feature(cloud):
    standardized = points(cloud, "standardized")
    np.testing.assert_allclose(standardized.mean(axis=0), [0, 0], atol=1e-12)
    np.testing.assert_allclose(standardized.std(axis=0), [1, 1], atol=1e-12)


@pytest.mark.parametrize("name", ["PCA-whitened", "ZCA-whitened"])
def test_whitened_covariance_is_the_identity(cloud, name):
    whitened = points(cloud, name)
    np.testing.assert_allclose(np.cov(whitened, rowvar=False, bias=True), np.eye(2), atol=1e-6)
    np.testing.assert_allclose(cloud["covariance"][name], np.eye(2), atol=1e-6)


def test_zca_is_the_symmetric_whitening_and_the_closest_to_its_input(cloud):
    standardized = points(cloud, "standardized")
    pca, zca = points(cloud, "PCA-whitened"), points(cloud, "ZCA-whitened")
    # ZCA multiplies by C^(-1/2), symmetric: computed here from C's eigenvectors
    eigenvalues, vectors = np.linalg.eigh(np.cov(standardized, rowvar=False, bias=True))
    inverse_root = vectors @ np.diag(eigenvalues ** -0.5) @ vectors.T
    np.testing.assert_allclose(zca, standardized @ inverse_root, atol=1e-9)
    # PCA is ZCA rotated: PCA = ZCA Q with Q orthogonal
    rotation = np.linalg.lstsq(zca, pca, rcond=None)[0]
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(2), atol=1e-9)
    distance = {name: np.mean(np.sum((x - standardized) ** 2, axis=1))
                for name, x in (("PCA-whitened", pca), ("ZCA-whitened", zca))}
    assert distance["ZCA-whitened"] < distance["PCA-whitened"]
    for name, value in distance.items():
        assert cloud["distance_to_standardized"][name] == pytest.approx(value)


def test_headline_prints_each_methods_mean_and_rounded_covariance(cloud):
    lines = preprocessing.headline_2d(cloud)
    raw = points(cloud, "raw")
    covariance = np.round(np.cov(raw, rowvar=False, bias=True), 3).tolist()
    assert f"covariance {covariance}" in lines[0]
    assert "mean [0.0, 0.0], covariance [[1.0, 0.0], [0.0, 1.0]]" in lines[3]
    assert lines[4].startswith(" ZCA-whitened")


def test_same_seed_same_cloud_other_seed_another(cloud):
    again = preprocessing.preprocess_2d(True, 0)
    np.testing.assert_array_equal(points(again, "raw"), points(cloud, "raw"))
    assert not np.array_equal(points(preprocessing.preprocess_2d(True, 1), "raw"),
                              points(cloud, "raw"))


def test_digit_whitening_gives_the_identity_up_to_eps(digits):
    k, eps = digits["components"], digits["eps"]
    # the k-th eigenvalue of the pixel covariance, recomputed
    flat = preprocessing.digit_images(quick=True)
    eigenvalues = np.linalg.eigvalsh(np.cov(flat, rowvar=False, bias=True))[::-1]
    assert digits["smallest_kept_eigenvalue"] == pytest.approx(eigenvalues[k - 1], rel=1e-6)
    # whitened variances are lambda / (lambda + eps): off the identity by at most eps/(lambda+eps)
    bound = eps / (eigenvalues[k - 1] + eps)
    assert digits["eps_bound"] == pytest.approx(bound, rel=1e-6)
    assert bound < 1e-3
    assert digits["pca_deviation"] <= bound * (1 + 1e-6) + 1e-9
    assert digits["zca_deviation"] <= bound * (1 + 1e-6) + 1e-9


def test_larger_eps_damps_the_small_directions(digits):
    variances = np.asarray(digits["smooth_variances"])
    assert np.all(variances < 1) and np.all(np.diff(variances) <= 1e-9)
    assert variances[-1] < 0.5 < variances[0]


def test_zca_digits_still_look_like_the_digits_pca_codes_do_not(digits):
    originals, pca = np.asarray(digits["images"][0]), np.asarray(digits["images"][2])
    assert pca.shape[1:] == (14, 14) and originals.shape[1:] == (28, 28)
    for zca in digits["images"][3:]:
        for original, whitened in zip(originals, np.asarray(zca)):
            assert np.corrcoef(original.ravel(), whitened.ravel())[0, 1] > 0.4


def test_every_augmentation_changes_the_digits(grid):
    originals = np.repeat(np.asarray(grid["originals"]), grid["draws"], axis=0)
    for name in grid["augmentations"]:
        samples = np.asarray(grid["samples"][name])
        assert samples.shape == originals.shape
        changed = [not np.array_equal(s, o) for s, o in zip(samples, originals)]
        assert any(changed), name
        if name not in ("horizontal flip", "vertical flip", "shift"):  # those may draw "none"
            assert all(changed), name
        assert grid["mean_pixel_change"][name] == pytest.approx(
            np.abs(samples - originals).mean(), rel=1e-6)


def shifted(image, dy, dx):
    """image moved down dy and right dx pixels, zeros coming in."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def test_flips_mirror_and_shifts_move_by_whole_pixels(grid):
    originals = np.repeat(np.asarray(grid["originals"]), grid["draws"], axis=0)[:, 0]
    horizontal = np.asarray(grid["samples"]["horizontal flip"])[:, 0]
    vertical = np.asarray(grid["samples"]["vertical flip"])[:, 0]
    for o, h, v in zip(originals, horizontal, vertical):
        assert np.array_equal(h, o) or np.array_equal(h, o[:, ::-1])
        assert np.array_equal(v, o) or np.array_equal(v, o[::-1])
    reach = grid["parameters"]["shift"]["max_shift"]
    moves = range(-reach, reach + 1)
    for o, s in zip(originals, np.asarray(grid["samples"]["shift"])[:, 0]):
        assert any(np.array_equal(s, shifted(o, dy, dx)) for dy in moves for dx in moves)


def test_noise_has_the_std_asked_for(grid):
    originals = np.repeat(np.asarray(grid["originals"]), grid["draws"], axis=0)
    noise = np.asarray(grid["samples"]["noise"]) - originals
    assert noise.std() == pytest.approx(grid["parameters"]["noise"]["std"], rel=0.05)


def test_same_seed_gives_the_same_grid(grid):
    again = preprocessing.augment_grid(True, 0)
    other = preprocessing.augment_grid(True, 1)
    for name in grid["augmentations"]:
        np.testing.assert_array_equal(again["samples"][name], grid["samples"][name])
        assert not np.array_equal(other["samples"][name], grid["samples"][name])


def test_headline_names_each_augmentation_with_its_parameters(grid):
    lines = preprocessing.headline_augmentations(grid)
    assert len(lines) == len(grid["augmentations"])
    assert "rotation: {'degrees': 25}" in "\n".join(lines)
