"""The checks of Optimizer.load_state_dict, all made before anything is changed.

A state dict has PyTorch's layout: {'state': {id: {'step': number, name: array}}, 'param_groups':
[{option: value, 'params': [id, ...]}]}. The ids are matched to this optimizer's parameters by
position, group by group (PyTorch's rule), so a PyTorch state dict turned into NumPy arrays loads.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from ._hyper import is_real

KEYS = ("state", "param_groups")


class LoadPlan(NamedTuple):
    groups: list[dict]              # each group's options after the load ('params' are ours)
    states: list[tuple[Any, dict]]  # (parameter, {'step': float, buffer name: array to copy})


def checked_state_dict(optimizer: Any, state_dict: Any) -> LoadPlan:
    """What load_state_dict will apply; TypeError or ValueError naming the first problem."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"load_state_dict expected a dict with keys {KEYS}, got "
                        f"{type(state_dict).__name__}")
    if set(state_dict) != set(KEYS):
        raise ValueError(f"an optimizer state dict has exactly the keys {KEYS}, got "
                         f"{sorted(map(str, state_dict))}")
    groups, params = _checked_groups(optimizer, state_dict["param_groups"])
    saved = state_dict["state"]
    if not isinstance(saved, Mapping):
        raise TypeError(f"state_dict['state'] must be a dict, got {type(saved).__name__}")
    states = []
    for key, entry in saved.items():
        if key not in params:
            raise ValueError(f"state_dict['state'] has an entry for parameter {key!r}, which is "
                             f"in none of state_dict['param_groups']")
        if entry:
            states.append((params[key], _checked_entry(optimizer, key, entry, params[key])))
    return LoadPlan(groups, states)


def _checked_groups(optimizer: Any, saved: Any) -> tuple[list[dict], dict]:
    """The groups' options after the load (validated as the constructor does) and the map from
    the saved parameter ids to this optimizer's parameters."""
    if not isinstance(saved, Sequence) or not all(isinstance(g, Mapping) for g in saved):
        raise TypeError("state_dict['param_groups'] must be a list of dicts")
    ours = optimizer.param_groups
    if len(saved) != len(ours):
        raise ValueError(f"loaded state dict has a different number of parameter groups "
                         f"({len(saved)}; this optimizer has {len(ours)})")
    groups, params = [], {}
    for k, (group, mine) in enumerate(zip(saved, ours)):
        ids = group.get("params")
        if not isinstance(ids, Sequence) or not all(isinstance(i, (int, np.integer)) and
                                                    not isinstance(i, bool) for i in ids):
            raise TypeError(f"param group {k} of the loaded state dict must list its parameters "
                            f"as integer ids under 'params', got {ids!r}")
        if len(ids) != len(mine["params"]):
            raise ValueError(f"param group {k} of the loaded state dict has {len(ids)} "
                             f"parameters, this optimizer's has {len(mine['params'])}")
        params.update(zip(ids, mine["params"]))
        options = {**mine, **{key: value for key, value in group.items() if key != "params"},
                   "params": mine["params"]}
        try:
            optimizer._validate(options)
        except (TypeError, ValueError) as error:
            raise type(error)(f"param group {k} of the loaded state dict: {error}") from None
        groups.append(options)
    if len(params) != sum(len(g["params"]) for g in ours):
        raise ValueError("the loaded state dict lists a parameter id in more than one place")
    return groups, params


def _checked_entry(optimizer: Any, key: Any, entry: Any, param: Tensor) -> dict:
    """One parameter's saved state as {'step': float, name: a copy in the parameter's dtype}."""
    where = f"state of parameter {key!r}"
    if not isinstance(entry, Mapping):
        raise TypeError(f"{where} must be a dict, got {type(entry).__name__}")
    unexpected = set(entry) - {"step", *optimizer.state_names}
    if unexpected:
        raise ValueError(f"{where} has unexpected entries {sorted(map(str, unexpected))}; "
                         f"{type(optimizer).__name__} keeps 'step' and {optimizer.state_names}")
    if "step" not in entry and optimizer.needs_step:
        raise ValueError(f"{where} has no 'step'")
    checked = {"step": _step_count(where, entry.get("step", 0.0))}
    shape, dtype = param._array.shape, param._array.dtype
    for name in optimizer.state_names:
        value = entry.get(name)
        if value is None:  # absent (PyTorch's SGD once saved a None momentum buffer)
            continue
        if not isinstance(value, (np.ndarray, Tensor)) and not hasattr(value, "__array__"):
            raise TypeError(f"{where}: {name!r} must be an array, got {type(value).__name__}")
        array = np.asarray(value)
        if array.dtype.kind != "f":
            raise TypeError(f"{where}: {name!r} must be a floating-point array, got dtype "
                            f"{array.dtype}")
        if array.shape != shape:
            raise ValueError(f"{where}: {name!r} has shape {array.shape}, expected {shape} "
                             f"(the parameter's)")
        checked[name] = array.astype(dtype)  # a copy: nothing is read from `value` later
    return checked


def _step_count(where: str, value: Any) -> float:
    """'step' as a float: a non-negative finite number (or a 0-d array of one, as PyTorch's)."""
    if isinstance(value, (np.ndarray, Tensor)) or hasattr(value, "__array__"):
        array = np.asarray(value)
        value = array.item() if array.ndim == 0 and array.dtype.kind in "iuf" else value
    if not is_real(value):
        raise TypeError(f"{where}: 'step' must be a number, got {value!r} "
                        f"({type(value).__name__})")
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{where}: 'step' must be a non-negative finite number, got {value!r}")
    return float(value)
