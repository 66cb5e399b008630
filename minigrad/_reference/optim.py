"""NumPy twin of csrc/optim.pyx: one fused update per optimizer over flat parameter arrays.

Every function updates param and its state arrays in place, exactly as PyTorch's single-tensor
implementation does for one step (same operation order, scalars cast to the parameters' dtype),
so trajectories agree with PyTorch to the last bits. grad is read only. Formulas in
docs/optimizers.md. num_threads, the compiled kernels' thread count, is checked and unused here
(NumPy runs on its own threads).
"""
from __future__ import annotations

import numpy as np

from .._validate.optim import (adadelta_step_arguments, adagrad_step_arguments, adam_step_arguments,
                               rmsprop_step_arguments, sgd_step_arguments, zero_fill_arguments)


def _scalar(value: float, dtype: np.dtype):
    return dtype.type(value)


def _effective_grad(param, grad, weight_decay, maximize):
    g = -grad if maximize else grad
    return g + _scalar(weight_decay, param.dtype) * param if weight_decay != 0 else g


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
             maximize, new_buffer, *, num_threads):
    """p -= lr * d with d = g (+ momentum buffer, Nesterov's look-ahead); a new buffer (one the
    parameters have not used before) starts as d, PyTorch's clone of the gradient."""
    (param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize,
     new_buffer, _) = sgd_step_arguments(param, grad, momentum_buffer, lr, momentum, dampening,
                                         weight_decay, nesterov, maximize, new_buffer, num_threads)
    t = param.dtype
    d = _effective_grad(param, grad, weight_decay, maximize)
    if momentum != 0:
        if new_buffer:
            momentum_buffer[...] = d
        else:
            momentum_buffer *= _scalar(momentum, t)
            momentum_buffer += _scalar(1 - dampening, t) * d
        d = d + _scalar(momentum, t) * momentum_buffer if nesterov else momentum_buffer
    param -= _scalar(lr, t) * d


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled, *, num_threads):
    """Adam (decoupled=False: L2 added to the gradient) or AdamW (decoupled: p *= 1 - lr wd)."""
    (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
     amsgrad, maximize, decoupled, _) = adam_step_arguments(
        param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
        weight_decay, amsgrad, maximize, decoupled, num_threads)
    t = param.dtype
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param *= _scalar(1 - lr * weight_decay, t)
        else:
            g = g + _scalar(weight_decay, t) * param
    exp_avg += _scalar(1 - beta1, t) * (g - exp_avg)  # lerp towards g
    exp_avg_sq *= _scalar(beta2, t)
    exp_avg_sq += _scalar(1 - beta2, t) * g * g
    step_size = lr / (1 - beta1 ** step)
    correction2_sqrt = (1 - beta2 ** step) ** 0.5
    second = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denom = np.sqrt(second) / _scalar(correction2_sqrt, t) + _scalar(eps, t)
    param -= _scalar(step_size, t) * exp_avg / denom  # PyTorch's addcdiv order: (s m) / denom


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                 weight_decay, momentum, centered, maximize, *, num_threads):
    """RMSprop: v = alpha v + (1 - alpha) g^2, p -= lr g / (sqrt(v - centered mean^2) + eps)."""
    (param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
     centered, maximize, _) = rmsprop_step_arguments(param, grad, square_avg, grad_avg,
                                                     momentum_buffer, lr, alpha, eps,
                                                     weight_decay, momentum, centered, maximize,
                                                     num_threads)
    t = param.dtype
    g = _effective_grad(param, grad, weight_decay, maximize)
    square_avg *= _scalar(alpha, t)
    square_avg += _scalar(1 - alpha, t) * g * g
    if centered:
        grad_avg += _scalar(1 - alpha, t) * (g - grad_avg)
        avg = np.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = np.sqrt(square_avg)
    avg += _scalar(eps, t)
    if momentum > 0:
        momentum_buffer *= _scalar(momentum, t)
        momentum_buffer += g / avg
        param -= _scalar(lr, t) * momentum_buffer
    else:
        param -= _scalar(lr, t) * g / avg


def adagrad_step(param, grad, state_sum, step, lr, lr_decay, eps, weight_decay, maximize, *,
                 num_threads):
    """AdaGrad: s += g^2, p -= lr_t g / (sqrt(s) + eps), lr_t = lr / (1 + (step - 1) lr_decay)."""
    param, grad, state_sum, step, lr, lr_decay, eps, weight_decay, maximize, _ = \
        adagrad_step_arguments(param, grad, state_sum, step, lr, lr_decay, eps, weight_decay,
                               maximize, num_threads)
    t = param.dtype
    g = _effective_grad(param, grad, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum += g * g
    param -= _scalar(clr, t) * g / (np.sqrt(state_sum) + _scalar(eps, t))


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize, *,
                  num_threads):
    """AdaDelta: v = rho v + (1-rho) g^2, d = sqrt(u + eps) / sqrt(v + eps) g,
    u = rho u + (1-rho) d^2, p -= lr d."""
    param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize, _ = \
        adadelta_step_arguments(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay,
                                maximize, num_threads)
    t = param.dtype
    g = _effective_grad(param, grad, weight_decay, maximize)
    square_avg *= _scalar(rho, t)
    square_avg += _scalar(1 - rho, t) * g * g
    std = np.sqrt(square_avg + _scalar(eps, t))
    delta = np.sqrt(acc_delta + _scalar(eps, t)) / std * g
    acc_delta *= _scalar(rho, t)
    acc_delta += _scalar(1 - rho, t) * delta * delta
    param -= _scalar(lr, t) * delta


def zero_fill(array):
    """array[:] = 0 in place (the compiled kernel does it with one memset)."""
    zero_fill_arguments(array).fill(0)
