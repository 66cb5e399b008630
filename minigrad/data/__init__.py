"""minigrad.data: datasets, batching and the source texts' toy data."""
from .dataset import DataLoader, Dataset, TensorDataset, default_collate
from .datasets import (data_dir, load_digits_sample, load_mnist, load_mnist_sample,
                       make_linear_regression,
                       make_moons, read_idx)
from .transforms import (Compose, GaussianNoise, MinMaxScaler, PCAWhitening, RandomHorizontalFlip,
                         RandomRotation, RandomShift, RandomVerticalFlip, RandomZoom,
                         StandardScaler, ZCAWhitening)
