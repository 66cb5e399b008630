"""minigrad.nn.functional: PyTorch's functional API (activations, linear, normalization, losses)."""
from ..ops import (alpha_dropout, batch_norm, cross_entropy, dropout, elu, fused_linear,
                   gaussian_dropout, layer_norm, leaky_relu, linear, log_softmax, nll_loss, relu,
                   selu, sigmoid, softmax, softplus, tanh)
