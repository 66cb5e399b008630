"""Optimizer: PyTorch's param_groups / state / state_dict contract over a flat parameter arena.

Each param group's parameters of one dtype live in one contiguous buffer (an `_Arena`): their
`.data` are views into it, their gradients are views into a matching gradient buffer (backward
writes there directly, see Parameter._grad_buffer), and the optimizer state (momentum, square
averages, ...) lives in matching flat buffers. A step is then one fused kernel call per run of
parameters that have gradients (normally: one call per group and dtype), and zero_grad is one
memset. None of it is visible: p.data, p.grad, optimizer.state[p] and state_dict() look as in
PyTorch.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from .. import kernels
from ..autograd import enable_grad
from ..tensor import Tensor


class _Arena:
    """One group's parameters of one dtype, packed; the state buffers are created on demand."""

    def __init__(self, params: list, dtype: np.dtype) -> None:
        self.params = params
        sizes = [p.data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.data = np.empty(self.offsets[-1], dtype)
        self.grad = np.zeros(self.offsets[-1], dtype)
        self.states: dict[str, np.ndarray] = {}
        self.data_views, self.grad_views = [], []
        for p, (start, stop) in zip(params, self.spans()):
            view = self.data[start:stop].reshape(p.data.shape)
            view[...] = p.data
            p.data = view
            self.data_views.append(view)
            self.grad_views.append(self.grad[start:stop].reshape(view.shape))
            if p.grad is not None:
                self.grad_views[-1][...] = p.grad.data
                p.grad = Tensor._make(self.grad_views[-1])
            p._grad_buffer = self.grad_views[-1]

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.offsets[:-1].tolist(), self.offsets[1:].tolist()))

    def sync(self) -> None:
        """Pull in any p.data or p.grad the user replaced since the last step."""
        for p, view, grad_view in zip(self.params, self.data_views, self.grad_views):
            if p.data is not view:
                if p.data.shape != view.shape:
                    raise ValueError(f"a parameter of shape {view.shape} was replaced by one of "
                                     f"shape {p.data.shape}; build a new optimizer instead")
                view[...] = p.data
                p.data = view
            if p.grad is not None and p.grad.data is not grad_view:
                grad_view[...] = p.grad.data
                p.grad = Tensor._make(grad_view)

    def state(self, name: str, fill: float = 0.0) -> np.ndarray:
        """The flat state buffer `name`, created filled with `fill` on first use."""
        if name not in self.states:
            self.states[name] = np.full(self.data.shape, fill, self.data.dtype)
        return self.states[name]


class Optimizer:
    """Base class: subclasses set `defaults`, validate them, and define `_update(arena, run,
    group)` which applies one fused kernel call to the parameters run[0]..run[1] of the arena."""

    state_names: tuple[str, ...] = ()  # the per-parameter state tensors, in state_dict order

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: dict[Any, dict] = defaultdict(dict)
        self._arenas: list[list[_Arena]] = []
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
        by_dtype: dict[np.dtype, list] = defaultdict(list)
        for p in params:
            by_dtype[p.data.dtype].append(p)
        self.param_groups.append(group)
        self._arenas.append([_Arena(ps, dtype) for dtype, ps in by_dtype.items()])

    def _validate(self, group: dict) -> None:
        lr = group["lr"]
        if isinstance(lr, Tensor) or not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= group.get("weight_decay", 0.0):
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if not 0.0 <= group.get("eps", 0.0):
            raise ValueError(f"Invalid epsilon value: {group['eps']}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: one memset per arena; p.grad becomes None (set_to_none) or zeros."""
        for arenas in self._arenas:
            for arena in arenas:
                self._kernel(arena).zero_fill(arena.grad)
                for p, view in zip(arena.params, arena.grad_views):
                    p.grad = None if set_to_none else Tensor._make(view)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (others are left as they are)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group, arenas in zip(self.param_groups, self._arenas):
            for arena in arenas:
                arena.sync()
                for run in self._runs(arena):
                    self._update(arena, run, group)
        return loss

    def _runs(self, arena: _Arena) -> list[tuple[int, int, int]]:
        """(first, last + 1, step) over consecutive parameters that have gradients and the same
        step count, after advancing each one's count: normally one run for the whole arena."""
        runs: list[list[int]] = []
        for i, p in enumerate(arena.params):
            if p.grad is None:
                continue
            state = self._param_state(arena, i)
            state["step"] += 1
            if runs and runs[-1][1] == i and runs[-1][2] == state["step"]:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1, state["step"]])
        return [tuple(run) for run in runs]

    def _param_state(self, arena: _Arena, i: int) -> dict:
        """state[p] for parameter i of the arena: its step count and views into the state
        buffers, made on the parameter's first step."""
        p = arena.params[i]
        state = self.state[p]
        if not state:
            start, stop = arena.spans()[i]
            state["step"] = 0.0
            for name, fill in self._state_fills(self._group_of(p)).items():
                state[name] = Tensor._make(arena.state(name, fill)[start:stop].reshape(
                    p.data.shape))
        return state

    def _group_of(self, p: Any) -> dict:
        return next(g for g in self.param_groups if any(q is p for q in g["params"]))

    def _state_fills(self, group: dict) -> dict[str, float]:
        """The state buffers this optimizer keeps for a group, with their initial value."""
        return {}

    @staticmethod
    def _slices(arena: _Arena, run: tuple[int, int, int], *names: str) -> list:
        """The run's part of the parameters, gradients and the named state buffers."""
        start, stop = arena.offsets[run[0]], arena.offsets[run[1]]
        return [arena.data[start:stop], arena.grad[start:stop]] + [
            arena.states[name][start:stop] if name in arena.states else None for name in names]

    @staticmethod
    def _kernel(arena: _Arena) -> Any:
        return kernels.load("optim", arena.data.dtype)

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
        """Restore options and state; everything is checked before anything is changed."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(ours["params"])
                for g, ours in zip(groups, self.param_groups)):
            raise ValueError("loaded state dict has a different number of parameter groups or "
                             "parameters per group")
        params = self._indexed_params()
        position = {id(p): i for i, p in enumerate(params)}
        for index, saved in state_dict["state"].items():
            if not 0 <= int(index) < len(params):
                raise ValueError(f"loaded state dict refers to parameter {index}, but the "
                                 f"optimizer has {len(params)}")
            shape = params[int(index)].data.shape
            for name in self.state_names:
                if name in saved and np.shape(np.asarray(saved[name])) != shape:
                    raise ValueError(f"state {name!r} of parameter {index} has shape "
                                     f"{np.shape(np.asarray(saved[name]))}, expected {shape}")
        for group, saved in zip(self.param_groups, groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        for arenas in self._arenas:
            for arena in arenas:
                for i, p in enumerate(arena.params):
                    saved = state_dict["state"].get(position[id(p)])
                    if saved is None:
                        continue
                    state = self._param_state(arena, i)
                    state["step"] = float(saved["step"])
                    for name in self.state_names:
                        if name in saved:
                            state[name].data[...] = np.asarray(saved[name])
