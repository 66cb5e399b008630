"""Optimizer: PyTorch's param_groups / state / state_dict contract over a flat parameter arena.

Each param group's parameters of one dtype live in one contiguous buffer (an `_Arena`): their
`.data` are views into it, their gradients are views into a matching gradient buffer (backward
writes there directly: autograd.set_grad_buffer), and the optimizer state (momentum, square
averages, ...) lives in matching flat buffers. A step is then one fused kernel call per run of
parameters that have gradients (normally: one call per group and dtype), and zero_grad is one
memset. None of it is visible: p.data, p.grad, optimizer.state[p] and state_dict() look as in
PyTorch.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, NamedTuple

import numpy as np

from .. import kernels
from ..autograd import enable_grad, set_grad_buffer
from ..tensor import Tensor, mark_changed
from . import _hyper
from ._loading import checked_state_dict


class _Arena:
    """One group's parameters of one dtype, packed; the state buffers are created on demand."""

    def __init__(self, params: list, dtype: np.dtype) -> None:
        self.params = params
        sizes = [p._array.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.values = np.empty(self.offsets[-1], dtype)
        self.grad = np.zeros(self.offsets[-1], dtype)
        self.states: dict[str, np.ndarray] = {}
        self.data_views, self.grad_views = [], []
        for p, (start, stop) in zip(params, self.spans()):
            view = self.values[start:stop].reshape(p._array.shape)
            view[...] = p._array
            p._array = view
            self.data_views.append(view)
            self.grad_views.append(self.grad[start:stop].reshape(view.shape))
            if p.grad is not None:
                self.grad_views[-1][...] = p.grad._array
                p.grad = Tensor._make(self.grad_views[-1])
            set_grad_buffer(p, self.grad_views[-1])

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.offsets[:-1], self.offsets[1:]))

    def sync(self) -> bool:
        """Pull in any p.data or p.grad the user replaced since the last step (one pass: this runs
        at every step). Returns False when a parameter's data now has another dtype
        (model.double() after the optimizer was built): the arena must then be re-packed, from
        the parameters' values, which pulling in the others does not change."""
        for p, view, grad_view in zip(self.params, self.data_views, self.grad_views):
            array = p._array
            if array is not view:
                if array.shape != view.shape:
                    raise ValueError(f"a parameter of shape {view.shape} was replaced by one of "
                                     f"shape {array.shape}; build a new optimizer instead")
                if array.dtype != view.dtype:
                    return False
                view[...] = array
                p._array = view
            if p.grad is not None and p.grad._array is not grad_view:
                grad_view[...] = p.grad._array
                p.grad = Tensor._make(grad_view)
        return True

    def state_view(self, name: str, i: int, value: Any) -> Tensor:
        """Parameter i's slot of the flat state buffer `name` (created for the whole arena on
        first use), set to `value` (a fill value or an array of the parameter's shape)."""
        if name not in self.states:
            self.states[name] = np.zeros(self.values.shape, self.values.dtype)
        view = self.states[name][self.offsets[i]:self.offsets[i + 1]].reshape(
            self.data_views[i].shape)
        view[...] = value
        return Tensor._make(view)


class _Run(NamedTuple):
    """Consecutive parameters first..stop-1 of an arena, updated by one kernel call."""
    first: int
    stop: int
    step: float              # their step count, this step included
    new: tuple[str, ...]     # the state buffers they use for the first time at this step


class Optimizer:
    """Base class: subclasses set `defaults` and `option_checks`, and define
    `_state_fills(group)` (the state buffers a group's options need) and `_update(arena, run,
    group)`, which applies one fused kernel call to the run's parameters."""

    state_names: tuple[str, ...] = ()  # every per-parameter state buffer, in state_dict order
    needs_step = True                  # whether the update reads the step count ('step' state)
    # the state buffers PyTorch's update cannot combine with a parameter of another dtype (its
    # lerp_ raises a RuntimeError): a parameter converted after such a buffer was made is refused
    dtype_bound_states: tuple[str, ...] = ()
    option_checks: dict[str, Callable[[str, Any], None]] = {
        "lr": _hyper.non_negative, "weight_decay": _hyper.non_negative, "maximize": _hyper.flag}

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: dict[Any, dict] = defaultdict(dict)
        self._arenas: list[list[_Arena]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items())
                      if key != "params"]
        return "\n".join(lines + [")"])

    def add_param_group(self, param_group: dict) -> None:
        """Add a group (a dict with 'params' and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"param_group must have the key 'params', got keys "
                             f"{sorted(param_group)}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor) or not p.requires_grad or p._node is not None:
                raise ValueError("optimizer can only optimize leaf Tensors that require grad")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if seen & {id(p) for p in params} or len({id(p) for p in params}) != len(params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._validate(group)
        self.param_groups.append(group)
        self._arenas.append(self._pack(params))

    @staticmethod
    def _pack(params: list) -> list[_Arena]:
        """One arena per dtype, in the order the dtypes first appear among params."""
        by_dtype: dict[np.dtype, list] = defaultdict(list)
        for p in params:
            by_dtype[p._array.dtype].append(p)
        return [_Arena(ps, dtype) for dtype, ps in by_dtype.items()]

    def _packed(self, index: int) -> list[_Arena]:
        """Group index's arenas, synced with the parameters; re-packed, with the state buffers
        converted, when some parameters changed dtype since (PyTorch's optimizer steps a model
        converted after it was built, in its new dtype)."""
        arenas = self._arenas[index]
        if all([arena.sync() for arena in arenas]):  # a list: every arena pulls in its changes
            return arenas
        self._check_conversions(arenas)
        arenas = self._arenas[index] = self._pack(self.param_groups[index]["params"])
        for arena in arenas:
            for i, p in enumerate(arena.params):
                state = self.state.get(p, {})
                for name in self.state_names:
                    if name in state:
                        state[name] = arena.state_view(name, i, state[name]._array)
        return arenas

    def _check_conversions(self, arenas: list[_Arena]) -> None:
        """RuntimeError, before anything changes, where PyTorch's step raises for a converted
        parameter: its state has a buffer of the old dtype that the update cannot mix in."""
        for arena in arenas:
            for p in arena.params:
                bound = [n for n in self.dtype_bound_states if n in self.state.get(p, {})]
                if p._array.dtype != arena.values.dtype and bound:
                    raise RuntimeError(
                        f"{type(self).__name__}: a parameter was converted from "
                        f"{arena.values.dtype} to {p._array.dtype} after its state "
                        f"({', '.join(bound)}) was made in {arena.values.dtype}; PyTorch's step "
                        "raises here too. Convert the model before building the optimizer, or "
                        "build a new optimizer")

    def _validate(self, group: dict) -> None:
        """Check every option of a group (TypeError for a wrong type, ValueError for a value out
        of range); subclasses add checks that involve several options."""
        for name, check in self.option_checks.items():
            check(name, group[name])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: one memset per arena; p.grad becomes None (set_to_none) or zeros
        (in the parameters' current dtype: the arenas are re-packed first if it changed)."""
        for index in range(len(self._arenas)):
            for arena in self._arenas[index] if set_to_none else self._packed(index):
                self._kernel(arena).zero_fill(array=arena.grad)
                for p, view in zip(arena.params, arena.grad_views):
                    p.grad = None if set_to_none else Tensor._make(view)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (others are left as they are)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            fills = self._state_fills(group)
            for arena in self._packed(index):
                for run in self._runs(arena, fills):
                    self._update(arena, run, group)
                    # as PyTorch's in-place update bumps the parameters' versions
                    mark_changed(arena.params[run.first:run.stop])
        return loss

    def _runs(self, arena: _Arena, fills: dict[str, float]) -> list[_Run]:
        """The arena's parameters that have gradients, as runs of consecutive ones with the same
        step count and the same new buffers (normally: one run for the whole arena), after
        advancing each one's step count and giving it every buffer in `fills` it lacks."""
        runs: list[list] = []  # [first, stop, step, new], made _Runs at the end
        for i, p in enumerate(arena.params):
            if p.grad is None:
                continue
            state = self.state[p]
            new = () if state and state.keys() >= fills.keys() else \
                self._create_state(arena, i, state, fills)
            state["step"] += 1
            if runs and runs[-1][1] == i and runs[-1][2] == state["step"] and runs[-1][3] == new:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1, state["step"], new])
        return [_Run(*run) for run in runs]

    def _create_state(self, arena: _Arena, i: int, state: dict,
                      fills: dict[str, float]) -> tuple[str, ...]:
        """The one place where state is made: parameter i's step count at its first step, and
        each buffer in `fills` it has not used before (on its first step, or later when an
        option that needs the buffer is turned on), filled with its initial value. Returns the
        names of the new buffers."""
        state.setdefault("step", 0.0)
        new = tuple(name for name in fills if name not in state)
        for name in new:
            state[name] = arena.state_view(name, i, fills[name])
        return new

    def _state_fills(self, group: dict) -> dict[str, float]:
        """The state buffers the update needs for a group's options, with their initial value."""
        return {}

    @staticmethod
    def _slices(arena: _Arena, run: _Run, *names: str) -> list:
        """The run's part of the parameters, gradients and the named state buffers (None for a
        buffer the arena has never needed)."""
        start, stop = arena.offsets[run.first], arena.offsets[run.stop]
        return [arena.values[start:stop], arena.grad[start:stop]] + [
            arena.states[name][start:stop] if name in arena.states else None for name in names]

    @staticmethod
    def _kernel(arena: _Arena) -> Any:
        return kernels.load("optim", arena.values.dtype)

    # ------------------------------------------------------------------ state_dict
    def _indexed_params(self) -> list:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict:
        """{'state': {index: {'step': float, name: Tensor copy}}, 'param_groups': [options with
        'params' as index lists]}, PyTorch's layout."""
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        state = {index[id(p)]: {key: (value.clone() if isinstance(value, Tensor) else value)
                                for key, value in s.items()}
                 for p, s in self.state.items() if s}
        groups, start = [], 0
        for group in self.param_groups:
            count = len(group["params"])
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": list(range(start, start + count))})
            start += count
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state (PyTorch's semantics: each group takes the saved options, the
        state becomes the saved one). Everything is checked first (minigrad.optim._loading), so
        a load that fails leaves param_groups and state exactly as they were."""
        plan = checked_state_dict(self, state_dict)
        for group, options in zip(self.param_groups, plan.groups):
            group.update(options)
        self.state.clear()  # first: a re-pack below has no old state to convert
        slots = {id(p): (arena, i) for index in range(len(self._arenas))
                 for arena in self._packed(index) for i, p in enumerate(arena.params)}
        for p, saved in plan.states:
            arena, i = slots[id(p)]
            state = self.state[p]
            state["step"] = saved.pop("step")
            for name, array in saved.items():
                state[name] = arena.state_view(name, i, array)
