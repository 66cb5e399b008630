"""Arguments of the linear kernels (csrc/linear.pyx and its twin)."""
from __future__ import annotations

from typing import Any

from . import float_array, gradient_flags, real

ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh")


def activation_code(activation: Any, negative_slope: Any) -> tuple[int, float]:
    """(the index of activation in ACTIVATIONS, the kernels' switch value; negative_slope)."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    negative_slope = real("negative_slope", negative_slope)
    if activation == "leaky_relu" and not negative_slope >= 0:
        raise ValueError("the fused leaky_relu needs negative_slope >= 0 (its derivative is read "
                         f"from the output's sign), got {negative_slope}")
    return ACTIVATIONS.index(activation), negative_slope


def linear_inputs(x: Any, weight: Any, bias: Any) -> tuple:
    """x (N, in), weight (out, in), bias (out,) or None: contiguous, one float dtype."""
    x = float_array("input", x, 2)
    weight = float_array("weight", weight, 2, x.dtype)
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                         f"{weight.shape} (expected input (N, {weight.shape[1]}))")
    if bias is not None:
        bias = float_array("bias", bias, 1, x.dtype)
        if bias.shape[0] != weight.shape[0]:
            raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape "
                             f"{weight.shape} (expected ({weight.shape[0]},))")
    return x, weight, bias


def linear_forward_arguments(x: Any, weight: Any, bias: Any, activation: Any,
                             negative_slope: Any) -> tuple:
    """(x, weight, bias, activation code, negative_slope) of linear_forward."""
    return (*linear_inputs(x, weight, bias), *activation_code(activation, negative_slope))


def linear_backward_arguments(grad_output: Any, x: Any, weight: Any, output: Any,
                              activation: Any, negative_slope: Any, input_grad: Any,
                              weight_grad: Any, bias_grad: Any) -> tuple:
    """(grad_output, x, weight, output, code, negative_slope, input_grad, weight_grad,
    bias_grad) of linear_backward: grad_output and output (N, out), output needed (and read)
    only with an activation."""
    x, weight, _ = linear_inputs(x, weight, None)
    code, negative_slope = activation_code(activation, negative_slope)
    expected = (x.shape[0], weight.shape[0])
    grad_output = float_array("grad_output", grad_output, 2, x.dtype)
    if grad_output.shape != expected:
        raise ValueError(f"linear backward: grad_output has shape {grad_output.shape}, "
                         f"expected {expected}")
    if output is None and code != 0:
        raise ValueError(f"linear backward with activation {activation!r} needs output")
    if output is not None:
        output = float_array("output", output, 2, x.dtype)
        if output.shape != expected:
            raise ValueError(f"linear backward: output has shape {output.shape}, "
                             f"expected {expected}")
    return (grad_output, x, weight, output, code, negative_slope,
            *gradient_flags(input_grad, weight_grad, bias_grad))
