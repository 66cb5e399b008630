"""minigrad.optim: PyTorch's optimizers over a flat parameter arena, one fused kernel per step."""
from .adam import Adam, AdamW
from .adaptive import Adadelta, Adagrad, RMSprop
from .optimizer import Optimizer
from .noise import GradientNoise
from .sgd import SGD
from . import lr_scheduler
from . import textbook
