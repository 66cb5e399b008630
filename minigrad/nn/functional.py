"""minigrad.nn.functional: PyTorch's functional API (activations, linear, normalization, losses,
one_hot)."""
import numpy as np

from ..ops import (alpha_dropout, avg_pool2d, batch_norm, binary_cross_entropy,
                   binary_cross_entropy_with_logits, conv2d, cross_entropy, dropout, elu,
                   fused_linear, gaussian_dropout, huber_loss, kl_div, l1_loss, layer_norm,
                   leaky_relu, linear, log_softmax, max_pool2d, mse_loss,
                   multilabel_soft_margin_loss, nll_loss, relu, selu, sigmoid, smooth_l1_loss,
                   soft_margin_loss, softmax, softplus, tanh)
from ..tensor import Tensor


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a last dim of num_classes (-1: the largest class + 1), 1 at each
    element's class and 0 elsewhere; classes must be int64 in [0, num_classes)."""
    classes = tensor._array
    if classes.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor, got "
                           f"{tensor.dtype}")
    if num_classes == -1:
        if classes.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(classes.max()) + 1
    if classes.size and classes.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if classes.size and classes.max() >= num_classes:
        raise RuntimeError(f"Class values must be smaller than num_classes ({num_classes}).")
    return Tensor._make((classes[..., None] == np.arange(num_classes)).astype(np.int64))
