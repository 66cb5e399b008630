"""Tensor's methods that compute, attached to the class in this one place.

tensor.py defines what a tensor holds (its array, gradient, graph node, version counter) and
needs nothing above the bottom floor (dtypes, shapes, devices, grad mode, printing). Everything
a tensor computes is an op (minigrad/ops), the backward walk (autograd.py), a creation function
or an in-place body (inplace.py): all of them import Tensor, so Tensor cannot import them back.
Instead this module, one floor above them all, sets them as methods: `x.exp()`, `x + y`,
`x.sum(1)`, `x.backward()`, `x.add_(y)`, `x.to(float64)`, ... JAX attaches its Array's methods
the same way (jax/_src/numpy/array_methods.py). minigrad/__init__.py imports this module, so
the methods are there as soon as `import minigrad` returns.

Three kinds of entries: the ops themselves (a method is the function, `Tensor.exp is
ops.exp`: no extra call on the hot path), the reflected operators (`2 - x` is `sub(2, x)`), and
the methods of `TensorMethods` below, whose PyTorch signatures differ from the functions'.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import autograd, creation, dtypes, hooks, inplace, ops
from .device import device, is_dtype
from .dtypes import SCALAR_TYPE_NAMES
from .tensor import Scalar, Tensor


def parse_to(*args: Any, **kwargs: Any) -> tuple:
    """(device, dtype, non_blocking, copy) from the argument forms of `Tensor.to` and `Module.to`:
    to(device=None, dtype=None, non_blocking=False, copy=False), to(dtype, non_blocking=False,
    copy=False), to(other_tensor, non_blocking=False, copy=False). dtype is a NumPy dtype or None;
    a NumPy dtype is accepted where PyTorch takes a minigrad (torch) dtype."""
    first = args[0] if args else None
    if isinstance(first, Tensor):
        names = ("other", "non_blocking", "copy")
    elif is_dtype(first):
        names = ("dtype", "non_blocking", "copy")
    else:
        names = ("device", "dtype", "non_blocking", "copy")
    if len(args) > len(names):
        raise TypeError(f"to() takes at most {len(names)} positional arguments in the form "
                        f"to({', '.join(names)}), got {len(args)}")
    for name in kwargs:
        if name not in names[len(args):] or name == "other":
            raise TypeError(f"to() got an unexpected keyword argument '{name}' in the form "
                            f"to({', '.join(names)})")
    options = {"device": None, "dtype": None, "non_blocking": False, "copy": False,
               **dict(zip(names, args)), **kwargs}
    if "other" in options:  # to(other_tensor): other's device and dtype
        other = options.pop("other")
        options["device"], options["dtype"] = other.device, other._array.dtype
    for flag in ("non_blocking", "copy"):
        if not isinstance(options[flag], bool):
            raise TypeError(f"to(): {flag} must be a bool, got {options[flag]!r}")
    if options["device"] is not None:
        options["device"] = device(options["device"])
    if options["dtype"] is not None:
        if not is_dtype(options["dtype"]):
            raise TypeError(f"to(): dtype must be a minigrad dtype, got {options['dtype']!r}")
        options["dtype"] = np.dtype(options["dtype"])
    return options["device"], options["dtype"], options["non_blocking"], options["copy"]


class TensorMethods:
    """The methods of Tensor that are not one op called as is (attached by attach_methods)."""

    @property
    def T(self) -> Tensor:
        return ops.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:
        return ops.transpose(self, -2, -1)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (PyTorch's Tensor.backward)."""
        autograd.backward(self, None if gradient is None else [gradient], retain_graph,
                           create_graph)

    def register_hook(self, hook: Any) -> Any:
        """Call hook(grad) each time this tensor's gradient is computed; a Tensor that hook
        returns replaces the gradient. Returns a handle whose remove() unregisters it."""
        return hooks.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in .grad after backward (leaves always do)."""
        hooks.retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor on which retain_grad() was called."""
        return hooks.retains_grad(self)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """This tensor in another dtype (a differentiable cast) or on a device (only the CPU):
        to(dtype), to(device), to("cpu"), to(other), to(device, dtype), keywords dtype=,
        device=, non_blocking=, copy=. Returns self when nothing changes and copy is False."""
        _, dtype, _, copy = parse_to(*args, **kwargs)
        if dtype is not None and dtype != self._array.dtype:
            return ops.to_dtype(self, dtype)
        return ops.clone(self) if copy else self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Raises: minigrad runs on the CPU only."""
        return self.to("cuda" if device is None else device)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """type(): the type's name ("minigrad.FloatTensor"); type(dtype) or type(that name):
        this tensor in that dtype (self when it has it already)."""
        if dtype is None:
            return f"minigrad.{SCALAR_TYPE_NAMES[self._array.dtype]}Tensor"
        if isinstance(dtype, str):
            dtype = _legacy_type(dtype)
        elif isinstance(getattr(dtype, "dtype", None), dtypes.dtype):  # minigrad.LongTensor
            dtype = dtype.dtype
        elif not is_dtype(dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

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
        return creation.tensor(data, dtype=dtype or self._array.dtype, device=device,
                                requires_grad=requires_grad)

    def new_zeros(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return creation.zeros(*sizes, size=size, dtype=dtype or self._array.dtype,
                               device=device, requires_grad=requires_grad)

    def new_ones(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return creation.ones(*sizes, size=size, dtype=dtype or self._array.dtype,
                              device=device, requires_grad=requires_grad)

    def new_empty(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return creation.empty(*sizes, size=size, dtype=dtype or self._array.dtype,
                               device=device, requires_grad=requires_grad)

    def new_full(self, size: Sequence[int], fill_value: Any, *, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False) -> Tensor:
        return creation.full(size, fill_value, dtype=dtype or self._array.dtype, device=device,
                              requires_grad=requires_grad)

    def clone(self) -> Tensor:
        return ops.clone(self)

    # the bodies, with PyTorch's dtype, shape and leaf checks, are in minigrad/inplace.py
    def add_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return inplace.arithmetic_(np.add, self, other, alpha)

    def sub_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return inplace.arithmetic_(np.subtract, self, other, alpha)

    def mul_(self, other: Any) -> Tensor:
        return inplace.arithmetic_(np.multiply, self, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return inplace.div_(self, other, rounding_mode)

    def zero_(self) -> Tensor:
        return inplace.fill_(self, 0)

    def fill_(self, value: Any) -> Tensor:
        return inplace.fill_(self, value)

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        return inplace.copy_(self, src)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's)
        return inplace.clamp_(self, min, max)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
        return inplace.uniform_(self, from_, to, generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        return inplace.normal_(self, mean, std, generator)

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        return inplace.exponential_(self, lambd, generator)

    def random_(self, from_: int | None = None, to: int | None = None, *,
                generator: Any = None) -> Tensor:
        return inplace.random_(self, from_, to, generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        return inplace.bernoulli_(self, p, generator)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace()
        self._array[ops.as_index(index)] = value._array if isinstance(value, Tensor) else value
        self._mark_changed()

    # reflected operators: `2 - x` calls x.__rsub__(2), which is sub(2, x)
    def __radd__(self, other: Any) -> Tensor: return ops.add(other, self)
    def __rsub__(self, other: Any) -> Tensor: return ops.sub(other, self)
    def __rmul__(self, other: Any) -> Tensor: return ops.mul(other, self)
    def __rtruediv__(self, other: Any) -> Tensor: return ops.div(other, self)
    def __rpow__(self, other: Any) -> Tensor: return ops.pow(other, self)
    def __rmatmul__(self, other: Any) -> Tensor: return ops.matmul(other, self)
    def __pos__(self) -> Tensor: return self


def _legacy_type(name: str) -> np.dtype:
    """The dtype of a type name such as "minigrad.DoubleTensor" (Tensor.type's strings)."""
    for numpy_dtype, scalar_name in SCALAR_TYPE_NAMES.items():
        if name == f"minigrad.{scalar_name}Tensor":
            return numpy_dtype
    raise ValueError(f"invalid type: {name!r}; expected a name such as 'minigrad.FloatTensor'")


# Methods that are ops called as is: name -> op (x.exp(), x.sum(1), x.view(2, 3), x + y, x < y).
OP_METHODS = {
    fn.__name__ if name is None else name: fn for name, fn in [
        (None, ops.abs), (None, ops.add), (None, ops.clamp), ("clip", ops.clamp), (None, ops.cos),
        (None, ops.div), (None, ops.exp), (None, ops.log), (None, ops.maximum), (None, ops.minimum),
        (None, ops.mul), (None, ops.neg), (None, ops.pow), (None, ops.sin), (None, ops.sqrt),
        (None, ops.sub), (None, ops.relu), (None, ops.sigmoid), (None, ops.tanh),
        (None, ops.softmax), (None, ops.log_softmax), (None, ops.sum), (None, ops.mean),
        (None, ops.var), (None, ops.std), (None, ops.max), (None, ops.min), (None, ops.argmax),
        (None, ops.argmin), (None, ops.logsumexp), (None, ops.reshape), ("view", ops.reshape),
        (None, ops.permute), (None, ops.transpose), (None, ops.t), (None, ops.flatten),
        (None, ops.squeeze), (None, ops.unsqueeze), (None, ops.expand), (None, ops.expand_as),
        (None, ops.matmul), (None, ops.bmm), (None, ops.eq), (None, ops.ne), (None, ops.lt),
        (None, ops.le), (None, ops.gt), (None, ops.ge), (None, ops.view_as), ("reshape_as", ops.reshape_as),
        (None, ops.repeat), (None, ops.flip), (None, ops.diag), (None, ops.chunk),
        (None, ops.split), (None, ops.unbind), (None, ops.gather), (None, ops.scatter),
        (None, ops.scatter_), (None, ops.scatter_add), (None, ops.scatter_add_),
        (None, ops.masked_fill), (None, ops.masked_fill_), (None, ops.sort), (None, ops.argsort),
        (None, ops.topk), (None, ops.prod), (None, ops.cumsum), (None, ops.norm), (None, ops.sign),
        (None, ops.round), (None, ops.floor), (None, ops.ceil), (None, ops.trunc), (None, ops.all),
        (None, ops.any), (None, ops.allclose), (None, ops.isclose), (None, ops.equal),
        (None, ops.logical_and), (None, ops.logical_or), (None, ops.logical_xor),
        (None, ops.logical_not), (None, ops.bitwise_and), (None, ops.bitwise_or),
        (None, ops.bitwise_xor), (None, ops.bitwise_not),
        # operators
        ("__add__", ops.add), ("__sub__", ops.sub), ("__mul__", ops.mul),
        ("__truediv__", ops.div), ("__pow__", ops.pow), ("__matmul__", ops.matmul),
        ("__neg__", ops.neg), ("__abs__", ops.abs), ("__getitem__", ops.index),
        # comparisons: boolean tensors outside the graph
        ("__lt__", ops.lt), ("__le__", ops.le), ("__gt__", ops.gt), ("__ge__", ops.ge),
        ("__eq__", ops.eq), ("__ne__", ops.ne),
        # the bitwise operators: & | ^ commute, so the reflected forms are the same functions
        ("__and__", ops.bitwise_and), ("__rand__", ops.bitwise_and),
        ("__or__", ops.bitwise_or), ("__ror__", ops.bitwise_or),
        ("__xor__", ops.bitwise_xor), ("__rxor__", ops.bitwise_xor),
        ("__invert__", ops.bitwise_not),
    ]
}


def attach_methods() -> None:
    """Set OP_METHODS and TensorMethods' attributes on Tensor (once, when minigrad is imported)."""
    for name, fn in OP_METHODS.items():
        setattr(Tensor, name, fn)
    for name, member in vars(TensorMethods).items():
        if name not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"):
            setattr(Tensor, name, member)


attach_methods()
