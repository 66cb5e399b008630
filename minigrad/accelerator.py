"""`minigrad.accelerator` (torch.accelerator): there is none, minigrad runs on the CPU."""
from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def current_accelerator() -> None:
    """None: no accelerator (PyTorch's answer on a machine without one)."""
    return None
