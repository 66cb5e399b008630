"""Building tensors from data or a shape: `tensor`, `as_tensor`, `zeros`, `ones`, `empty`, `full`,
`eye`, `arange`, `linspace`, `logspace`, `meshgrid`, the `*_like` and `Tensor.new_*` forms, and
what `minigrad.Tensor(...)` builds. Random tensors are in minigrad/random.py.

dtype rules follow PyTorch: Python floats become the default float dtype (float32 unless
`set_default_dtype` changed it), Python ints int64, bools bool; an ndarray, a NumPy scalar or a
tensor keeps its dtype. Every function takes `device=` (only the CPU exists, see device.py).
"""
from __future__ import annotations

import warnings
import math
from typing import Any, Sequence

import numpy as np

from .device import check as check_device
from .dtypes import default_float, int64
from .tensor import Size, Tensor


# ------------------------------------------------------------------------------- from data

def _holds_python_numbers(data: Any) -> bool:
    """Whether nested lists hold Python numbers (their first leaf says), not NumPy values or
    tensors, whose dtype PyTorch keeps: tensor([1.0]) is float32, tensor([np.float64(1)]) not."""
    while isinstance(data, (list, tuple)) and len(data) > 0:
        data = data[0]
    return not isinstance(data, (np.ndarray, np.generic, Tensor))


def inferred_array(data: Any, dtype: Any = None) -> np.ndarray:
    """data as an ndarray of PyTorch's inferred dtype, without a copy when it is one already.
    Python numbers given a dtype go straight to it (0.1 as float64 is not rounded to float32 on
    the way)."""
    if isinstance(data, Tensor):
        return data._array
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        array = np.array(data, dtype=dtype)
        if dtype is None and array.dtype == np.float64 and _holds_python_numbers(data):
            array = array.astype(default_float())
    if array.dtype.kind not in "biuf":
        raise TypeError(f"can't convert data of dtype {array.dtype} to a tensor; "
                        "expected numbers or booleans")
    return array


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array).requires_grad_(True) if requires_grad else Tensor._make(array)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of data (torch.tensor)."""
    check_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone()", UserWarning, stacklevel=2)
    array = inferred_array(data, dtype)
    array = array.astype(dtype or array.dtype, copy=True)
    return _new(array, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor, sharing its memory when it is an ndarray or a tensor of that dtype
    (torch.as_tensor): a tensor of the same dtype is returned itself."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data._array.dtype == dtype else data.to(dtype)
    array = inferred_array(data)
    return Tensor._make(array if dtype is None else array.astype(dtype, copy=False))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with array (as torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(array)


def legacy_array(args: tuple) -> np.ndarray:
    """The array of `minigrad.Tensor(*args)`, as torch.Tensor: sizes give an uninitialized tensor
    of the default float dtype (Tensor(2, 3)), no argument an empty one, a tensor its own array
    (shared), any other data its values in the default float dtype (Tensor([1, 2]) is float).
    A Size is a shape, as in PyTorch (Tensor(x.shape)); a plain tuple is data."""
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if all(is_int(a) for a in args):
        return np.empty(_checked_shape(args, "Tensor") if args else (0,), default_float())
    if len(args) > 1:
        raise TypeError("Tensor(): expected sizes (ints) or one sequence of data, got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    (data,) = args
    if isinstance(data, Tensor):
        return data._array
    if not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return inferred_array(data).astype(default_float())


# ------------------------------------------------------------------------------- from a shape

def broadcast_shape(*shapes: tuple) -> tuple:
    """The shape that shapes broadcast to (RuntimeError, PyTorch's message, when they don't)."""
    result: list = []
    for shape in shapes:
        result = [1] * (len(shape) - len(result)) + result
        padded = [1] * (len(result) - len(shape)) + list(shape)
        for axis, (a, b) in enumerate(zip(result, padded)):
            if a != b and 1 not in (a, b):
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                                   f"({b}) at non-singleton dimension {axis}")
            result[axis] = b if a == 1 else a
    return tuple(result)


def is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _checked_shape(dims: Sequence[Any], name: str) -> tuple:
    for d in dims:
        if not is_int(d):
            raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(d).__name__}")
        if d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(dims)}")
    return tuple(int(d) for d in dims)


def shape_of(sizes: tuple, size: Any, name: str) -> tuple:
    """The shape that f(2, 3), f((2, 3)), f([2, 3]) and f(size=(2, 3)) all mean."""
    if size is not None:
        if sizes:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        sizes = (size,)
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return _checked_shape(sizes, name)


def float_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of a `dtype=` argument; None means the default float dtype."""
    return default_float() if dtype is None else np.dtype(dtype)


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Zeros of the given shape: zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    check_device(device)
    return _new(np.zeros(shape_of(sizes, size, "zeros"), float_dtype(dtype)), requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Ones of the given shape (the forms of zeros)."""
    check_device(device)
    return _new(np.ones(shape_of(sizes, size, "ones"), float_dtype(dtype)), requires_grad)


def empty(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of the given shape (the forms of zeros)."""
    check_device(device)
    return _new(np.empty(shape_of(sizes, size, "empty"), float_dtype(dtype)), requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape size filled with fill_value, of fill_value's dtype unless dtype says."""
    check_device(device)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    dtype = inferred_array(fill_value).dtype if dtype is None else np.dtype(dtype)
    return _new(np.full(_checked_shape(size, "full"), fill_value, dtype), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    check_device(device)
    m = n if m is None else m
    for name, value in (("n", n), ("m", m)):
        if not is_int(value):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(value).__name__}")
        if value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    return _new(np.eye(n, m, dtype=float_dtype(dtype)), requires_grad)


# ------------------------------------------------------------------------------- ranges

def _number(value: Any) -> Any:
    """A bound of a range: a Python number (0-d tensors and NumPy scalars unwrapped)."""
    return value.item() if isinstance(value, (Tensor, np.ndarray, np.generic)) else value


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from start to end (exclusive) by step; int64 for integer bounds, else the default
    float dtype (values computed in float64, then cast, as PyTorch does)."""
    check_device(device)
    if end is None:
        start, end = 0, start
    bounds = [_number(v) for v in (start, end, step)]
    start, end, step = bounds
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = int64.dtype if all(is_int(v) for v in bounds) else default_float()
    if all(is_int(v) for v in bounds):
        return _new(np.arange(start, end, step).astype(dtype), requires_grad)
    count = math.ceil((end - start) / step)
    values = _fused_multiply_add(np.arange(count, dtype=np.float64), float(step), float(start))
    return _new(values.astype(dtype), requires_grad)


def _fused_multiply_add(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """a * b + c rounded once, as PyTorch's arange computes start + i * step (a fused multiply-add
    on x86-64: arange(-8., 8., 0.1)[80] is 4.4e-16 there, 0 rounded twice, so relu'(x) is 1).
    Dekker's exact product p + e = a * b and Knuth's exact sum s + t = p + c, then one rounding
    of s + (t + e)."""
    def halves(x: Any) -> tuple:  # x = high + low, each with at most 26 significant bits
        scaled = 134217729.0 * x  # 2^27 + 1
        high = scaled - (scaled - x)
        return high, x - high

    p = a * b
    (a_high, a_low), (b_high, b_low) = halves(a), halves(b)
    e = ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
    s = p + c
    s_minus_p = s - p
    t = (p - (s - s_minus_p)) + (c - s_minus_p)
    return s + (t + e)


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """steps values evenly spaced from start to end, both included, computed as PyTorch does:
    the first half counted up from start, the second half counted down from end."""
    check_device(device)
    return _new(_spaced(_number(start), _number(end), steps, float_dtype(dtype)), requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    check_device(device)
    dtype = float_dtype(dtype)
    exponents = _spaced(_number(start), _number(end), steps, np.dtype(np.float64))
    return _new((float(base) ** exponents).astype(dtype), requires_grad)


def _spaced(start: float, end: float, steps: int, dtype: np.dtype) -> np.ndarray:
    if not is_int(steps):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 1:
        return np.full(1, start, dtype)
    # float dtypes compute in their own precision (PyTorch's numbers); integers in float64
    work = dtype if dtype.kind == "f" else np.dtype(np.float64)
    index = np.arange(steps, dtype=work)
    step = (work.type(end) - work.type(start)) / work.type(max(steps - 1, 1))
    from_start = work.type(start) + step * index
    from_end = work.type(end) - step * (work.type(steps - 1) - index)
    values = np.where(index < steps // 2, from_start, from_end)
    return values.astype(dtype)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-d or 1-d tensors: output i varies along tensor i ("ij", matrix
    indexing, the default) or with the first two axes swapped ("xy", Cartesian indexing).
    PyTorch warns when indexing is not given; so does minigrad."""
    from . import ops

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t!r}")
        if t._array.dtype != tensors[0]._array.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    # tensor i varies along axis i of every grid; "xy" swaps the roles of the first two axes
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    grid_shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        grid_shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        along_axis = [1] * len(tensors)
        along_axis[axis] = -1
        grids.append(ops.expand(ops.reshape(t, tuple(along_axis)), tuple(grid_shape)))
    return tuple(grids)


# ------------------------------------------------------------------------------- like another

def _check_tensor(input: Any, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "zeros_like")
    return zeros(input.shape, dtype=dtype or input._array.dtype, device=device,
                 requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "ones_like")
    return ones(input.shape, dtype=dtype or input._array.dtype, device=device,
                requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "empty_like")
    return empty(input.shape, dtype=dtype or input._array.dtype, device=device,
                 requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    _check_tensor(input, "full_like")
    return full(input.shape, fill_value, dtype=dtype or input._array.dtype, device=device,
                requires_grad=requires_grad)
