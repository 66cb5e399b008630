"""A Module's state dict: collecting it (parameters and persistent buffers by dotted name) and
loading one back, all or nothing. Module.state_dict and Module.load_state_dict call these with
themselves as `module` (typed Any: module.py imports this file, so this one names no Module).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Mapping, NamedTuple

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from ._checks import type_name


class _IncompatibleKeys(NamedTuple):
    """What load_state_dict returns (PyTorch's name and printing)."""
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


def collect(module: Any, prefix: str, keep_vars: bool) -> OrderedDict[str, Tensor]:
    """Parameters and persistent buffers by dotted name (sharing memory, detached unless
    keep_vars)."""
    state: OrderedDict[str, Tensor] = OrderedDict()
    # a shared module under each of its names, as PyTorch's
    for module_name, submodule in module.named_modules(prefix=prefix.rstrip("."),
                                                       remove_duplicate=False):
        entries = list(submodule._parameters.items()) + [
            (n, b) for n, b in submodule._buffers.items() if n not in submodule._non_persistent]
        for name, value in entries:
            if value is not None:
                key = f"{module_name}.{name}" if module_name else name
                state[key] = value if keep_vars else value.detach()
    return state


def load(module: Any, state_dict: Mapping[str, Any], strict: bool) -> _IncompatibleKeys:
    """Copy the values of state_dict into module's parameters and buffers once every key, shape
    and dtype kind has been checked: a failed load raises and leaves the module as it was."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like (a mapping of names to "
                        f"tensors), got {type_name(state_dict)}")
    own = collect(module, "", keep_vars=True)
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    problems = _key_problems(missing, unexpected) if strict else []
    arrays = {}
    for key, target in own.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        if not isinstance(value, (Tensor, np.ndarray, np.generic)):
            problems.append(f"expected a Tensor or numpy.ndarray for {key!r}, got "
                            f"{type_name(value)}")
            continue
        array = np.asarray(value._array if isinstance(value, Tensor) else value)
        problems.extend(_array_problems(key, array, target._array))
        arrays[key] = array
    if problems:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(problems))
    with no_grad():
        for key, array in arrays.items():
            own[key]._array[...] = array
    return _IncompatibleKeys(missing, unexpected)


def _key_problems(missing: list[str], unexpected: list[str]) -> list[str]:
    """The strict load's complaints about keys, in PyTorch's wording."""
    problems = []
    for kind, keys in (("Missing", missing), ("Unexpected", unexpected)):
        if keys:
            problems.append(f"{kind} key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in keys) + ". ")
    return problems


def _array_problems(key: str, array: np.ndarray, target: np.ndarray) -> list[str]:
    """Why array cannot be copied into target (a different shape, or a dtype that does not
    cast within its kind), or nothing."""
    if array.shape != target.shape:
        return [f"size mismatch for {key!r}: the checkpoint has shape {array.shape}, "
                f"the model has {target.shape}"]
    if not np.can_cast(array.dtype, target.dtype, casting="same_kind"):
        return [f"dtype mismatch for {key!r}: {array.dtype} cannot be loaded into "
                f"{target.dtype}"]
    return []
