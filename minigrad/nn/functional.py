"""minigrad.nn.functional: PyTorch's functional API (activations, linear, normalization, losses)."""
from ..ops import (batch_norm, cross_entropy, elu, fused_linear, layer_norm, leaky_relu, linear,
                   log_softmax, nll_loss, relu, selu, sigmoid, softmax, softplus, tanh)
