"""Argument checks shared by each compiled kernel and its NumPy twin, so both accept and reject
exactly the same inputs, with the same messages, before any computation starts."""
from __future__ import annotations

from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh")


def float_array(name: str, array: Any, ndim: int, dtype: Any = None) -> np.ndarray:
    """array as a C-contiguous float32/float64 ndarray of ndim dimensions (and dtype if given).

    Runs on every kernel call, so it compares dtype objects directly: a big-endian float32
    does not equal the native one and is rejected with the other non-float types."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(array).__name__}")
    kind = array.dtype
    if kind != FLOAT_DTYPES[0] and kind != FLOAT_DTYPES[1]:
        raise TypeError(f"{name} must be float32 or float64, got {kind}")
    if dtype is not None and kind != dtype:
        raise TypeError(f"{name} has dtype {kind} but the other inputs are {np.dtype(dtype)}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


def activation_code(activation: str, negative_slope: float) -> int:
    """The index of activation in ACTIVATIONS (the kernels' switch value)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if activation == "leaky_relu" and not negative_slope >= 0:
        raise ValueError("the fused leaky_relu needs negative_slope >= 0 (its derivative is read "
                         f"from the output's sign), got {negative_slope}")
    return ACTIVATIONS.index(activation)


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


def linear_grad_inputs(grad_output: Any, x: np.ndarray, weight: np.ndarray, output: Any,
                       activation: str) -> tuple:
    """grad_output and the saved output, both (N, out), checked against x and weight."""
    expected = (x.shape[0], weight.shape[0])
    grad_output = float_array("grad_output", grad_output, 2, x.dtype)
    if grad_output.shape != expected:
        raise ValueError(f"linear backward: grad_output has shape {grad_output.shape}, "
                         f"expected {expected}")
    if activation != "none":
        if output is None:
            raise ValueError(f"linear backward with activation {activation!r} needs output")
        output = float_array("output", output, 2, x.dtype)
        if output.shape != expected:
            raise ValueError(f"linear backward: output has shape {output.shape}, "
                             f"expected {expected}")
    return grad_output, output


def channel_vector(name: str, array: Any, channels: int, dtype: Any) -> np.ndarray | None:
    """An optional (channels,) parameter or statistic of the given dtype, contiguous."""
    if array is None:
        return None
    array = float_array(name, array, 1, dtype)
    if array.shape[0] != channels:
        raise ValueError(f"{name} has shape {array.shape}, expected ({channels},)")
    return array



def class_targets(target: Any, rows: int, classes: int, ignore_index: int) -> np.ndarray:
    """Class-index targets: an integer (rows,) array with every value in [0, classes) or equal to
    ignore_index (IndexError naming the first bad value, as PyTorch)."""
    if not isinstance(target, np.ndarray) or target.dtype.kind not in "iu":
        kind = type(target).__name__ if not isinstance(target, np.ndarray) else target.dtype
        raise TypeError(f"class-index targets must be an integer array, got {kind}")
    if target.shape != (rows,):
        raise ValueError(f"target has shape {target.shape}, expected ({rows},)")
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bad.any():
        raise IndexError(f"Target {int(target[bad][0])} is out of bounds (expected a class in "
                         f"[0, {classes}) or ignore_index={ignore_index}).")
    return np.ascontiguousarray(target, dtype=np.int64)


def loss_targets(target: Any, logits: np.ndarray, ignore_index: int) -> np.ndarray:
    """Targets for cross-entropy over logits (N, C): class indices (N,) or probabilities (N, C)
    of the logits' dtype."""
    if isinstance(target, np.ndarray) and target.dtype.kind == "f":
        target = float_array("target", target, 2, logits.dtype)
        if target.shape != logits.shape:
            raise ValueError(f"probability targets have shape {target.shape}, expected "
                             f"{logits.shape} (the logits' shape)")
        return target
    return class_targets(target, logits.shape[0], logits.shape[1], ignore_index)


def bce_inputs(x: Any, y: Any, weight: Any, pos_weight: Any) -> tuple:
    """Logits x (n,), targets y (n,), optional weight and pos_weight (n,): one float dtype."""
    x = float_array("input", x, 1)
    if y is None:
        raise TypeError("target must be a numpy.ndarray, got NoneType")
    return (x, *(channel_vector(name, array, x.shape[0], x.dtype) for name, array in
                 (("target", y), ("weight", weight), ("pos_weight", pos_weight))))


def dropout_probability(p: Any, upper_open: bool = False) -> float:
    """p in [0, 1] (or [0, 1) where p = 1 has no finite formula), ValueError otherwise."""
    if not isinstance(p, (int, float, np.floating)) or not (0 <= p < 1 if upper_open else
                                                             0 <= p <= 1):
        bound = "[0, 1)" if upper_open else "[0, 1]"
        raise ValueError(f"dropout probability has to be in {bound}, but got {p}")
    return float(p)


def pair(name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum, as a pair (PyTorch's _pair)."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and v >= minimum
                                   for v in values):
        raise ValueError(f"{name} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def window_output_size(input_size: tuple, kernel: tuple, stride: tuple, padding: tuple,
                       dilation: tuple) -> tuple[int, int]:
    """(OH, OW) = floor((H + 2p - d (k - 1) - 1) / s) + 1 per dim; ValueError unless >= 1."""
    out = tuple((size + 2 * p - d * (k - 1) - 1) // s + 1
                for size, k, s, p, d in zip(input_size, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"input of spatial size {tuple(input_size)} is too small for kernel "
                         f"{kernel} with stride {stride}, padding {padding}, dilation {dilation} "
                         f"(output size would be {out})")
    return out


def conv2d_inputs(x: Any, weight: Any, bias: Any) -> tuple:
    """x (N, C, H, W), weight (O, C, kh, kw), bias (O,) or None: contiguous, one float dtype."""
    x = float_array("input", x, 4)
    weight = float_array("weight", weight, 4, x.dtype)
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d: weight of shape {weight.shape} expects {weight.shape[1]} "
                         f"input channels, but the input of shape {x.shape} has {x.shape[1]}")
    bias = channel_vector("bias", bias, weight.shape[0], x.dtype)
    return x, weight, bias


def writeable_vector(name: str, array: Any) -> np.ndarray:
    """A 1-D float32/float64 array that a kernel writes in place: contiguous and writeable."""
    float_array(name, array, 1)
    if not array.flags.c_contiguous or not array.flags.writeable:
        raise ValueError(f"{name} must be a writeable contiguous array (it is written in place)")
    return array


UNUSED = object()  # an optimizer state array that the update's options do not read


def _optimizer_array(name: str, array: Any, param: np.ndarray, written: bool) -> None:
    """One array of an optimizer update: a C-contiguous 1-D ndarray of param's dtype and length,
    writeable if the update writes it. None or a non-array is a TypeError naming the argument."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(array).__name__}")
    if array.dtype != param.dtype:
        raise TypeError(f"{name} must have param's dtype {param.dtype}, got {array.dtype}")
    if array.shape != param.shape:
        raise ValueError(f"{name} must have param's shape {param.shape}, got {array.shape}")
    if not array.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (the update reads it as one flat buffer)")
    if written and not array.flags.writeable:
        raise ValueError(f"{name} must be writeable (the update writes it in place)")


def optimizer_arrays(param: Any, grad: Any, **states: Any) -> None:
    """The arrays of one fused optimizer update: param (written), grad (read) and the named state
    arrays (written) that the update's options need; a state passed as UNUSED is not read and
    not checked. Each array is a C-contiguous 1-D ndarray of param's float dtype and length, and
    no two overlap in memory (an in-place update must not read what it writes). O(number of
    arrays): no element is looked at."""
    if not isinstance(param, np.ndarray):
        raise TypeError(f"param must be a numpy.ndarray, got {type(param).__name__}")
    if param.dtype != FLOAT_DTYPES[0] and param.dtype != FLOAT_DTYPES[1]:
        raise TypeError(f"param must be float32 or float64, got {param.dtype}")
    if param.ndim != 1:
        raise ValueError(f"param must be 1-D (a flat parameter buffer), got shape {param.shape}")
    _optimizer_array("param", param, param, written=True)
    _optimizer_array("grad", grad, param, written=False)
    arrays = {"param": param, "grad": grad}
    for name, array in states.items():
        if array is not UNUSED:
            _optimizer_array(name, array, param, written=True)
            arrays[name] = array
    names = list(arrays)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if np.may_share_memory(arrays[first], arrays[second]):
                raise ValueError(f"{second} overlaps {first} in memory (an in-place update must "
                                 f"not read what it writes)")


def pool_geometry(input_size: tuple, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    """(kernel, stride, padding, out_size) of a pooling window; stride defaults to the kernel,
    padding at most half the kernel (PyTorch's rule)."""
    kernel = pair("kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair("stride", stride, 1)
    padding = pair("padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"pad should be at most half of effective kernel size, but got "
                         f"pad={padding} and kernel_size={kernel}")
    out_size = window_output_size(tuple(input_size), kernel, stride, padding, (1, 1))
    return kernel, stride, padding, out_size


def norm_grad_inputs(grad_output: Any, x: Any, ndim: int) -> tuple:
    """grad_output and x of a normalization backward: float arrays of ndim dims, same shape."""
    x = float_array("input", x, ndim)
    grad_output = float_array("grad_output", grad_output, ndim, x.dtype)
    if grad_output.shape != x.shape:
        raise ValueError(f"normalization backward: grad_output has shape {grad_output.shape}, "
                         f"expected {x.shape}")
    return grad_output, x
