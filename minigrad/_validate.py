"""Argument checks shared by each compiled kernel and its NumPy twin, so both accept and reject
exactly the same inputs, with the same exception and message, before any computation starts.

Every kernel function calls one `<kernel>_arguments` function here (its twin calls the same one)
and works only on what it returns: C-contiguous arrays of the checked dtype and shape, and
Python numbers of the checked type and range. Required arrays are never None afterwards, so no
kernel takes a pointer into a missing or foreign buffer.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh")
INT64_RANGE = (-2 ** 63, 2 ** 63)


# ------------------------------------------------------------------------- arrays and scalars

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


def vector(name: str, array: Any, length: int, dtype: Any) -> np.ndarray:
    """A required (length,) array of the given float dtype, contiguous."""
    array = float_array(name, array, 1, dtype)
    if array.shape[0] != length:
        raise ValueError(f"{name} has shape {array.shape}, expected ({length},)")
    return array


def channel_vector(name: str, array: Any, channels: int, dtype: Any) -> np.ndarray | None:
    """An optional (channels,) parameter or statistic of the given dtype, contiguous."""
    return None if array is None else vector(name, array, channels, dtype)


def real(name: str, value: Any) -> float:
    """A real number (Python or NumPy, NaN and inf included) as a float."""
    if not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def integer(name: str, value: Any, low: int, high: int) -> int:
    """An integer (Python or NumPy) in [low, high) as an int."""
    if not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not low <= value < high:
        raise ValueError(f"{name} must be in [{low}, {high}), got {value}")
    return int(value)


def flag(name: str, value: Any) -> bool:
    """A bool (Python or NumPy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def pair(name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum, as a pair (PyTorch's _pair)."""
    if isinstance(value, Integral):
        values = (value, value)
    elif isinstance(value, (tuple, list)):
        values = tuple(value)
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {type(value).__name__} "
                        f"{value!r}")
    if len(values) != 2 or not all(isinstance(v, Integral) and v >= minimum for v in values):
        raise ValueError(f"{name} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


# ------------------------------------------------------------------------------------ linear

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
    flags = (flag(name, value) for name, value in (("input_grad", input_grad),
                                                    ("weight_grad", weight_grad),
                                                    ("bias_grad", bias_grad)))
    return (grad_output, x, weight, output, code, negative_slope, *flags)


# -------------------------------------------------------------------------------------- norm

def norm_grad_inputs(grad_output: Any, x: Any, ndim: int) -> tuple:
    """grad_output and x of a normalization backward: float arrays of ndim dims, same shape."""
    x = float_array("input", x, ndim)
    grad_output = float_array("grad_output", grad_output, ndim, x.dtype)
    if grad_output.shape != x.shape:
        raise ValueError(f"normalization backward: grad_output has shape {grad_output.shape}, "
                         f"expected {x.shape}")
    return grad_output, x


def batch_norm_apply_arguments(x: Any, mean: Any, var: Any, weight: Any, bias: Any,
                               eps: Any) -> tuple:
    """x (N, C, L); mean and var float64 (C,); weight and bias (C,) or None; eps a number."""
    x = float_array("input", x, 3)
    channels = x.shape[1]
    return (x, vector("mean", mean, channels, np.float64), vector("var", var, channels, np.float64),
            channel_vector("weight", weight, channels, x.dtype),
            channel_vector("bias", bias, channels, x.dtype), real("eps", eps))


def batch_norm_backward_arguments(grad_output: Any, x: Any, mean: Any, var: Any, weight: Any,
                                  eps: Any, training: Any) -> tuple:
    """grad_output and x (N, C, L), then as batch_norm_apply, and the training flag."""
    grad_output, x = norm_grad_inputs(grad_output, x, 3)
    channels = x.shape[1]
    return (grad_output, x, vector("mean", mean, channels, np.float64),
            vector("var", var, channels, np.float64),
            channel_vector("weight", weight, channels, x.dtype), real("eps", eps),
            flag("training", training))


def layer_norm_forward_arguments(x: Any, weight: Any, bias: Any, eps: Any) -> tuple:
    """x (M, D); weight and bias (D,) or None; eps a number."""
    x = float_array("input", x, 2)
    return (x, channel_vector("weight", weight, x.shape[1], x.dtype),
            channel_vector("bias", bias, x.shape[1], x.dtype), real("eps", eps))


def layer_norm_backward_arguments(grad_output: Any, x: Any, mean: Any, rstd: Any,
                                  weight: Any) -> tuple:
    """grad_output and x (M, D), mean and rstd float64 (M,), weight (D,) or None."""
    grad_output, x = norm_grad_inputs(grad_output, x, 2)
    rows, size = x.shape
    return (grad_output, x, vector("mean", mean, rows, np.float64),
            vector("rstd", rstd, rows, np.float64), channel_vector("weight", weight, size, x.dtype))


# -------------------------------------------------------------------------------------- loss

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


def float_class_labels_error(prefix: str, target: np.ndarray, input_shape: tuple | None,
                             noun: str = "array") -> TypeError:
    """The error for float targets that cannot be probabilities (not of the input's rank, or
    where probabilities are not allowed, input_shape None): class indices must be integers."""
    hint = "" if input_shape is None else \
        f" (probability targets must have the input's shape {input_shape})"
    return TypeError(f"{prefix}expected a Long (integer) {noun} of class indices, got "
                     f"{target.dtype} of shape {target.shape}{hint}")


def loss_targets(target: Any, logits: np.ndarray, ignore_index: int) -> np.ndarray:
    """Targets for cross-entropy over logits (N, C): class indices (N,) or probabilities (N, C)
    of the logits' dtype."""
    if isinstance(target, np.ndarray) and target.dtype.kind == "f":
        if target.ndim != 2:
            raise float_class_labels_error("target: ", target, logits.shape)
        target = float_array("target", target, 2, logits.dtype)
        if target.shape != logits.shape:
            raise ValueError(f"probability targets have shape {target.shape}, expected "
                             f"{logits.shape} (the logits' shape)")
        return target
    return class_targets(target, logits.shape[0], logits.shape[1], ignore_index)


def cross_entropy_arguments(logits: Any, target: Any, weight: Any, ignore_index: Any,
                            label_smoothing: Any) -> tuple:
    """(logits, target, weight, ignore_index, label_smoothing): logits (N, C); target class
    indices (N,) or probabilities (N, C); weight float64 (C,) (ones for None); ignore_index an
    int64; label_smoothing in [0, 1]."""
    logits = float_array("input", logits, 2)
    ignore_index = integer("ignore_index", ignore_index, *INT64_RANGE)
    label_smoothing = real("label_smoothing", label_smoothing)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    target = loss_targets(target, logits, ignore_index)
    weight = channel_vector("weight", weight, logits.shape[1], logits.dtype)
    weight = np.ones(logits.shape[1]) if weight is None else weight.astype(np.float64)
    return logits, target, weight, ignore_index, label_smoothing


def cross_entropy_backward_arguments(grad_losses: Any, probs: Any, target: Any, weight: Any,
                                     ignore_index: Any, label_smoothing: Any) -> tuple:
    """grad_losses float64 (N,), then as cross_entropy_arguments with probs for the logits."""
    probs, target, weight, ignore_index, label_smoothing = cross_entropy_arguments(
        probs, target, weight, ignore_index, label_smoothing)
    grad_losses = vector("grad_losses", grad_losses, probs.shape[0], np.float64)
    return grad_losses, probs, target, weight, ignore_index, label_smoothing


def bce_inputs(x: Any, y: Any, weight: Any, pos_weight: Any) -> tuple:
    """Logits x (n,), targets y (n,), optional weight and pos_weight (n,): one float dtype."""
    x = float_array("input", x, 1)
    return (x, vector("target", y, x.shape[0], x.dtype),
            *(channel_vector(name, array, x.shape[0], x.dtype) for name, array in
              (("weight", weight), ("pos_weight", pos_weight))))


# ----------------------------------------------------------------------------------- dropout

def dropout_probability(p: Any, upper_open: bool = False) -> float:
    """p a number in [0, 1] (or [0, 1) where p = 1 has no finite formula): TypeError for a
    non-number (as PyTorch), ValueError outside the range (NaN included)."""
    bound = "[0, 1)" if upper_open else "[0, 1]"
    if not isinstance(p, Real):
        raise TypeError(f"dropout probability must be a number in {bound}, got "
                        f"{type(p).__name__} {p!r}")
    if not (0 <= p < 1 if upper_open else 0 <= p <= 1):
        raise ValueError(f"dropout probability has to be in {bound}, but got {p}")
    return float(p)


def dropout_arguments(x: Any, p: Any, seed: Any) -> tuple:
    """(x, p, seed) of a dropout forward: x flat (n,), p in [0, 1), seed a uint64."""
    return (float_array("input", x, 1), dropout_probability(p, upper_open=True),
            integer("seed", seed, 0, 2 ** 64))


def masked_scale_arguments(grad_output: Any, mask: Any, scale: Any) -> tuple:
    """grad_output (n,); mask (n,) keep flags (uint8) or noise of grad_output's dtype; scale."""
    grad_output = float_array("grad_output", grad_output, 1)
    if not isinstance(mask, np.ndarray) or mask.shape != grad_output.shape:
        raise ValueError(f"mask has shape {getattr(mask, 'shape', None)}, expected "
                         f"{grad_output.shape}")
    if mask.dtype == np.uint8:
        mask = np.ascontiguousarray(mask)
    else:
        mask = float_array("mask", mask, 1, grad_output.dtype)
    return grad_output, mask, real("scale", scale)


# -------------------------------------------------------------------------------------- conv

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
    """x (N, C, H, W), weight (O, C, kh, kw) with kh, kw >= 1, bias (O,) or None: contiguous,
    one float dtype."""
    x = float_array("input", x, 4)
    weight = float_array("weight", weight, 4, x.dtype)
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d: weight of shape {weight.shape} expects {weight.shape[1]} "
                         f"input channels, but the input of shape {x.shape} has {x.shape[1]}")
    if min(weight.shape[2:]) < 1:
        raise ValueError(f"conv2d: weight of shape {weight.shape} has an empty kernel")
    bias = channel_vector("bias", bias, weight.shape[0], x.dtype)
    return x, weight, bias


def kernel_area(weight: np.ndarray) -> int:
    """kh * kw of a weight (O, C, kh, kw)."""
    return weight.shape[2] * weight.shape[3]


def conv2d_forward_arguments(x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                             dilation: Any) -> tuple:
    """(x, weight, bias, (kernel, stride, padding, dilation, out_size)) of conv2d_forward."""
    x, weight, bias = conv2d_inputs(x, weight, bias)
    stride, padding = pair("stride", stride, 1), pair("padding", padding, 0)
    dilation = pair("dilation", dilation, 1)
    kernel = weight.shape[2:]
    out_size = window_output_size(x.shape[2:], kernel, stride, padding, dilation)
    return x, weight, bias, (kernel, stride, padding, dilation, out_size)


def conv2d_backward_arguments(grad_output: Any, x: Any, cols: Any, weight: Any, stride: Any,
                              padding: Any, dilation: Any, input_grad: Any, weight_grad: Any,
                              bias_grad: Any) -> tuple:
    """(grad_output, x, cols, weight, geometry, input_grad, weight_grad, bias_grad):
    grad_output (N, O, OH, OW) and cols (N, C*kh*kw, OH*OW) as conv2d_forward made them."""
    x, weight, _, geometry = conv2d_forward_arguments(x, weight, None, stride, padding,
                                                      dilation)
    out_size = geometry[-1]
    grad_output = float_array("grad_output", grad_output, 4, x.dtype)
    expected = (x.shape[0], weight.shape[0], *out_size)
    if grad_output.shape != expected:
        raise ValueError(f"conv2d backward: grad_output has shape {grad_output.shape}, "
                         f"expected {expected}")
    cols = float_array("cols", cols, 3, x.dtype)
    expected = (x.shape[0], x.shape[1] * kernel_area(weight), out_size[0] * out_size[1])
    if cols.shape != expected:
        raise ValueError(f"cols has shape {cols.shape}, expected {expected}")
    flags = (flag(name, value) for name, value in (("input_grad", input_grad),
                                                    ("weight_grad", weight_grad),
                                                    ("bias_grad", bias_grad)))
    return (grad_output, x, cols, weight, geometry, *flags)




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


def pool_arguments(x: Any, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    """(x, kernel, stride, padding, out_size) of a pooling forward over x (N, C, H, W)."""
    x = float_array("input", x, 4)
    return (x, *pool_geometry(x.shape[2:], kernel_size, stride, padding))


def max_pool2d_backward_arguments(grad_output: Any, argmax: Any, input_size: Any) -> tuple:
    """grad_output (N, C, OH, OW); argmax integer indices of its shape, each in [0, H*W) of
    input_size (H, W): (grad_output, argmax as int64, input_size)."""
    grad_output = float_array("grad_output", grad_output, 4)
    if not isinstance(argmax, np.ndarray) or argmax.shape != grad_output.shape:
        raise ValueError(f"argmax has shape {getattr(argmax, 'shape', None)}, expected "
                         f"{grad_output.shape}")
    if argmax.dtype.kind not in "iu":
        raise TypeError(f"argmax must hold integer indices, got {argmax.dtype}")
    h, w = pair("input_size", input_size, 0)
    if argmax.size and (argmax.min() < 0 or argmax.max() >= h * w):
        raise ValueError(f"argmax holds indices outside the {h}x{w} input plane")
    return grad_output, np.ascontiguousarray(argmax, np.int64), (h, w)


def avg_pool2d_backward_arguments(grad_output: Any, input_size: Any, kernel_size: Any,
                                  stride: Any, padding: Any) -> tuple:
    """(grad_output, input_size, kernel, stride, padding, out_size): grad_output
    (N, C, OH, OW) with (OH, OW) the pooling's output size over input_size (H, W)."""
    grad_output = float_array("grad_output", grad_output, 4)
    input_size = pair("input_size", input_size, 0)
    kernel, stride, padding, out_size = pool_geometry(input_size, kernel_size, stride, padding)
    if grad_output.shape[2:] != out_size:
        raise ValueError(f"grad_output has spatial size {grad_output.shape[2:]}, expected "
                         f"{out_size}")
    return grad_output, input_size, kernel, stride, padding, out_size
