"""minigrad.nn: modules, the functional API (minigrad.nn.functional) and initializers."""
from . import functional, init
from .layers import FusedLinear, Linear, Sequential
from .dropout import AlphaDropout, Dropout, GaussianDropout
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
