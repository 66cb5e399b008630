"""NumPy twin of csrc/linear.pyx: y = act(x W^T + b) and its backward."""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from .._validate.linear import linear_backward_arguments, linear_forward_arguments


def _activate(z: np.ndarray, activation: str, negative_slope: float) -> np.ndarray:
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "leaky_relu":
        return np.where(z < 0, z * negative_slope, z)
    if activation == "sigmoid":
        return expit(z)
    if activation == "tanh":
        return np.tanh(z)
    return z


def _activation_grad(gy: np.ndarray, y: np.ndarray, activation: str,
                     negative_slope: float) -> np.ndarray:
    """dL/dz from dL/dy and the output y: each derivative is a function of y alone."""
    if activation == "relu":
        return np.where(y <= 0, 0, gy)  # a NaN output passes gy on, as PyTorch
    if activation == "leaky_relu":
        return np.where(y > 0, gy, gy * negative_slope)
    if activation == "sigmoid":
        return gy * y * (1 - y)
    if activation == "tanh":
        return gy * (1 - y * y)
    return gy


def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, activation: str,
                   negative_slope: float) -> np.ndarray:
    """act(x @ weight.T + bias) for x (N, in), weight (out, in), bias (out,) or None;
    activation one of "none", "relu", "leaky_relu", "sigmoid", "tanh"."""
    x, weight, bias, _, negative_slope = linear_forward_arguments(x, weight, bias, activation,
                                                                 negative_slope)
    z = x @ weight.T
    if bias is not None:
        z += bias
    return _activate(z, activation, negative_slope).astype(x.dtype, copy=False)


def linear_backward(grad_output: np.ndarray, x: np.ndarray, weight: np.ndarray,
                    output: np.ndarray | None, activation: str, negative_slope: float, *,
                    input_grad: bool, weight_grad: bool, bias_grad: bool) -> tuple:
    """(grad_input, grad_weight, grad_bias); each is None when not requested. output is the
    forward's result y, read for the activation's derivative (None: no activation)."""
    grad_output, x, weight, output, _, negative_slope, input_grad, weight_grad, bias_grad = \
        linear_backward_arguments(grad_output, x, weight, output, activation, negative_slope,
                                  input_grad, weight_grad, bias_grad)
    gz = _activation_grad(grad_output, output, activation, negative_slope).astype(x.dtype,
                                                                                  copy=False)
    grad_input = gz @ weight if input_grad else None
    grad_weight = gz.T @ x if weight_grad else None
    grad_bias = gz.sum(axis=0, dtype=np.float64).astype(x.dtype) if bias_grad else None
    return grad_input, grad_weight, grad_bias
