"""Text 001's data preprocessing: scaling, standardization, PCA and ZCA whitening (of a correlated
2-D cloud and of digit images), and its image augmentations as a grid of samples.

    min-max:      x' = (x - min) / (max - min)              per feature, into [0, 1]
    standardize:  x' = (x - mu) / sigma                     per feature, mean 0 and variance 1
    PCA whitening: x' = (x - mu) U diag(1 / sqrt(lambda + eps))     C = U diag(lambda) U^T
    ZCA whitening: x' = (x - mu) U diag(1 / sqrt(lambda + eps)) U^T  (PCA's, rotated back)

Both whitenings give covariance I (up to lambda / (lambda + eps)); ZCA is the one closest to its
input, so whitened images still look like images.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..data.datasets import load_mnist_sample
from ..data.transforms import (Compose, GaussianNoise, MinMaxScaler, PCAWhitening,
                               RandomHorizontalFlip, RandomRotation, RandomShift,
                               RandomVerticalFlip, RandomZoom, StandardScaler, ZCAWhitening)
from ._base import Experiment

CLOUD_MEAN = (4.0, 2.0)      # the 2-D cloud's offset,
CLOUD_STD = (2.0, 0.5)       # its spread per feature (different scales)
CLOUD_CORRELATION = 0.9      # and the correlation between the two features
DIGIT_COMPONENTS = 196       # PCA keeps 14 x 14 components (drawn as a 14 x 14 tile)
DIGIT_EPS = 1e-5             # small against the 196th eigenvalue (~0.013): C ~ I
SMOOTH_ZCA_EPS = 0.1         # the usual image ZCA: damps directions with lambda << eps
DIGITS_SHOWN = 8


def covariance(x: np.ndarray) -> np.ndarray:
    """C = (x - mean)^T (x - mean) / n, the population covariance the transforms use."""
    return np.cov(x, rowvar=False, bias=True)


def correlated_cloud(n: int, seed: int) -> np.ndarray:
    """n points from N(CLOUD_MEAN, Sigma), Sigma_ij = std_i std_j (1 if i == j else rho)."""
    std = np.array(CLOUD_STD)
    correlation = np.array([[1.0, CLOUD_CORRELATION], [CLOUD_CORRELATION, 1.0]])
    sigma = correlation * np.outer(std, std)
    return np.random.default_rng(seed).multivariate_normal(CLOUD_MEAN, sigma, size=n)


def preprocess_2d(quick: bool, seed: int) -> dict:
    """The cloud raw, min-max scaled and standardized; then the standardized cloud PCA- and
    ZCA-whitened (text 001's order: standardize, then whiten; eps 0, the cloud is full rank)."""
    raw = correlated_cloud(300 if quick else 2000, seed)
    standardized = StandardScaler().fit_transform(raw)
    points = {"raw": raw, "min-max": MinMaxScaler().fit_transform(raw),
              "standardized": standardized,
              "PCA-whitened": PCAWhitening(eps=0.0).fit_transform(standardized),
              "ZCA-whitened": ZCAWhitening(eps=0.0).fit_transform(standardized)}
    return {"methods": list(points), "points": points,
            "mean": {name: x.mean(axis=0) for name, x in points.items()},
            "covariance": {name: covariance(x) for name, x in points.items()},
            "distance_to_standardized": {  # mean ||x' - z||^2: ZCA's is the smallest whitening
                name: float(np.mean(np.sum((points[name] - standardized) ** 2, axis=1)))
                for name in ("PCA-whitened", "ZCA-whitened")}}


def draw_2d(results: dict, figure: Any) -> None:
    methods = results["methods"]
    for i, name in enumerate(methods):
        axes = figure.add_subplot(1, len(methods), i + 1)
        points = np.asarray(results["points"][name])
        axes.scatter(points[:, 0], points[:, 1], s=4, alpha=0.5)
        axes.axhline(0, color="gray", lw=0.5)
        axes.axvline(0, color="gray", lw=0.5)
        axes.set_aspect("equal", adjustable="datalim")
        axes.set_title(name)


def headline_2d(results: dict) -> list[str]:
    lines = []
    for name in results["methods"]:
        mean = np.round(results["mean"][name], 3) + 0.0  # + 0.0 turns -0.0 into 0.0
        cov = np.round(results["covariance"][name], 3) + 0.0
        lines.append(f"{name:>13}: mean {mean.tolist()}, covariance {cov.tolist()}")
    distance = results["distance_to_standardized"]
    lines.append("mean squared distance to the standardized data: "
                 + ", ".join(f"{name} {value:.3f}" for name, value in distance.items()))
    return lines


def digit_images(quick: bool) -> np.ndarray:
    """The sample's training digits (quick: the first 1,000), flattened to (n, 784) in [0, 1]."""
    (images, _), _ = load_mnist_sample()
    images = images[:1000] if quick else images
    return images.reshape(len(images), -1).astype(np.float64)


def whitened_deviation(x: np.ndarray, projection: np.ndarray) -> float:
    """max |C - P|: how far x's covariance is from the identity on the whitened subspace
    (P = U_k U_k^T, the projection onto it; P = I for PCA's own coordinates)."""
    return float(np.abs(covariance(x) - projection).max())


def preprocess_digits(quick: bool, seed: int) -> dict:
    """Digits standardized per pixel, PCA-whitened onto DIGIT_COMPONENTS components, ZCA-whitened
    on the same components, and ZCA-whitened on all of them with the usual image eps."""
    flat = digit_images(quick)
    shown = np.random.default_rng(seed).choice(len(flat), DIGITS_SHOWN, replace=False)
    pca = PCAWhitening(DIGIT_COMPONENTS, DIGIT_EPS).fit(flat)
    zca = ZCAWhitening(DIGIT_COMPONENTS, DIGIT_EPS).fit(flat)
    smooth = ZCAWhitening(eps=SMOOTH_ZCA_EPS).fit(flat)
    pca_out, zca_out, smooth_out = pca.transform(flat), zca.transform(flat), smooth.transform(flat)
    kept = zca.components_ @ zca.components_.T
    eigenvalues = pca.eigenvalues_
    side = int(np.sqrt(DIGIT_COMPONENTS))
    return {
        "rows": ["original", "standardized", f"PCA-whitened ({DIGIT_COMPONENTS})",
                 f"ZCA-whitened ({DIGIT_COMPONENTS})", f"ZCA-whitened (eps {SMOOTH_ZCA_EPS})"],
        "images": [flat[shown].reshape(-1, 28, 28),
                   StandardScaler().fit_transform(flat)[shown].reshape(-1, 28, 28),
                   pca_out[shown].reshape(-1, side, side),
                   zca_out[shown].reshape(-1, 28, 28), smooth_out[shown].reshape(-1, 28, 28)],
        "images_fitted": len(flat), "components": DIGIT_COMPONENTS, "eps": DIGIT_EPS,
        "smooth_eps": SMOOTH_ZCA_EPS,
        "pca_deviation": whitened_deviation(pca_out, np.eye(DIGIT_COMPONENTS)),
        "zca_deviation": whitened_deviation(zca_out, kept),
        "eps_bound": float(DIGIT_EPS / (eigenvalues[-1] + DIGIT_EPS)),  # 1 - lambda/(lambda+eps)
        "smallest_kept_eigenvalue": float(eigenvalues[-1]),
        "smooth_variances": np.linalg.eigvalsh(covariance(smooth_out))[::-1][:DIGIT_COMPONENTS],
    }


def draw_digits(results: dict, figure: Any) -> None:
    rows = results["rows"]
    for r, (name, images) in enumerate(zip(rows, results["images"])):
        for c, image in enumerate(images):
            axes = figure.add_subplot(len(rows), DIGITS_SHOWN, r * DIGITS_SHOWN + c + 1)
            axes.imshow(np.asarray(image), cmap="gray")
            axes.set_xticks([])
            axes.set_yticks([])
            if c == 0:
                axes.set_ylabel(name.replace(" (", "\n("), fontsize=7)


def headline_digits(results: dict) -> list[str]:
    k, eps = results["components"], results["eps"]
    variances = results["smooth_variances"]
    return [f"fitted on {results['images_fitted']} digits; PCA and ZCA on the top {k} "
            f"components (smallest eigenvalue {results['smallest_kept_eigenvalue']:.4f}), "
            f"eps {eps:g}",
            f"PCA-whitened: max |C - I| = {results['pca_deviation']:.2e} "
            f"(eps / (lambda_{k} + eps) = {results['eps_bound']:.2e})",
            f"ZCA-whitened: max |C - U_k U_k^T| = {results['zca_deviation']:.2e} "
            "(identity on the kept directions)",
            f"ZCA-whitened with eps {results['smooth_eps']:g} (all 784): top-{k} variances "
            f"lambda / (lambda + eps) from {variances[0]:.3f} down to {variances[-1]:.3f}"]


def augmentations(seed: int) -> dict[str, tuple[Any, dict]]:
    """Text 001's augmentations (rotation, flips, zoom, shift, noise) and all of them that keep a
    digit a digit, composed; each seeded (seed + its position) and with its parameters."""
    chosen = {"horizontal flip": (RandomHorizontalFlip, {"p": 0.5}),
              "vertical flip": (RandomVerticalFlip, {"p": 0.5}),
              "rotation": (RandomRotation, {"degrees": 25}),
              "shift": (RandomShift, {"max_shift": 4}),
              "zoom": (RandomZoom, {"amount": 0.25}),
              "noise": (GaussianNoise, {"std": 0.2})}
    made = {name: (kind(**options, seed=seed + i), options)
            for i, (name, (kind, options)) in enumerate(chosen.items())}
    together = {"degrees": 15, "max_shift": 2, "amount": 0.1, "std": 0.1}
    made["rotation+shift+zoom+noise"] = (Compose([
        RandomRotation(together["degrees"], seed=seed + 10),
        RandomShift(together["max_shift"], seed=seed + 11),
        RandomZoom(together["amount"], seed=seed + 12),
        GaussianNoise(together["std"], seed=seed + 13)]), together)
    return made


def augment_grid(quick: bool, seed: int) -> dict:
    """Three digits, each augmentation applied `draws` times to each; the mean |change| per
    pixel. Quick or not, the same (it takes a second)."""
    (images, _), _ = load_mnist_sample()
    digits = images[np.random.default_rng(seed).choice(len(images), 3, replace=False)]
    draws = 4
    batch = np.repeat(digits, draws, axis=0)  # (3 * draws, 1, 28, 28): digit 0 draws times, ...
    samples, parameters, change = {}, {}, {}
    for name, (augmentation, options) in augmentations(seed).items():
        samples[name] = augmentation(batch)
        parameters[name] = options
        change[name] = float(np.abs(samples[name] - batch).mean())
    return {"originals": digits, "draws": draws, "augmentations": list(samples),
            "samples": samples, "parameters": parameters, "mean_pixel_change": change}


def draw_augmentations(results: dict, figure: Any) -> None:
    names, draws = results["augmentations"], results["draws"]
    originals = np.asarray(results["originals"])
    columns = len(originals) * (draws + 1)
    for r, name in enumerate(names):
        samples = np.asarray(results["samples"][name])
        for d, original in enumerate(originals):
            row = [original] + [samples[d * draws + j] for j in range(draws)]
            for j, image in enumerate(row):
                axes = figure.add_subplot(len(names), columns,
                                          r * columns + d * (draws + 1) + j + 1)
                axes.imshow(image[0], cmap="gray", vmin=0, vmax=1)
                axes.set_xticks([])
                axes.set_yticks([])
                if d == 0 and j == 0:
                    axes.set_ylabel(name.replace("+", "+\n"), fontsize=6)
                if r == 0:
                    axes.set_title("original" if j == 0 else f"draw {j}", fontsize=6)


def headline_augmentations(results: dict) -> list[str]:
    return [f"{name:>26}: {results['parameters'][name]}, mean |pixel change| "
            f"{results['mean_pixel_change'][name]:.4f}" for name in results["augmentations"]]


EXPERIMENTS = [
    Experiment("preprocessing-2d",
               "a correlated 2-D cloud raw, min-max scaled, standardized, PCA- and ZCA-whitened",
               "text 001 (data normalization, PCA/ZCA whitening)", preprocess_2d, draw_2d,
               headline_2d, figsize=(15.0, 3.6)),
    Experiment("preprocessing-digits",
               "MNIST digits standardized, PCA-whitened (reduced) and ZCA-whitened: covariance I",
               "text 001 (whitening; MNIST sample)", preprocess_digits, draw_digits,
               headline_digits, figsize=(8.0, 5.5)),
    Experiment("augmentations",
               "rotation, flips, shift, zoom and noise applied to digits, several seeded draws",
               "text 001 (data augmentation)", augment_grid, draw_augmentations,
               headline_augmentations, figsize=(12.0, 6.5)),
]
