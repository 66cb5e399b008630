"""minigrad.nn.functional: PyTorch's functional API (activations, linear, normalization, losses)."""
from ..ops import (alpha_dropout, avg_pool2d, batch_norm, binary_cross_entropy_with_logits,
                   conv2d, cross_entropy, dropout, elu, fused_linear, gaussian_dropout,
                   layer_norm, leaky_relu, linear, log_softmax, max_pool2d, nll_loss, relu, selu,
                   sigmoid, softmax, softplus, tanh)
