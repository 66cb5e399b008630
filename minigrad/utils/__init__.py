"""minigrad.utils: the place of torch.utils; `minigrad.utils.data` is torch.utils.data."""
from . import data  # noqa: F401
