"""2-D convolution and pooling (kernels: csrc/conv.pyx and csrc/pool.pyx, twins in _reference/).

    conv2d       y[b] = W cols[b] + b (im2col, gemm) gW = sum_b gy[b] cols[b]^T, gx[b] = col2im(W^T gy[b]), gb = sum gy
    max_pool2d   window maximum                     gy routed to each window's argmax
    avg_pool2d   window mean (padding counted)      gy / (kh kw) spread over each window
"""
from __future__ import annotations

from typing import Any

from .. import kernels
from .._validate import pair
from ..autograd import Function
from ..tensor import Tensor
from ._util import needs


class Conv2d(Function):
    """The conv kernels split the batch over OpenMP threads, each running its images' gemms
    itself, so one image's columns stay in its thread's L2 cache (one gemm over the whole batch
    streamed tens of MB of columns through memory three times and ran OpenBLAS's threads
    between OpenMP passes). Those gemms must run on one BLAS thread each, and OpenBLAS's thread
    count is global to the library: both calls hold kernels.blas_on_one_thread(), which sets it
    to 1 while any conv2d of any Python thread is inside, and back after the last one; a gemm
    that another Python thread runs meanwhile is slower, not different (csrc/_blas.pxd). Around
    the NumPy twin it is harmless (NumPy has its own BLAS)."""

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0, dilation=1):
        kernel = kernels.load("conv", x.dtype)
        with kernels.blas_on_one_thread():
            y, cols = kernel.conv2d_forward(x, weight, bias, stride, padding, dilation,
                                            num_threads=kernels.get_num_threads())
        ctx.save_for_backward(x, cols, weight)
        ctx.geometry = (stride, padding, dilation)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, cols, weight = ctx.saved_tensors
        kernel = kernels.load("conv", x.dtype)
        with kernels.blas_on_one_thread():
            return kernel.conv2d_backward(
                gy, x, cols, weight, *ctx.geometry, input_grad=needs(ctx, 0),
                weight_grad=needs(ctx, 1),
                bias_grad=len(ctx.needs_input_grad) > 2 and needs(ctx, 2),
                num_threads=kernels.get_num_threads())


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        y, argmax = kernels.load("pool", x.dtype).max_pool2d_forward(
            x, kernel_size, stride, padding, num_threads=kernels.get_num_threads())
        ctx.save_for_backward(argmax)
        ctx.input_size = x.shape[2:]
        return y

    @staticmethod
    def backward(ctx, gy):
        (argmax,) = ctx.saved_tensors
        return kernels.load("pool", gy.dtype).max_pool2d_backward(
            gy, argmax, ctx.input_size, input_grad=True, num_threads=kernels.get_num_threads())


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        ctx.input_size, ctx.window = x.shape[2:], (kernel_size, stride, padding)
        return kernels.load("pool", x.dtype).avg_pool2d_forward(
            x, kernel_size, stride, padding, num_threads=kernels.get_num_threads())

    @staticmethod
    def backward(ctx, gy):
        return kernels.load("pool", gy.dtype).avg_pool2d_backward(
            gy, ctx.input_size, *ctx.window, input_grad=True,
            num_threads=kernels.get_num_threads())


def _batched(name: str, input: Tensor) -> tuple[Tensor, bool]:
    """(N, C, H, W) as is, (C, H, W) as a batch of one (PyTorch's unbatched input)."""
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim != 4:
        raise ValueError(f"{name}: expected 3D (C, H, W) or 4D (N, C, H, W) input, got shape "
                         f"{input._array.shape}")
    return input, False


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1) -> Tensor:
    """PyTorch's F.conv2d (groups=1): weight (out_channels, in_channels, kh, kw); padding an
    int, a pair, 'valid' or 'same'."""
    x, unbatched = _batched("conv2d", input)
    if weight.ndim != 4 or weight._array.shape[1] != x._array.shape[1]:
        raise ValueError(f"conv2d: weight of shape {weight._array.shape} does not fit input of "
                         f"shape {input._array.shape} (expected weight (out, "
                         f"{x._array.shape[1]}, kh, kw))")
    stride, dilation = pair("stride", stride, 1), pair("dilation", dilation, 1)
    padding, crop = _resolved_padding(padding, weight._array.shape[2:], stride, dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    y = Conv2d.apply(*args, stride=stride, padding=padding, dilation=dilation)
    if crop != (0, 0):
        y = y[:, :, crop[0]:, crop[1]:]
    return y.squeeze(0) if unbatched else y


def _resolved_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple
                      ) -> tuple[tuple[int, int], tuple[int, int]]:
    """(padding on each side, rows and columns to crop from the output's start) for a padding
    given as numbers or as 'valid' (none) or 'same' (PyTorch's rules, stride 1 only).

    'same' pads dilation (k - 1) zeros per dim, the smaller half before and the larger after.
    An odd total is padded here by its larger half on both sides, and the output's first row
    (column) cropped: the same output as PyTorch's one extra zero after."""
    if not isinstance(padding, str):
        return pair("padding", padding, 0), (0, 0)
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: {padding!r} (expected 'valid' or 'same')")
    if stride != (1, 1):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple((t + 1) // 2 for t in totals), tuple(t % 2 for t in totals)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """PyTorch's F.max_pool2d (dilation 1, floor mode)."""
    x, unbatched = _batched("max_pool2d", input)
    y = MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)
    return y.squeeze(0) if unbatched else y


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """PyTorch's F.avg_pool2d (floor mode, count_include_pad=True)."""
    x, unbatched = _batched("avg_pool2d", input)
    y = AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)
    return y.squeeze(0) if unbatched else y
