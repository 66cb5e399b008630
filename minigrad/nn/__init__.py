"""minigrad.nn: modules, the functional API (minigrad.nn.functional) and initializers."""
from . import functional, init, utils
from .layers import FusedLinear, Identity, Linear, ModuleDict, ModuleList, Sequential
from .activation import ELU, SELU, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, MultiLabelSoftMarginLoss, NLLLoss, SmoothL1Loss, SoftMarginLoss)
from .dropout import AlphaDropout, Dropout, GaussianDropout
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
