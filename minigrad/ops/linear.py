"""matmul (vector, matrix, batched, broadcast) and the fused linear layer act(x W^T + b).

linear runs on the `linear` kernel (csrc/linear.pyx, twin minigrad/_reference/linear.py): one gemm
forward with bias and activation fused into its output pass, two gemms backward.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function
from ..tensor import Tensor
from ._util import kept_for_each_other, needs, tensor_input


class Matmul(Function):
    """y = a @ b;  ga = gy @ b^T,  gb = a^T @ gy (1-D operands promoted as NumPy does)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*kept_for_each_other(ctx, a, b))
        ctx.vectors = (a.ndim == 1, b.ndim == 1)
        return a @ b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        a_vector, b_vector = ctx.vectors
        if b_vector:
            gy = np.expand_dims(gy, -1)
        if a_vector:
            gy = np.expand_dims(gy, -2)
        ga = gb = None
        if needs(ctx, 0):
            b2 = b[:, None] if b_vector else b  # (..., k, m)
            ga = gy @ np.swapaxes(b2, -1, -2)
            ga = ga[..., 0, :] if a_vector else ga
        if needs(ctx, 1):
            a2 = a[None, :] if a_vector else a  # (..., n, k)
            gb = np.swapaxes(a2, -1, -2) @ gy
            gb = gb[..., 0] if b_vector else gb
        return ga, gb


# OpenBLAS's threaded float64 gemm gives bits that depend on the thread count (float32 ones do
# not: csrc/_blas.pxd), so float64 linear kernels run under kernels.float64_gemm_threads() (one
# BLAS thread in deterministic mode). A branch, not a helper: a call level would cost every
# float32 layer ~1,400 instructions (a sixth of the moons step's Python overhead per layer).
FLOAT64 = np.dtype(np.float64)


class Linear(Function):
    """y = act(x W^T + b) over the last dim of x; see the kernel for the fused passes."""

    @staticmethod
    def forward(ctx, x, weight, bias=None, activation="none", negative_slope=0.01):
        batched = x.ndim != 2  # (*, in) is run as (N, in) and shaped back
        x2 = x.reshape(-1, x.shape[-1]) if batched else x
        kernel = kernels.load("linear", x.dtype).linear_forward
        if x.dtype is FLOAT64:
            with kernels.float64_gemm_threads():
                y = kernel(x2, weight, bias, activation, negative_slope)
        else:
            y = kernel(x2, weight, bias, activation, negative_slope)
        ctx.save_for_backward(x2, weight, y if activation != "none" else None)
        ctx.x_shape = x.shape if batched else None
        ctx.activation, ctx.negative_slope = activation, negative_slope
        return y.reshape(x.shape[:-1] + (weight.shape[0],)) if batched else y

    @staticmethod
    def backward(ctx, gy):
        x2, weight, y = ctx.saved_tensors
        batched = ctx.x_shape is not None
        wants = ctx.needs_input_grad
        kernel = kernels.load("linear", x2.dtype).linear_backward
        gy2 = gy.reshape(-1, weight.shape[0]) if batched else gy
        with_bias = len(wants) > 2 and wants[2]
        if x2.dtype is FLOAT64:
            with kernels.float64_gemm_threads():
                gx, gw, gb = kernel(gy2, x2, weight, y, ctx.activation, ctx.negative_slope,
                                    input_grad=wants[0], weight_grad=wants[1], bias_grad=with_bias)
        else:
            gx, gw, gb = kernel(gy2, x2, weight, y, ctx.activation, ctx.negative_slope,
                                input_grad=wants[0], weight_grad=wants[1], bias_grad=with_bias)
        return (gx.reshape(ctx.x_shape) if batched and gx is not None else gx), gw, gb


def _matmul_shapes_error(a: tuple, b: tuple) -> ValueError:
    return ValueError(f"matmul: shapes {a} and {b} cannot be multiplied (the last dim of the "
                      "first must equal the second-to-last (or only) dim of the second)")


def matmul(input: Any, other: Any) -> Tensor:
    """input @ other with NumPy's (and PyTorch's) rules for 1-D and batched operands."""
    a = input if isinstance(input, Tensor) else Tensor._make(np.asarray(input))
    b = other if isinstance(other, Tensor) else Tensor._make(np.asarray(other))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    if a._array.shape[-1] != b._array.shape[0 if b.ndim == 1 else -2]:
        raise _matmul_shapes_error(a._array.shape, b._array.shape)
    try:
        np.broadcast_shapes(a._array.shape[:-2], b._array.shape[:-2])
    except ValueError:
        raise _matmul_shapes_error(a.shape, b.shape) from None
    return Matmul.apply(a, b)


mm = matmul


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors, (b, n, m) @ (b, m, p) (torch.bmm)."""
    for name, t in (("batch1", input), ("batch2", mat2)):
        tensor_input("bmm", t, "input" if name == "batch1" else "mat2")
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if input._array.shape[0] != mat2._array.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{input._array.shape[0]} and {mat2._array.shape[0]}")
    return matmul(input, mat2)


def _linear(input: Tensor, weight: Tensor, bias: Tensor | None, activation: str,
            negative_slope: float) -> Tensor:
    tensor_input("linear", input)  # an ndarray's ._array below would be a memoryview
    x, w = input._array, weight._array  # the arrays: cheaper to inspect than the Tensor properties
    if x.ndim == 0 or w.ndim != 2:
        raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                         f"{w.shape} (expected input (*, {w.shape[-1]}))")
    if x.shape[-1] != w.shape[1]:  # PyTorch's error: input rows times weight^T
        rows = x.size // x.shape[-1] if x.shape[-1] else int(np.prod(x.shape[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                           f"and {w.shape[1]}x{w.shape[0]})")
    if x.dtype != w.dtype or (bias is not None and bias._array.dtype != w.dtype):
        raise TypeError(f"linear: input ({input.dtype}), weight ({weight.dtype}) and bias "
                        f"({None if bias is None else bias.dtype}) must share one dtype")
    if bias is None:
        return Linear.apply(input, weight, activation=activation, negative_slope=negative_slope)
    return Linear.apply(input, weight, bias, activation=activation, negative_slope=negative_slope)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias, weight of shape (out_features, in_features) (PyTorch's F.linear)."""
    return _linear(input, weight, bias, "none", 0.01)


def fused_linear(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                 activation: str = "relu", negative_slope: float = 0.01) -> Tensor:
    """act(input @ weight.T + bias) in one kernel call: activation is one of "none", "relu",
    "leaky_relu", "sigmoid", "tanh" (minigrad's addition; equals act(F.linear(...)))."""
    return _linear(input, weight, bias, activation, negative_slope)
