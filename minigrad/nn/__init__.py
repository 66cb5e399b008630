"""minigrad.nn: functional ops (minigrad.nn.functional), modules and initializers."""
from . import functional
