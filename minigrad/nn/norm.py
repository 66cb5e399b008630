"""BatchNorm1d, BatchNorm2d and LayerNorm modules over minigrad.ops.norm (PyTorch's semantics)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import ops
from ..creation import ones, tensor, zeros
from ..tensor import Tensor
from . import _checks
from .module import Module, Parameter


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d, which differ only in the input shapes they accept.

    momentum=None averages the running statistics cumulatively (factor 1/num_batches_tracked).
    """

    expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_features = _checks.size("num_features", num_features)
        self.eps = _checks.positive("eps", eps)
        if momentum is not None:
            _checks.number("momentum", momentum)
        self.momentum = momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            self.bias = Parameter(zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in self.expected_dims:
            dims = " or ".join(f"{d}D" for d in self.expected_dims)
            raise ValueError(f"{type(self).__name__}: expected {dims} input, got {input.ndim}D "
                             f"input of shape {input._array.shape}")

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("batch_norm", input)
        self._check_input_dim(input)
        use_batch_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / (int(self.num_batches_tracked.item()) + 1)
            output = ops.batch_norm(input, self.running_mean, self.running_var, self.weight,
                                    self.bias, True, momentum, self.eps)
            self.num_batches_tracked._array += 1  # after the checks in batch_norm passed
            return output
        running = (self.running_mean, self.running_var) if not use_batch_stats else (None, None)
        return ops.batch_norm(input, *running, self.weight, self.bias, use_batch_stats,
                              momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L) input, per channel C."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W) input, per channel C."""

    expected_dims = (4,)


def _normalized_shape(value: Any) -> tuple[int, ...]:
    """An int or a sequence of ints (sizes >= 0) as a tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(_checks.size("normalized_shape", size) for size in value)
    return (_checks.size("normalized_shape", value),)


class LayerNorm(Module):
    """Layer normalization over the trailing dims given by normalized_shape."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        shape = _normalized_shape(normalized_shape)
        self.normalized_shape, self.eps = shape, _checks.positive("eps", eps)
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*shape, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(*shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("layer_norm", input)
        return ops.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
