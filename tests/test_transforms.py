"""Preprocessing, augmentation and the IDX reader against closed forms."""
import gzip

import numpy as np
import pytest

from minigrad.data import (Compose, GaussianNoise, MinMaxScaler, PCAWhitening,
                           RandomHorizontalFlip, RandomRotation, RandomShift, RandomVerticalFlip,
                           RandomZoom, StandardScaler, ZCAWhitening, load_mnist, read_idx)


@pytest.fixture
def correlated(rng):
    base = rng.standard_normal((2000, 3))
    return base @ np.array([[2.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.2]]) + [1.0, -2.0, 5.0]


def test_scalers_fit_on_train_and_apply_to_others(correlated):
    train, test = correlated[:1500], correlated[1500:]
    scaled = MinMaxScaler((-1, 1)).fit(train)
    out = scaled.transform(train)
    np.testing.assert_allclose(out.min(axis=0), -1) and np.testing.assert_allclose(out.max(0), 1)
    assert not np.allclose(scaled.transform(test).min(axis=0), -1)  # the train's statistics
    standard = StandardScaler().fit_transform(train)
    np.testing.assert_allclose(standard.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(standard.std(axis=0), 1)
    with pytest.raises(RuntimeError, match="is not fitted"):
        StandardScaler().transform(train)


def test_whitening_gives_identity_covariance_and_zca_is_symmetric(correlated):
    pca = PCAWhitening(eps=0).fit(correlated)
    white = pca.transform(correlated)
    np.testing.assert_allclose(np.cov(white, rowvar=False, bias=True), np.eye(3), atol=1e-10)
    assert PCAWhitening(n_components=2).fit_transform(correlated).shape == (2000, 2)
    zca = ZCAWhitening(eps=0).fit(correlated)
    np.testing.assert_allclose(np.cov(zca.transform(correlated), rowvar=False, bias=True),
                               np.eye(3), atol=1e-10)
    matrix = zca.components_ / np.sqrt(zca.eigenvalues_) @ zca.components_.T
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-12)


class Draws:
    """A generator stand-in that returns chosen values, to test one exact transformation."""

    def __init__(self, **values):
        self.values = values

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.values[name]


def test_augmentations_against_exact_results(rng):
    images = rng.standard_normal((6, 2, 8, 8))
    flipped = RandomHorizontalFlip(p=1.0)(images)
    np.testing.assert_array_equal(flipped, images[..., ::-1])
    np.testing.assert_array_equal(RandomVerticalFlip(p=1.0)(images), images[..., ::-1, :])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(images), images)
    rotated = RandomRotation(0)(images)  # U(-0, 0): no rotation
    np.testing.assert_allclose(rotated, images, atol=1e-12)
    quarter = RandomRotation(90)
    quarter._rng = Draws(uniform=90.0)  # a quarter turn is exact: np.rot90
    np.testing.assert_allclose(quarter(images), np.rot90(images, 1, axes=(2, 3)), atol=1e-12)
    shifter = RandomShift(2)
    shifter._rng = Draws(integers=np.array([1, -2]))
    expected = np.zeros_like(images)
    expected[:, :, 1:, :-2] = images[:, :, :-1, 2:]
    np.testing.assert_array_equal(shifter(images), expected)
    np.testing.assert_allclose(RandomZoom(0.0)(images), images, atol=1e-12)


def test_augmentations_are_seeded_and_composable(rng):
    images = rng.random((4, 1, 10, 10))
    pipeline = lambda: Compose([RandomRotation(15, seed=1), RandomShift(2, seed=2),
                                RandomZoom(0.1, seed=3), GaussianNoise(0.05, seed=4)])
    first, again = pipeline()(images), pipeline()(images)
    np.testing.assert_array_equal(first, again)
    assert first.shape == images.shape and not np.allclose(first, images)
    noise = GaussianNoise(0.5, seed=0)(np.zeros((100, 1, 20, 20)))
    assert noise.std() == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match=r"expects \(N, C, H, W\) images"):
        RandomRotation(10)(np.zeros((8, 8)))


def write_idx(path, array, type_code=0x08, compress=False):
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.mark.parametrize("compress", [False, True])
def test_idx_reader_and_mnist_loader(tmp_path, rng, compress):
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 5).astype(np.uint8)
    suffix = ".gz" if compress else ""
    for prefix in ("train", "t10k"):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images, compress=compress)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress=compress)
    (x, y), (x_test, _) = load_mnist(tmp_path)
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x[:, 0] * 255, images, atol=1e-4)
    np.testing.assert_array_equal(y, labels)
    floats = rng.standard_normal((3, 4)).astype(np.float32)
    write_idx(tmp_path / "floats.idx", floats, type_code=0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "floats.idx"), floats)


def test_idx_reader_rejects_damaged_files(tmp_path):
    good = tmp_path / "good.idx"
    write_idx(good, np.arange(10, dtype=np.uint8))
    (tmp_path / "short.idx").write_bytes(good.read_bytes()[:-3])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "short.idx")
    (tmp_path / "foreign.idx").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "foreign.idx")
    with pytest.raises(FileNotFoundError, match="MNIST file train-images-idx3-ubyte"):
        load_mnist(tmp_path)
