"""`minigrad.backends` as PyTorch programs probe and set it: `backends.mps.is_available()` is
False, and `backends.cudnn.deterministic = True` (or `.benchmark`) is accepted and changes
nothing, since there is no cuDNN. (The kernel backend, compiled or NumPy, is mg.set_backend.)"""
from . import cudnn, mps  # noqa: F401
