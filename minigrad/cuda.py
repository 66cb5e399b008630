"""`minigrad.cuda` as PyTorch programs probe it: no CUDA device is ever available.

Set-up lines such as `device = "cuda" if torch.cuda.is_available() else "cpu"` and
`torch.cuda.manual_seed_all(0)` run unchanged; naming the device itself raises (device.py).
"""
from __future__ import annotations


def is_available() -> bool:
    """False: minigrad runs on the CPU only."""
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Does nothing, as PyTorch's does when there is no CUDA device to seed."""


def manual_seed_all(seed: int) -> None:
    """Does nothing, as PyTorch's does when there is no CUDA device to seed."""
