"""minigrad.nn: modules, the functional API (minigrad.nn.functional) and initializers."""
from . import functional, init, utils
from .linear import FusedLinear, Identity, Linear
from .container import ModuleDict, ModuleList, Sequential
from .activation import ELU, SELU, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .flatten import Flatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, MultiLabelSoftMarginLoss, NLLLoss, SmoothL1Loss, SoftMarginLoss)
from .dropout import AlphaDropout, Dropout, GaussianDropout
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
