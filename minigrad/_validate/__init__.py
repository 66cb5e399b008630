"""Argument checks shared by each compiled kernel and its NumPy twin, so both accept and reject
exactly the same inputs, with the same exception and message, before any computation starts.

Every kernel function calls one `<kernel>_arguments` function of its stem's module here
(`minigrad._validate.<stem>`; its twin calls the same one) and works only on what it returns:
C-contiguous arrays of the checked dtype and shape, and Python numbers of the checked type and
range. Required arrays are never None afterwards, so no kernel takes a pointer into a missing or
foreign buffer. This module holds the checks of single arrays and numbers that they share.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
INT64_RANGE = (-2 ** 63, 2 ** 63)


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


def array_of_shape(name: str, array: Any, shape: tuple) -> np.ndarray:
    """An ndarray of any dtype and exactly this shape (a mask or index array beside its data)."""
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError(f"{name} has shape {getattr(array, 'shape', None)}, expected {shape}")
    return array


def real(name: str, value: Any) -> float:
    """A real number (Python or NumPy, NaN and inf included) as a float."""
    if type(value) is float or type(value) is int:  # without the slower check against the ABC
        return float(value)
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
    if value is True or value is False:
        return value
    if not isinstance(value, np.bool_):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def thread_count(num_threads: Any) -> int:
    """The num_threads of a kernel with OpenMP loops: an int in [1, 2^31) (a C int)."""
    if type(num_threads) is int and 0 < num_threads < 2 ** 31:  # what the ops pass, checked in
        return num_threads  # ~120 ns per call where integer() (its ABC isinstance) took ~470
    return integer("num_threads", num_threads, 1, 2 ** 31)


def gradient_flags(input_grad: Any, weight_grad: Any, bias_grad: Any) -> tuple[bool, bool, bool]:
    """The three flags of a layer's backward: which gradients to compute."""
    return (flag("input_grad", input_grad), flag("weight_grad", weight_grad),
            flag("bias_grad", bias_grad))


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


def writeable_vector(name: str, array: Any) -> np.ndarray:
    """A 1-D float32/float64 array that a kernel writes in place: contiguous and writeable."""
    float_array(name, array, 1)
    if not array.flags.c_contiguous or not array.flags.writeable:
        raise ValueError(f"{name} must be a writeable contiguous array (it is written in place)")
    return array
