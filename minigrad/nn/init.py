"""Parameter initialization (PyTorch's names, fan conventions and gains), drawing from minigrad's
seeded generator. Each function fills a tensor in place, outside the graph, and returns it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..random import numpy_rng
from ..tensor import Tensor
from . import _checks


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation: the factor that keeps activations' variance."""
    linear_like = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                   "conv_transpose2d", "conv_transpose3d", "sigmoid")
    if nonlinearity in linear_like:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is not None and (isinstance(param, bool) or not isinstance(param, (int, float))):
            raise ValueError(f"negative_slope {param!r} not a valid number")
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (PyTorch's rule)."""
    _target(tensor)
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive_field = math.prod(tensor._array.shape[2:])
    return tensor._array.shape[1] * receptive_field, tensor._array.shape[0] * receptive_field


def _target(tensor: Any) -> None:
    """TypeError unless tensor is a Tensor (checked before any random number is drawn)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init fills a Tensor in place, got {_checks.type_name(tensor)}")


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor._array[...] = values
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    _target(tensor)
    if not _checks.number("a", a) <= _checks.number("b", b):
        raise RuntimeError(f"uniform_ expects a [from, to) range, but found from={a} > to={b}")
    return _fill(tensor, numpy_rng().uniform(a, b, tensor._array.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std^2) (the texts' fixed-variance init is normal_(w, 0, 0.01))."""
    _target(tensor)
    _checks.number("mean", mean)
    if not _checks.number("std", std) >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, numpy_rng().normal(mean, std, tensor._array.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with val."""
    _target(tensor)
    return _fill(tensor, _checks.number("val", val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (variance 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(tensor, 0.0, std)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """gain / sqrt(fan): He's standard deviation for the chosen fan."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He initialization: U(-bound, bound), bound = gain * sqrt(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He initialization: N(0, std^2), std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, signs fixed by
    diag(R) so that it is uniformly distributed; trailing dims are flattened (PyTorch's rule)."""
    _target(tensor)
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    rows = tensor._array.shape[0]
    cols = tensor.numel() // rows if rows else 0
    flat = numpy_rng().normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor._array.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """N(mean, std^2) truncated to [a, b], by the inverse CDF of a uniform draw (PyTorch's method)."""
    from scipy.special import erf, erfinv

    _target(tensor)
    if not _checks.number("std", std) > 0:
        raise RuntimeError(f"trunc_normal_ expects std > 0, but found std {std}")
    if not _checks.number("a", a) <= _checks.number("b", b):
        raise RuntimeError(f"trunc_normal_ expects a <= b, but found a={a} > b={b}")
    low, high = (1 + erf((a - mean) / std / math.sqrt(2))) / 2, \
        (1 + erf((b - mean) / std / math.sqrt(2))) / 2
    u = numpy_rng().uniform(2 * low - 1, 2 * high - 1, tensor._array.shape)
    values = np.clip(mean + std * math.sqrt(2) * erfinv(u), a, b)
    return _fill(tensor, values)


def default_layer_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(weight, a=sqrt(5)), i.e.
    U(±1/sqrt(fan_in)), and the bias U(±1/sqrt(fan_in))."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
