"""torch.utils.data's names, implemented in minigrad.data (which also holds the source texts'
datasets and transforms): `from minigrad.utils.data import DataLoader, TensorDataset`."""
from ...data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, Sampler,
                     SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                     default_collate, default_convert, get_worker_info, random_split)

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
