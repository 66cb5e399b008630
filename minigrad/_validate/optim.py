"""Arguments of the fused optimizer updates (csrc/optim.pyx and its twin).

Each `<update>_arguments` returns the update's arguments checked: the arrays through
optimizer_arrays (a state the options do not read comes back as UNUSED), the hyperparameters
as floats, the options as bools and num_threads (the caller's thread count) as an int >= 1,
last. Ranges are the optimizers' business (minigrad.optim checks
them with PyTorch's messages); a kernel only needs numbers it can compute with."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import FLOAT_DTYPES, flag, real, thread_count, writeable_vector

UNUSED = object()  # an optimizer state array that the update's options do not read


def _optimizer_array(name: str, array: Any, param: np.ndarray, written: bool) -> None:
    """One array of an optimizer update: a C-contiguous 1-D ndarray of param's dtype and length,
    writeable if the update writes it. None or a non-array is a TypeError naming the argument."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(array).__name__}")
    if array.dtype != param.dtype:
        raise TypeError(f"{name} must have param's dtype {param.dtype}, got {array.dtype}")
    if array.shape != param.shape:
        raise ValueError(f"{name} must have param's shape {param.shape}, got {array.shape}")
    if not array.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (the update reads it as one flat buffer)")
    if written and not array.flags.writeable:
        raise ValueError(f"{name} must be writeable (the update writes it in place)")


def optimizer_arrays(param: Any, grad: Any, **states: Any) -> None:
    """The arrays of one fused optimizer update: param (written), grad (read) and the named state
    arrays (written) that the update's options need; a state passed as UNUSED is not read and
    not checked. Each array is a C-contiguous 1-D ndarray of param's float dtype and length, and
    no two overlap in memory (an in-place update must not read what it writes). O(number of
    arrays): no element is looked at."""
    if not isinstance(param, np.ndarray):
        raise TypeError(f"param must be a numpy.ndarray, got {type(param).__name__}")
    if param.dtype != FLOAT_DTYPES[0] and param.dtype != FLOAT_DTYPES[1]:
        raise TypeError(f"param must be float32 or float64, got {param.dtype}")
    if param.ndim != 1:
        raise ValueError(f"param must be 1-D (a flat parameter buffer), got shape {param.shape}")
    _optimizer_array("param", param, param, written=True)
    _optimizer_array("grad", grad, param, written=False)
    checked = [("param", param), ("grad", grad)]
    for name, array in states.items():
        if array is not UNUSED:
            _optimizer_array(name, array, param, written=True)
            checked.append((name, array))
    for i, (second, array) in enumerate(checked):
        for first, earlier in checked[:i]:
            if np.may_share_memory(earlier, array):
                raise ValueError(f"{second} overlaps {first} in memory (an in-place update must "
                                 f"not read what it writes)")


def _step_count(step: Any) -> float:
    """The step count t >= 1 of a bias-corrected or decayed update (1 - beta^t must not be 0)."""
    step = real("step", step)
    if not step >= 1:
        raise ValueError(f"step must be >= 1 (the count of steps taken, this one included), "
                         f"got {step}")
    return step


def sgd_step_arguments(param: Any, grad: Any, momentum_buffer: Any, lr: Any, momentum: Any,
                       dampening: Any, weight_decay: Any, nesterov: Any, maximize: Any,
                       new_buffer: Any, num_threads: Any) -> tuple:
    """momentum_buffer is read and written only when momentum != 0."""
    momentum = real("momentum", momentum)
    buffer = momentum_buffer if momentum != 0 else UNUSED
    optimizer_arrays(param, grad, momentum_buffer=buffer)
    return (param, grad, buffer, real("lr", lr), momentum, real("dampening", dampening),
            real("weight_decay", weight_decay), flag("nesterov", nesterov),
            flag("maximize", maximize), flag("new_buffer", new_buffer), thread_count(num_threads))


def adam_step_arguments(param: Any, grad: Any, exp_avg: Any, exp_avg_sq: Any,
                        max_exp_avg_sq: Any, step: Any, lr: Any, beta1: Any, beta2: Any,
                        eps: Any, weight_decay: Any, amsgrad: Any, maximize: Any,
                        decoupled: Any, num_threads: Any) -> tuple:
    """max_exp_avg_sq is read and written only with amsgrad."""
    amsgrad = flag("amsgrad", amsgrad)
    maximum = max_exp_avg_sq if amsgrad else UNUSED
    optimizer_arrays(param, grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq,
                     max_exp_avg_sq=maximum)
    return (param, grad, exp_avg, exp_avg_sq, maximum, _step_count(step), real("lr", lr),
            real("beta1", beta1), real("beta2", beta2), real("eps", eps),
            real("weight_decay", weight_decay), amsgrad, flag("maximize", maximize),
            flag("decoupled", decoupled), thread_count(num_threads))


def rmsprop_step_arguments(param: Any, grad: Any, square_avg: Any, grad_avg: Any,
                           momentum_buffer: Any, lr: Any, alpha: Any, eps: Any,
                           weight_decay: Any, momentum: Any, centered: Any,
                           maximize: Any, num_threads: Any) -> tuple:
    """grad_avg is used only when centered, momentum_buffer only when momentum > 0."""
    momentum, centered = real("momentum", momentum), flag("centered", centered)
    average = grad_avg if centered else UNUSED
    buffer = momentum_buffer if momentum > 0 else UNUSED
    optimizer_arrays(param, grad, square_avg=square_avg, grad_avg=average,
                     momentum_buffer=buffer)
    return (param, grad, square_avg, average, buffer, real("lr", lr), real("alpha", alpha),
            real("eps", eps), real("weight_decay", weight_decay), momentum, centered,
            flag("maximize", maximize), thread_count(num_threads))


def adagrad_step_arguments(param: Any, grad: Any, state_sum: Any, step: Any, lr: Any,
                           lr_decay: Any, eps: Any, weight_decay: Any, maximize: Any,
                           num_threads: Any) -> tuple:
    optimizer_arrays(param, grad, state_sum=state_sum)
    return (param, grad, state_sum, _step_count(step), real("lr", lr),
            real("lr_decay", lr_decay), real("eps", eps), real("weight_decay", weight_decay),
            flag("maximize", maximize), thread_count(num_threads))


def adadelta_step_arguments(param: Any, grad: Any, square_avg: Any, acc_delta: Any, lr: Any,
                            rho: Any, eps: Any, weight_decay: Any, maximize: Any,
                            num_threads: Any) -> tuple:
    optimizer_arrays(param, grad, square_avg=square_avg, acc_delta=acc_delta)
    return (param, grad, square_avg, acc_delta, real("lr", lr), real("rho", rho),
            real("eps", eps), real("weight_decay", weight_decay), flag("maximize", maximize),
            thread_count(num_threads))


def zero_fill_arguments(array: Any) -> np.ndarray:
    """A gradient arena to clear: a writeable contiguous 1-D float array."""
    return writeable_vector("array", array)
