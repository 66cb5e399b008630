"""Gradient checking by central differences, as torch.autograd.gradcheck.

For every input x_i that requires grad, the numerical Jacobian column for element j is
(f(x + eps e_j) - f(x - eps e_j)) / (2 eps); the analytic Jacobian row for output element k is
the backward of a one-hot gradient at k. They must agree elementwise within atol + rtol * |numerical|.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytic and numerical Jacobians disagree."""


def _outputs(fn: Callable[..., Any], inputs: Sequence[Any]) -> list[Tensor]:
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if isinstance(o, Tensor) and o._array.dtype.kind == "f"]


def _numerical_jacobian(fn: Callable[..., Any], inputs: Sequence[Any], x: Tensor,
                        eps: float) -> list[np.ndarray]:
    """One (n_out_k, n_x) matrix per output k, perturbing x._array in place and restoring it."""
    flat = x._array.reshape(-1)  # a view: x._array must be contiguous (checked by the caller)
    columns: list[list[np.ndarray]] = []
    with no_grad():
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = [o._array.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[j] = original - eps
            minus = [o._array.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[j] = original
            columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    return [np.stack(per_output, axis=1) for per_output in zip(*columns)]


def _analytic_jacobian(fn: Callable[..., Any], inputs: Sequence[Any], x: Tensor,
                       k: int, n_out: int) -> np.ndarray:
    """Rows d out_k[i] / d x, one backward per output element."""
    rows = np.zeros((n_out, x.numel()))
    for i in range(n_out):
        out = _outputs(fn, inputs)[k]
        if not out.requires_grad:
            continue
        for t in inputs:
            if isinstance(t, Tensor):
                t.grad = None
        seed = np.zeros(out.numel(), dtype=out.dtype)
        seed[i] = 1
        out.backward(seed.reshape(out._array.shape))
        if x.grad is not None:
            rows[i] = x.grad._array.astype(np.float64).ravel()
    return rows


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check fn's analytic gradients against central differences for every input requiring grad.

    inputs is a Tensor or a tuple of arguments; use float64 tensors (float32 cannot resolve
    eps=1e-6). On a mismatch, raises GradcheckError naming the input, output and element and both
    values (or returns False when raise_exception=False).
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for position, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad) or x.numel() == 0:
            continue
        if x.dtype != np.float64:
            raise GradcheckError(f"input {position} is {x.dtype}; gradcheck needs float64 inputs")
        if not x._array.flags.c_contiguous:
            x._array = np.ascontiguousarray(x._array)
        numerical = _numerical_jacobian(fn, inputs, x, eps)
        for k, expected in enumerate(numerical):
            actual = _analytic_jacobian(fn, inputs, x, k, expected.shape[0])
            bad = np.abs(actual - expected) > atol + rtol * np.abs(expected)
            if bad.any():
                i, j = map(int, np.argwhere(bad)[0])
                message = (f"Jacobian mismatch for output {k} with respect to input {position}, "
                           f"output element {i}, input element {j}: analytic {float(actual[i, j])!r}, "
                           f"numerical {float(expected[i, j])!r} ({int(bad.sum())} of {bad.size} "
                           "entries differ)")
                if raise_exception:
                    raise GradcheckError(message)
                return False
    for t in inputs:
        if isinstance(t, Tensor):
            t.grad = None
    return True
