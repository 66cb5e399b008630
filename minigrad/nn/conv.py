"""Conv2d, MaxPool2d and AvgPool2d modules (PyTorch's arguments, layouts and init)."""
from __future__ import annotations

from typing import Any

from .. import ops
from ..tensor import Tensor
from . import _checks, init
from .linear import add_weight_and_bias
from .module import Module


class Conv2d(Module):
    """2-D convolution, weight (out_channels, in_channels, kh, kw); PyTorch's default init:
    kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__()
        self.in_channels = _checks.size("in_channels", in_channels)
        self.out_channels = _checks.size("out_channels", out_channels)
        self.kernel_size = _checks.window_pair("kernel_size", kernel_size, 1)
        self.stride = _checks.window_pair("stride", stride, 1)
        self.padding = _conv_padding(padding, self.stride)
        self.dilation = _checks.window_pair("dilation", dilation, 1)
        self.padding_mode = _padding_mode(padding_mode)
        add_weight_and_bias(self, (out_channels, in_channels, *self.kernel_size), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("conv2d", input)
        return ops.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}"
                + (f", dilation={self.dilation}" if self.dilation != (1, 1) else "")
                + (", bias=False" if self.bias is None else ""))


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")  # PyTorch's; minigrad pads zeros


def _conv_padding(padding: Any, stride: tuple[int, int]) -> Any:
    """An int or pair (as a pair), or 'valid' or 'same' (stride 1 only), ValueError otherwise."""
    if not isinstance(padding, str):
        return _checks.window_pair("padding", padding, 0)
    if padding not in ("valid", "same"):
        raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                         "{'valid', 'same'}")
    if padding == "same" and stride != (1, 1):
        raise ValueError("padding='same' is not supported for strided convolutions")
    return padding


def _padding_mode(padding_mode: Any) -> str:
    """'zeros'; PyTorch's other modes raise NotImplementedError, anything else ValueError."""
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, but got "
                         f"padding_mode={padding_mode!r}")
    if padding_mode != "zeros":
        raise NotImplementedError(f"padding_mode={padding_mode!r} is not supported: minigrad's "
                                  "Conv2d pads with zeros only (padding_mode='zeros')")
    return padding_mode


class _Pool2d(Module):
    """kernel_size, stride (default: the kernel size) and padding (at most half the kernel)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        kernel = _checks.window_pair("kernel_size", kernel_size, 1)
        if stride is not None:
            _checks.window_pair("stride", stride, 1)
        pad = _checks.window_pair("padding", padding, 0)
        if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"padding={padding!r} and kernel_size={kernel_size!r}")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max over kh x kw windows (stride defaults to the kernel size)."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("max_pool2d", input)
        return ops.max_pool2d(input, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over kh x kw windows, padding counted (stride defaults to the kernel size)."""

    def forward(self, input: Tensor) -> Tensor:
        _checks.tensor_input("avg_pool2d", input)
        return ops.avg_pool2d(input, self.kernel_size, self.stride, self.padding)
