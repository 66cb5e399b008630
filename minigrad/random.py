"""Random number generators (torch.random): `Generator` (torch.Generator) and the global one behind
init, dropout masks, shuffling and `minigrad.rand*`, seeded by `minigrad.manual_seed`. The random
tensors (`rand`, `randn`, ...) are drawn from them in minigrad/sampling.py.

A Generator wraps a NumPy PCG64 generator; draws never touch np.random's legacy global state. The
streams are not PyTorch's (the same seed gives other numbers than torch), but a seed repeats here.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .device import device as as_device


def _checked_seed(seed: Any) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    if seed < -2 ** 63 or seed >= 2 ** 64:
        raise RuntimeError(f"Overflow when unpacking long: seed {seed} is outside [-2^63, 2^64)")
    return int(seed) % 2 ** 64  # PyTorch folds negative seeds the same way


class Generator:
    """A seeded stream of random numbers; pass it as `generator=` to creation functions, dropout,
    DataLoader and random_split to draw from it instead of the global generator."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = as_device(device)  # validates: only the CPU exists
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from seed; returns the generator (as PyTorch's does)."""
        self._initial_seed = _checked_seed(seed)
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed used."""
        return self.manual_seed(int(np.random.SeedSequence().entropy % 2 ** 63))._initial_seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        """The stream's state (a dict of the underlying PCG64 state), for checkpoints."""
        return {"initial_seed": self._initial_seed, "bit_generator": self._rng.bit_generator.state}

    def set_state(self, state: dict) -> Generator:
        """Restore a state returned by get_state."""
        self._initial_seed = state["initial_seed"]
        self._rng.bit_generator.state = state["bit_generator"]
        return self

    @property
    def numpy(self) -> np.random.Generator:
        """The NumPy generator that draws (minigrad's kernels take it as their source)."""
        return self._rng


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator (torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator nondeterministically; returns the seed (torch.seed)."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def numpy_rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from: generator's, or the global one's."""
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a minigrad.Generator, not {type(generator).__name__}")
    return generator._rng


def get_rng_state() -> dict:
    """The global generator's state, for checkpoints."""
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore a state returned by get_rng_state."""
    default_generator.set_state(state)
