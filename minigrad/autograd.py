"""The autograd engine: the backward graph walk, and PyTorch's autograd.backward and autograd.grad.

Ops are Functions (function.py) that record a Context node on their output. `backpropagate`
walks the recorded graph in reverse topological order without recursion, sums the gradients
flowing into each node, reduces broadcast dimensions, and frees the saved arrays unless
retain_graph; `backward` accumulates what reaches the leaves into their `.grad`, `grad` returns
what reaches the given inputs and touches no `.grad`.
Before a node's backward runs, it checks that nothing it saved was changed in place since it was
recorded (PyTorch's saved-tensor version check), so a changed input never gives a wrong gradient.

Tensor hooks (`register_hook`, `retain_grad`) are in hooks.py; the walk runs them on the summed
gradient of a tensor before it flows on, only when some hook was ever registered.

Gradient buffers: `set_grad_buffer(leaf, view)` is the one way to choose where backward writes a
leaf's first gradient (the leaf's `_grad_buffer` slot, None on every tensor until then). An
optimizer gives each leaf it packs, Parameter or plain tensor, a view into its flat gradient
arena, and gives new views whenever it re-packs (after model.double(), say), so backward writes
the gradients where the fused step reads them. A buffer whose dtype no longer matches the leaf's
data is passed over for a new array until the owner sets a new one.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .function import Context, Function  # noqa: F401  (re-exported)
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401  (re-exported)
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from .hooks import HOOKS, hook_owner, retained_by, run_hooks
from .tensor import INPLACE_CLOCK, Size, Tensor

# --------------------------------------------------------------------------------------- backward


def check_saved_unchanged(node: Context) -> None:
    """Raise if an array that node saved for backward was changed in place after node was
    recorded: its inputs (their memory changed later than node.version on the in-place clock)
    or its output (noted on the node by the in-place op). A changed array that node did not save
    (add keeps no inputs, say) is fine, as in PyTorch."""
    saved = [a for a in (*node.saved_tensors, *node.__dict__.values())
             if isinstance(a, np.ndarray)]
    changed = [(p._array, p._version) for p in node.parents
               if p is not None and p._owner()._changed_at > node.version]
    for array, version in changed + list(node.changed_outputs):
        if any(np.may_share_memory(array, s) for s in saved):
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{array.dtype} tensor of shape {list(array.shape)}], saved "
                f"by {node.name}, is at version {version}; it was changed after {node.name} "
                "saved it. Hint: do the in-place change after backward, or on a clone().")


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum grad over the dimensions that were broadcast to reach its shape."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


# --------------------------------------------------------------------------------------- the walk


def _topological_order(roots: list[Context]) -> list[Context]:
    """Nodes reachable from roots, each after all nodes that consume it (iterative DFS)."""
    post_order: list[Context] = []
    visited: set[int] = set()
    stack: list[tuple[Context, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            post_order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if parent is not None and parent._node is not None and id(parent._node) not in visited:
                stack.append((parent._node, False))
    post_order.reverse()
    return post_order


def _leading_to(order: list[Context], inputs: Sequence[Tensor]) -> set[Context]:
    """The nodes of order through whose backward a gradient can reach one of inputs."""
    input_ids = {id(hook_owner(t)) for t in inputs}
    leading: set[Context] = set()
    for node in reversed(order):  # parents before the nodes that consume them
        if any(p is not None and (id(hook_owner(p)) in input_ids or p._node in leading)
               for p in node.parents):
            leading.add(node)
    return leading


def set_grad_buffer(leaf: Tensor, view: np.ndarray | None) -> None:
    """Make backward write leaf's first gradient into view (an ndarray of the leaf's shape and
    dtype, e.g. a slice of an optimizer's gradient arena), or into a new array (None)."""
    if not isinstance(leaf, Tensor) or leaf._node is not None:
        got = "a tensor made by an op" if isinstance(leaf, Tensor) else type(leaf).__name__
        raise TypeError(f"set_grad_buffer takes a leaf tensor, got {got}")
    if view is not None:
        if not isinstance(view, np.ndarray):
            raise TypeError(f"a gradient buffer must be a numpy.ndarray or None, got "
                            f"{type(view).__name__}")
        if view.shape != leaf._array.shape or view.dtype != leaf._array.dtype:
            raise ValueError(f"a gradient buffer must have the leaf's shape {leaf._array.shape} "
                             f"and dtype {leaf._array.dtype}, got {view.shape} and {view.dtype}")
    leaf._grad_buffer = view


def _accumulate_grad(tensor: Tensor, grad: np.ndarray) -> None:
    """tensor.grad += grad, in place when a grad buffer exists (it may live in an optimizer arena).

    A first gradient is copied: into the leaf's buffer when one was set (set_grad_buffer; so an
    optimizer's arena stays where it reads), else into a new array; also when the leaf has
    changed dtype since (model.double()), until the optimizer re-packs at its next step.
    """
    if tensor.grad is None:
        buffer = tensor._grad_buffer
        if buffer is None or buffer.dtype != tensor._array.dtype:
            buffer = np.empty(tensor._array.shape, tensor._array.dtype)
        np.copyto(buffer, grad, casting="unsafe")
        tensor.grad = Tensor._make(buffer)
    else:
        np.add(tensor.grad._array, grad, out=tensor.grad._array, casting="unsafe")


def _hooked(owner: Tensor | Context, grad: np.ndarray) -> np.ndarray:
    """The gradient of owner (a leaf, or a non-leaf's node) after its hooks, kept if retained."""
    grad = run_hooks(owner, grad)
    retaining = retained_by(owner)
    if retaining is not None:
        _accumulate_grad(retaining, grad)
    return grad


def _add_to(sums: dict, key: Any, grad: np.ndarray) -> None:
    sums[key] = grad if key not in sums else sums[key] + grad


def backpropagate(seeds: list[tuple[Tensor, np.ndarray]], retain_graph: bool = False,
                  inputs: Sequence[Tensor] | None = None) -> list[np.ndarray | None] | None:
    """Propagate each seed (d output / d tensor, for its tensor) through the graph.

    inputs None (backward): accumulate into the .grad of every leaf that requires grad. Else
    (grad): return the gradient reaching each of inputs (None where none did), touching no .grad
    and running only the nodes that lead to an input.
    """
    hooked = HOOKS.registered > 0
    collect_leaves = hooked or inputs is not None  # sum each leaf's gradient before delivering it
    leaf_sums: dict[Tensor, np.ndarray] = {}
    pending: dict[Context, np.ndarray] = {}
    for tensor, grad in seeds:
        _add_to(leaf_sums if tensor._node is None else pending, hook_owner(tensor), grad)
    order = _topological_order(list(pending))
    if inputs is not None:
        wanted = {t._node for t in inputs if t._node is not None}
        leading = _leading_to(order, inputs)
        order = [node for node in order if node in leading or node in wanted]
        reached: dict[Context, np.ndarray] = {}
    for node in order:
        grad_out = pending.pop(node, None)
        if grad_out is None:  # no gradient reached this node
            continue
        if hooked:
            grad_out = _hooked(node, grad_out)
        if inputs is not None:
            if node in wanted:
                reached[node] = grad_out
            if node not in leading:
                continue
        if node.released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({node.name}): its saved "
                "arrays were freed. Specify retain_graph=True on the first backward call.")
        if node.version != INPLACE_CLOCK.now:  # some tensor changed in place since node was made
            check_saved_unchanged(node)
        grads = node.function.backward(node, grad_out)
        if not isinstance(grads, tuple):
            grads = (grads,)
        for parent, needs, g in zip(node.parents, node.needs_input_grad, grads):
            if not needs or g is None:
                continue
            if type(g) is not np.ndarray:
                g = np.asarray(g)
            if g.shape != parent._array.shape:  # broadcast in forward: sum it away
                g = sum_to_shape(g, parent._array.shape)
            dtype = parent._array.dtype
            if g.dtype is not dtype and g.dtype != dtype:  # a gradient has its tensor's dtype
                g = g.astype(dtype)
            node_of_parent = parent._node
            if node_of_parent is not None:  # inline: this loop is backward's hot path
                pending[node_of_parent] = (g if node_of_parent not in pending
                                           else pending[node_of_parent] + g)
            elif collect_leaves:
                _add_to(leaf_sums, parent, g)
            else:
                _accumulate_grad(parent, g)
        if not retain_graph:
            node.release()
    if inputs is None:
        for leaf, grad in leaf_sums.items():
            _accumulate_grad(leaf, _hooked(leaf, grad) if hooked else grad)
        return None
    return [reached.get(t._node) if t._node is not None
            else _hooked(t, leaf_sums[t]) if t in leaf_sums else None for t in inputs]


# --------------------------------------------------------------------------------------- API


def _tensors(value: Any, what: str) -> list[Any]:
    """A Tensor or a sequence of them (or of None, for gradients) as a list."""
    if isinstance(value, Tensor) or value is None:
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, got "
                    f"{type(value).__name__}")


def _seeds(outputs: list[Tensor], grad_outputs: list[Any]) -> list[tuple[Tensor, np.ndarray]]:
    """Pair each output with the gradient to start from (ones for a scalar), checked."""
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    seeds = []
    for i, (out, given) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"outputs[{i}] must be a Tensor, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
        if given is None:
            if out._array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seed = np.array(1, out._array.dtype).reshape(out._array.shape)  # np.ones is slower
        else:
            seed = np.asarray(given._array if isinstance(given, Tensor) else given,
                              dtype=out._array.dtype)
            if seed.shape != out._array.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{Size(seed.shape)} and output[{i}] has a shape of "
                                   f"{Size(out._array.shape)}.")
        seeds.append((out, seed))
    return seeds


def _no_higher_order(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients) is not supported: minigrad's backward "
            "rules compute on NumPy arrays outside the graph, so a gradient has no grad_fn")


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate the gradients of tensors (weighted by grad_tensors) into every leaf's .grad
    (torch.autograd.backward)."""
    if (grad_tensors is None and not create_graph and type(tensors) is Tensor
            and tensors.requires_grad and tensors._array.size == 1):  # loss.backward(): the hot path
        seed = np.array(1, tensors._array.dtype).reshape(tensors._array.shape)
        backpropagate([(tensors, seed)], bool(retain_graph))
        return
    _no_higher_order(create_graph)
    outputs = _tensors(tensors, "tensors")
    grads = [None] * len(outputs) if grad_tensors is None else _tensors(grad_tensors,
                                                                          "grad_tensors")
    backpropagate(_seeds(outputs, grads), bool(retain_graph))


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
         *, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of outputs (weighted by grad_outputs) with respect to each of inputs,
    leaving every .grad untouched (torch.autograd.grad).

    An input that outputs do not depend on raises, unless allow_unused (then its gradient is
    None) or materialize_grads (then it is zeros).
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads="
                         f"True, but got: allow_unused={allow_unused}.")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    _no_higher_order(create_graph)
    targets = _tensors(inputs, "inputs")
    if not targets:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not all(isinstance(t, Tensor) and t.requires_grad for t in targets):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    outs = _tensors(outputs, "outputs")
    grads = [None] * len(outs) if grad_outputs is None else _tensors(grad_outputs,
                                                                       "grad_outputs")
    reached = backpropagate(_seeds(outs, grads), bool(retain_graph), targets)
    results = []
    for i, (target, g) in enumerate(zip(targets, reached)):
        if g is None and not allow_unused:
            raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                               "used in the graph. Set allow_unused=True if this is the desired "
                               "behavior.")
        if g is None and materialize_grads:
            g = np.zeros_like(target._array)
        results.append(None if g is None else Tensor._make(np.array(g)))
    return tuple(results)
