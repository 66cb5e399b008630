"""The one seeded random generator behind init, dropout masks, shuffling and `minigrad.rand*`."""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed minigrad's global generator (as torch.manual_seed); returns the new generator."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The global generator; draw from it, never from np.random's legacy global state."""
    return _generator


def get_rng_state() -> dict:
    """The generator's state (a dict), for checkpoints."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by get_rng_state."""
    _generator.bit_generator.state = state
