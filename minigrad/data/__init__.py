"""minigrad.data: datasets, samplers and batching (also importable as minigrad.utils.data, the
path of torch.utils.data), and the source texts' toy data and transforms."""
from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import (data_dir, load_digits_sample, load_mnist, load_mnist_sample,
                       make_linear_regression,
                       make_moons, read_idx)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler)
from .transforms import (Compose, GaussianNoise, MinMaxScaler, PCAWhitening, RandomHorizontalFlip,
                         RandomRotation, RandomShift, RandomVerticalFlip, RandomZoom,
                         StandardScaler, ZCAWhitening)
