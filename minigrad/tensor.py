"""Tensor: an ndarray (`_array`, internal), its gradient (`grad`), `requires_grad`, and operator sugar.

Everything a Tensor computes is delegated to the ops in minigrad.ops; this file only gives the
PyTorch-style names. As in PyTorch, `Tensor.data` is a Tensor sharing the memory, outside the graph
(`p.data.normal_(0, 0.01)`, `w.data -= lr * w.grad.data`); `.numpy()` is the way out to NumPy.

In-place methods keep PyTorch's version counter: each change is counted on the tensor that owns the
memory (a view's `_base`, else the tensor itself), so the engine can refuse to backpropagate through
an array that was changed after an op saved it (see autograd.check_saved_unchanged). Changes made
through `.data` are not counted, as in PyTorch: that is what `.data` is for.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from . import dtypes as _dtypes
from .dtypes import dtype, from_numpy_dtype

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
    `Tensor([1, 2])` the data in the default float dtype (creation.legacy_array). `_node` is the
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
        self._init_leaf(_creation.legacy_array(args))

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

    @property
    def T(self) -> Tensor:
        return _ops.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:
        return _ops.transpose(self, -2, -1)

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
        from ._printing import tensor_repr

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

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (PyTorch's Tensor.backward)."""
        _autograd.backward(self, None if gradient is None else [gradient], retain_graph,
                           create_graph)

    def register_hook(self, hook: Any) -> Any:
        """Call hook(grad) each time this tensor's gradient is computed; a Tensor that hook
        returns replaces the gradient. Returns a handle whose remove() unregisters it."""
        from .hooks import register_hook

        return register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in .grad after backward (leaves always do)."""
        from .hooks import retain_grad

        retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor on which retain_grad() was called."""
        from .hooks import retains_grad

        return retains_grad(self)

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

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """This tensor in another dtype (a differentiable cast) or on a device (only the CPU):
        to(dtype), to(device), to("cpu"), to(other), to(device, dtype), keywords dtype=,
        device=, non_blocking=, copy=. Returns self when nothing changes and copy is False."""
        _, dtype, _, copy = parse_to(*args, **kwargs)
        if dtype is not None and dtype != self._array.dtype:
            return _ops.to_dtype(self, dtype)
        return _ops.clone(self) if copy else self

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Raises: minigrad runs on the CPU only."""
        return self.to("cuda" if device is None else device)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """type(): the type's name ("minigrad.FloatTensor"); type(dtype) or type(that name):
        this tensor in that dtype (self when it has it already)."""
        if dtype is None:
            return f"minigrad.{_inplace.SCALAR_TYPE_NAMES[self._array.dtype]}Tensor"
        if isinstance(dtype, str):
            dtype = _legacy_type(dtype)
        elif isinstance(getattr(dtype, "dtype", None), _dtypes.dtype):  # minigrad.LongTensor
            dtype = dtype.dtype
        elif not is_dtype(dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def half(self) -> Tensor:
        return self.to(np.float16)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    # new_*: tensors of this one's dtype unless dtype= says (creation.py has the functions)
    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
        return _creation.tensor(data, dtype=dtype or self._array.dtype, device=device,
                                requires_grad=requires_grad)

    def new_zeros(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return _creation.zeros(*sizes, size=size, dtype=dtype or self._array.dtype,
                               device=device, requires_grad=requires_grad)

    def new_ones(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return _creation.ones(*sizes, size=size, dtype=dtype or self._array.dtype,
                              device=device, requires_grad=requires_grad)

    def new_empty(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return _creation.empty(*sizes, size=size, dtype=dtype or self._array.dtype,
                               device=device, requires_grad=requires_grad)

    def new_full(self, size: Sequence[int], fill_value: Any, *, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False) -> Tensor:
        return _creation.full(size, fill_value, dtype=dtype or self._array.dtype, device=device,
                              requires_grad=requires_grad)

    def clone(self) -> Tensor:
        return _ops.clone(self)

    def contiguous(self) -> Tensor:
        return self

    def is_contiguous(self) -> bool:
        return bool(self._array.flags.c_contiguous)

    # ------------------------------------------------------------------ in-place (no graph)
    def _check_inplace(self) -> None:
        from .autograd import is_grad_enabled

        if self.requires_grad and is_grad_enabled():
            kind = "leaf Variable" if self._node is None else "tensor that is part of a graph"
            raise RuntimeError(f"a {kind} that requires grad is being used in an in-place "
                               "operation; wrap it in minigrad.no_grad() or use an out-of-place op")

    def _mark_changed(self) -> None:
        """Count an in-place change of this tensor's memory, after it happened."""
        mark_changed((self,))

    # the bodies, with PyTorch's dtype, shape and leaf checks, are in minigrad/inplace.py
    def add_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return _inplace.arithmetic_(np.add, self, other, alpha)

    def sub_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return _inplace.arithmetic_(np.subtract, self, other, alpha)

    def mul_(self, other: Any) -> Tensor:
        return _inplace.arithmetic_(np.multiply, self, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _inplace.div_(self, other, rounding_mode)

    def zero_(self) -> Tensor:
        return _inplace.fill_(self, 0)

    def fill_(self, value: Any) -> Tensor:
        return _inplace.fill_(self, value)

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        return _inplace.copy_(self, src)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's)
        return _inplace.clamp_(self, min, max)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
        return _inplace.uniform_(self, from_, to, generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        return _inplace.normal_(self, mean, std, generator)

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        return _inplace.exponential_(self, lambd, generator)

    def random_(self, from_: int | None = None, to: int | None = None, *,
                generator: Any = None) -> Tensor:
        return _inplace.random_(self, from_, to, generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        return _inplace.bernoulli_(self, p, generator)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace()
        self._array[_ops.as_index(index)] = value._array if isinstance(value, Tensor) else value
        self._mark_changed()

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor: return _ops.add(self, other)
    def __radd__(self, other: Any) -> Tensor: return _ops.add(other, self)
    def __sub__(self, other: Any) -> Tensor: return _ops.sub(self, other)
    def __rsub__(self, other: Any) -> Tensor: return _ops.sub(other, self)
    def __mul__(self, other: Any) -> Tensor: return _ops.mul(self, other)
    def __rmul__(self, other: Any) -> Tensor: return _ops.mul(other, self)
    def __truediv__(self, other: Any) -> Tensor: return _ops.div(self, other)
    def __rtruediv__(self, other: Any) -> Tensor: return _ops.div(other, self)
    def __pow__(self, other: Any) -> Tensor: return _ops.pow(self, other)
    def __rpow__(self, other: Any) -> Tensor: return _ops.pow(other, self)
    def __matmul__(self, other: Any) -> Tensor: return _ops.matmul(self, other)
    def __rmatmul__(self, other: Any) -> Tensor: return _ops.matmul(other, self)
    def __neg__(self) -> Tensor: return _ops.neg(self)
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return _ops.abs(self)
    def __getitem__(self, index: Any) -> Tensor: return _ops.index(self, index)

    # comparisons: boolean tensors outside the graph
    def __lt__(self, other: Any) -> Tensor: return _ops.lt(self, other)
    def __le__(self, other: Any) -> Tensor: return _ops.le(self, other)
    def __gt__(self, other: Any) -> Tensor: return _ops.gt(self, other)
    def __ge__(self, other: Any) -> Tensor: return _ops.ge(self, other)
    def __eq__(self, other: Any) -> Tensor: return _ops.eq(self, other)  # type: ignore[override]
    def __ne__(self, other: Any) -> Tensor: return _ops.ne(self, other)  # type: ignore[override]
    __hash__ = object.__hash__


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


def _legacy_type(name: str) -> np.dtype:
    """The dtype of a type name such as "minigrad.DoubleTensor" (Tensor.type's strings)."""
    for numpy_dtype, scalar_name in _inplace.SCALAR_TYPE_NAMES.items():
        if name == f"minigrad.{scalar_name}Tensor":
            return numpy_dtype
    raise ValueError(f"invalid type: {name!r}; expected a name such as 'minigrad.FloatTensor'")


# ops, autograd, creation and inplace import Tensor: bind the modules after the class exists
from . import ops as _ops  # noqa: E402
from . import autograd as _autograd  # noqa: E402
from . import creation as _creation  # noqa: E402
from .device import CPU, check as check_device, is_dtype, parse_to  # noqa: E402
from . import inplace as _inplace  # noqa: E402
