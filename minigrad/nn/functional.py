"""minigrad.nn.functional: PyTorch's functional API (activations, linear, normalization, losses)."""
from ..ops import (alpha_dropout, avg_pool2d, batch_norm, binary_cross_entropy,
                   binary_cross_entropy_with_logits, conv2d, cross_entropy, dropout, elu,
                   fused_linear, gaussian_dropout, huber_loss, kl_div, l1_loss, layer_norm,
                   leaky_relu, linear, log_softmax, max_pool2d, mse_loss,
                   multilabel_soft_margin_loss, nll_loss, relu, selu, sigmoid, smooth_l1_loss,
                   soft_margin_loss, softmax, softplus, tanh)
