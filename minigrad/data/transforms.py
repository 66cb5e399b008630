"""Preprocessing fitted on training data (scaling, standardization, PCA and ZCA whitening) and
seeded image augmentation on (N, C, H, W) batches (rotation, flips, zoom, shift, noise)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from scipy import ndimage

from ..random import numpy_rng
from ..nn import _checks
from ..tensor import Tensor


def _array(x: Any) -> np.ndarray:
    return x._array if isinstance(x, Tensor) else np.asarray(x)


class _Fitted:
    """fit(train) learns the statistics; transform(x) applies them; fit_transform does both."""

    def fit(self, x: Any) -> _Fitted:
        raise TypeError(f"{type(self).__name__} must define fit")

    def transform(self, x: Any) -> np.ndarray:
        raise TypeError(f"{type(self).__name__} must define transform")

    def fit_transform(self, x: Any) -> np.ndarray:
        return self.fit(x).transform(x)

    def _check_fitted(self, name: str) -> None:
        if getattr(self, name, None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(train) first")


class MinMaxScaler(_Fitted):
    """x' = (x - min) / (max - min) per feature (column), into feature_range."""

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        low, high = feature_range
        if not _checks.number("feature_range[0]", low) < _checks.number("feature_range[1]", high):
            raise ValueError(f"Minimum of desired feature range must be smaller than maximum, "
                             f"got feature_range={feature_range!r}")
        self.feature_range, self.min_ = feature_range, None

    def fit(self, x: Any) -> MinMaxScaler:
        x = _array(x)
        self.min_, span = x.min(axis=0), np.ptp(x, axis=0)
        self.span_ = np.where(span > 0, span, 1)
        return self

    def transform(self, x: Any) -> np.ndarray:
        self._check_fitted("min_")
        low, high = self.feature_range
        return ((_array(x) - self.min_) / self.span_ * (high - low) + low).astype(_array(x).dtype)


class StandardScaler(_Fitted):
    """x' = (x - mean) / std per feature (column); constant features keep std 1."""

    def __init__(self) -> None:
        self.mean_ = None

    def fit(self, x: Any) -> StandardScaler:
        x = _array(x)
        self.mean_, std = x.mean(axis=0), x.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1)
        return self

    def transform(self, x: Any) -> np.ndarray:
        self._check_fitted("mean_")
        return ((_array(x) - self.mean_) / self.scale_).astype(_array(x).dtype)


class PCAWhitening(_Fitted):
    """Rotate onto the covariance's eigenvectors and scale each to unit variance:
    x' = (x - mean) U diag(1 / sqrt(lambda + eps)); n_components keeps the largest ones."""

    def __init__(self, n_components: int | None = None, eps: float = 1e-5) -> None:
        if n_components is not None and _checks.integer("n_components", n_components) < 1:
            raise ValueError(f"n_components must be >= 1 or None, got {n_components}")
        if not _checks.number("eps", eps) >= 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        self.n_components, self.eps, self.mean_ = n_components, eps, None

    def fit(self, x: Any) -> PCAWhitening:
        x = _array(x).reshape(len(_array(x)), -1).astype(np.float64)
        self.mean_ = x.mean(axis=0)
        covariance = np.cov(x - self.mean_, rowvar=False, bias=True)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        order = np.argsort(eigenvalues)[::-1][: self.n_components]
        self.eigenvalues_, self.components_ = eigenvalues[order], eigenvectors[:, order]
        return self

    def transform(self, x: Any) -> np.ndarray:
        self._check_fitted("mean_")
        flat = _array(x).reshape(len(_array(x)), -1) - self.mean_
        return flat @ self.components_ / np.sqrt(self.eigenvalues_ + self.eps)


class ZCAWhitening(PCAWhitening):
    """PCA whitening rotated back: x' = (x - mean) U diag(1 / sqrt(lambda + eps)) U^T, the
    whitening closest to the data (images stay images); the matrix is symmetric."""

    def transform(self, x: Any) -> np.ndarray:
        whitened = super().transform(x) @ self.components_.T
        return whitened.reshape(_array(x).shape)


class Compose:
    """Apply augmentations in order."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)
        for transform in self.transforms:
            if not callable(transform):
                raise TypeError(f"Compose takes callables, got {_checks.type_name(transform)}")

    def __call__(self, batch: Any) -> np.ndarray:
        for transform in self.transforms:
            batch = transform(batch)
        return batch


class _Augmentation:
    """Base: per-image random parameters from `seed`'s generator or minigrad's; (N, C, H, W)."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None:
            _checks.integer("seed", seed)
        self._rng = None if seed is None else np.random.default_rng(seed)

    @property
    def rng(self) -> np.random.Generator:
        return self._rng if self._rng is not None else numpy_rng()

    def __call__(self, batch: Any) -> np.ndarray:
        images = np.array(_array(batch), copy=True)
        if images.ndim != 4:
            raise ValueError(f"{type(self).__name__} expects (N, C, H, W) images, got shape "
                             f"{images.shape}")
        for i in range(len(images)):
            images[i] = self.augment(images[i])
        return images

    def augment(self, image: np.ndarray) -> np.ndarray:
        return image


class RandomHorizontalFlip(_Augmentation):
    """Mirror left-right with probability p."""

    def __init__(self, p: float = 0.5, seed: int | None = None) -> None:
        super().__init__(seed)
        if not 0 <= _checks.number("p", p) <= 1:
            raise ValueError(f"p is a probability and must be in [0, 1], got {p}")
        self.p = p

    def augment(self, image: np.ndarray) -> np.ndarray:
        return image[..., ::-1] if self.rng.random() < self.p else image


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability p."""

    def augment(self, image: np.ndarray) -> np.ndarray:
        return image[..., ::-1, :] if self.rng.random() < self.p else image


class RandomRotation(_Augmentation):
    """Rotate by an angle drawn from U(-degrees, degrees) about the centre, zeros outside."""

    def __init__(self, degrees: float, seed: int | None = None) -> None:
        super().__init__(seed)
        if not _checks.number("degrees", degrees) >= 0:
            raise ValueError(f"If degrees is a single number, it must be positive, got {degrees}")
        self.degrees = degrees

    def augment(self, image: np.ndarray) -> np.ndarray:
        angle = self.rng.uniform(-self.degrees, self.degrees)
        return ndimage.rotate(image, angle, axes=(1, 2), reshape=False, order=1, cval=0.0)


class RandomShift(_Augmentation):
    """Shift by whole pixels drawn from [-max_shift, max_shift] per axis, zeros fill in."""

    def __init__(self, max_shift: int, seed: int | None = None) -> None:
        super().__init__(seed)
        if _checks.integer("max_shift", max_shift) < 0:
            raise ValueError(f"max_shift must be >= 0 pixels, got {max_shift}")
        self.max_shift = max_shift

    def augment(self, image: np.ndarray) -> np.ndarray:
        dy, dx = self.rng.integers(-self.max_shift, self.max_shift + 1, 2)
        return ndimage.shift(image, (0, dy, dx), order=0, cval=0.0)


class RandomZoom(_Augmentation):
    """Zoom about the centre by a factor from U(1 - amount, 1 + amount), same size out."""

    def __init__(self, amount: float, seed: int | None = None) -> None:
        super().__init__(seed)
        if not 0 <= _checks.number("amount", amount) < 1:
            raise ValueError(f"amount must be in [0, 1) (zoom factors 1 - amount > 0), got "
                             f"{amount}")
        self.amount = amount

    def augment(self, image: np.ndarray) -> np.ndarray:
        factor = self.rng.uniform(1 - self.amount, 1 + self.amount)
        centre = (np.array(image.shape[1:]) - 1) / 2
        matrix = np.diag([1.0, 1 / factor, 1 / factor])
        offset = np.concatenate([[0.0], centre - centre / factor])
        return ndimage.affine_transform(image, matrix, offset, order=1, cval=0.0)


class GaussianNoise(_Augmentation):
    """Add N(0, std^2) noise to every pixel."""

    def __init__(self, std: float, seed: int | None = None) -> None:
        super().__init__(seed)
        if not _checks.number("std", std) >= 0:
            raise ValueError(f"std must be >= 0, got {std}")
        self.std = std

    def augment(self, image: np.ndarray) -> np.ndarray:
        return image + self.rng.normal(0.0, self.std, image.shape).astype(image.dtype)
