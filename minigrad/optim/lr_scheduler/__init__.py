"""Learning-rate schedules with PyTorch's semantics (minigrad.optim.lr_scheduler, as
torch.optim.lr_scheduler). Every schedule subclasses LRScheduler from base.py and imports only it:

    base.py       LRScheduler, require_optimizer
    decay.py      LambdaLR, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR,
                  InverseTimeLR, NaturalExpLR
    composite.py  SequentialLR, ChainedScheduler
    cyclic.py     CyclicLR, OneCycleLR
    plateau.py    ReduceLROnPlateau
"""
from .base import LRScheduler, require_optimizer
from .composite import ChainedScheduler, SequentialLR
from .cyclic import CyclicLR, OneCycleLR
from .decay import (CosineAnnealingLR, ExponentialLR, InverseTimeLR, LambdaLR, LinearLR,
                    MultiStepLR, NaturalExpLR, StepLR)
from .plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "require_optimizer", "LambdaLR", "StepLR", "MultiStepLR",
           "ExponentialLR", "CosineAnnealingLR", "LinearLR", "InverseTimeLR", "NaturalExpLR",
           "SequentialLR", "ChainedScheduler", "CyclicLR", "OneCycleLR", "ReduceLROnPlateau"]
