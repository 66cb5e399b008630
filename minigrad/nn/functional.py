"""minigrad.nn.functional: PyTorch's functional API (activations, linear, normalization, losses)."""
from ..ops import (elu, fused_linear, leaky_relu, linear, log_softmax, relu, selu, sigmoid,
                   softmax, softplus, tanh)
