"""Tensor: an ndarray (`_array`, internal), its gradient (`grad`), `requires_grad`, its graph node.

This file holds what a tensor is, and imports nothing above the bottom floor (dtypes, shapes,
devices, grad mode, printing). What a tensor computes (`x + y`, `x.sum()`, `x.backward()`,
`x.add_(y)`, `x.to(...)`) is the ops', the engine's and inplace.py's, which all import Tensor:
minigrad/tensor_methods.py attaches them as methods, in one place. As in PyTorch, `Tensor.data`
is a Tensor sharing the memory, outside the graph (`p.data.normal_(0, 0.01)`,
`w.data -= lr * w.grad.data`); `.numpy()` is the way out to NumPy.

In-place methods keep PyTorch's version counter: each change is counted on the tensor that owns the
memory (a view's `_base`, else the tensor itself), so the engine can refuse to backpropagate through
an array that was changed after an op saved it (see autograd.check_saved_unchanged). Changes made
through `.data` are not counted, as in PyTorch: that is what `.data` is for.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ._printing import tensor_repr
from ._shapes import checked_shape, is_int
from .device import CPU, check as check_device
from .dtypes import default_float, dtype, from_numpy_dtype
from .grad_mode import is_grad_enabled

Scalar = int | float | bool


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as `minigrad.Size([2, 3])` (torch.Size)."""

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Size:
        return Size(tuple(other) + tuple(self))

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return int(np.prod(self, dtype=np.int64))


class InplaceClock:
    """How many in-place changes were made to any tensor so far: the time that a tensor's
    _changed_at (when its memory last changed) and Context.version (when an op was recorded)
    are read from. An object of its own, not an attribute of Tensor: setting a class attribute
    invalidates the interpreter's attribute caches for every Tensor (3.11's specializations)."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = 0


INPLACE_CLOCK = InplaceClock()


class Tensor:
    """An n-dimensional array that can record the operations applied to it for backward.

    Build tensors with `minigrad.tensor(data, dtype=None, requires_grad=False)`. `Tensor(...)` is
    PyTorch's legacy constructor: `Tensor(2, 3)` an uninitialized tensor of that shape,
    `Tensor([1, 2])` the data in the default float dtype (_legacy_array). `_node` is the
    recorded op that produced this tensor (None for leaves).
    """

    # _grad_buffer (None on every tensor until autograd.set_grad_buffer gives a leaf one, as an
    # optimizer does for each leaf it packs into its arena): where backward writes a first
    # gradient; _hooks (unset until register_hook on a leaf): see hooks.py
    __slots__ = ("_array", "grad", "requires_grad", "_node", "_base", "_changes", "_changed_at",
                 "_grad_buffer", "_hooks", "__weakref__")
    __array_priority__ = 1000  # NumPy defers `ndarray op Tensor` to Tensor's reflected operators

    def __init__(self, *args: Any, device: Any = None) -> None:
        check_device(device)
        self._init_leaf(_legacy_array(args))

    def _init_leaf(self, array: np.ndarray, requires_grad: bool = False) -> None:
        """Make self a leaf holding array (Tensor(...) and nn.Parameter(...) start here)."""
        self._array = array
        self.grad: Tensor | None = None
        self.requires_grad = False
        self._node = None
        self._base = None
        self._changes = self._changed_at = 0
        self._grad_buffer = None
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap an ndarray without copying or checking (the hot path of every op)."""
        t = cls.__new__(cls)
        t._array = data
        t.grad = None
        t.requires_grad = requires_grad
        t._node = None
        t._base = None
        t._changes = t._changed_at = 0
        t._grad_buffer = None
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> Tensor:
        """The values as a new tensor that shares this one's memory, does not require grad and
        has a version counter of its own (PyTorch's `.data`)."""
        return Tensor._make(self._array)

    @data.setter
    def data(self, value: Tensor) -> None:
        """`p.data = t` makes p hold t's values (shape and dtype may change), outside the graph."""
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._array = value._array

    @property
    def shape(self) -> Size:
        """The size of each dimension (internal code reads the cheaper `_array.shape`)."""
        return Size(self._array.shape)

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def dtype(self) -> dtype:
        return from_numpy_dtype(self._array.dtype)

    @property
    def device(self) -> Any:
        """Where the values live: always the CPU (device(type='cpu'))."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    def get_device(self) -> int:
        """-1: the CPU (PyTorch's number for it)."""
        return -1

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self) -> Any:
        return self._node

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had (shared with its views)."""
        return self._owner()._changes

    def _owner(self) -> Tensor:
        """The tensor whose memory this one views (itself when it is not a view)."""
        return self if self._base is None else self._base

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the size of dimension dim."""
        return Size(self._array.shape) if dim is None else self._array.shape[dim]

    def dim(self) -> int:
        return self._array.ndim

    def numel(self) -> int:
        return int(self._array.size)

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __repr__(self) -> str:
        """As PyTorch prints it (see _printing.py; mg.set_printoptions changes the layout)."""
        grad_fn_name = None if self._node is None else self._node.name
        return tensor_repr(self._array, grad_fn_name, self.requires_grad)

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        """f"{loss:.4f}": a 0-d tensor formats as its Python number, as in PyTorch."""
        if self._array.ndim == 0:
            return self._array.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    # ------------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._array.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients, "
                               f"got {self._array.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; "
                               "use detach() to get a tensor that does not require grad")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this data (and its version counter), cut from the graph."""
        detached = Tensor._make(self._array)
        detached._base = self._owner()
        return detached

    def detach_(self) -> Tensor:
        self._node = None
        self.requires_grad = False
        return self

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._array

    def item(self) -> Scalar:
        if self._array.size != 1:
            raise RuntimeError(f"a Tensor with {self._array.size} elements cannot be converted to "
                               "a Python scalar")
        return self._array.item()

    def tolist(self) -> Any:
        return self._array.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._array if dtype is None else self._array.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._array.item())

    def __index__(self) -> int:
        return int(self._array.item())

    def cpu(self) -> Tensor:
        return self

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    def contiguous(self) -> Tensor:
        return self

    def is_contiguous(self) -> bool:
        return bool(self._array.flags.c_contiguous)

    # ------------------------------------------------------------------ in-place (no graph)
    def _check_inplace(self) -> None:
        if self.requires_grad and is_grad_enabled():
            kind = "leaf Variable" if self._node is None else "tensor that is part of a graph"
            raise RuntimeError(f"a {kind} that requires grad is being used in an in-place "
                               "operation; wrap it in minigrad.no_grad() or use an out-of-place op")

    def _mark_changed(self) -> None:
        """Count an in-place change of this tensor's memory, after it happened."""
        mark_changed((self,))

def mark_changed(tensors: Iterable[Tensor]) -> None:
    """Count one in-place change of each tensor's memory, after it happened (all at one tick of
    the in-place clock). The owner of the memory takes the count and the time; an op that
    produced the tensor, or its owner, is told that its output changed (it may have saved it)."""
    INPLACE_CLOCK.now += 1
    now = INPLACE_CLOCK.now
    for t in tensors:
        owner = t if t._base is None else t._base
        owner._changes += 1
        owner._changed_at = now
        if owner._node is not None:
            owner._node.changed_outputs += ((owner._array, owner._changes),)
        if t is not owner and t._node is not None:
            t._node.changed_outputs += ((t._array, owner._changes),)


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


def _legacy_array(args: tuple) -> np.ndarray:
    """The array of `minigrad.Tensor(*args)`, as torch.Tensor: sizes give an uninitialized tensor
    of the default float dtype (Tensor(2, 3)), no argument an empty one, a tensor its own array
    (shared), any other data its values in the default float dtype (Tensor([1, 2]) is float).
    A Size is a shape, as in PyTorch (Tensor(x.shape)); a plain tuple is data."""
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if all(is_int(a) for a in args):
        return np.empty(checked_shape(args, "Tensor") if args else (0,), default_float())
    if len(args) > 1:
        raise TypeError("Tensor(): expected sizes (ints) or one sequence of data, got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    (data,) = args
    if isinstance(data, Tensor):
        return data._array
    if not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return inferred_array(data).astype(default_float())
