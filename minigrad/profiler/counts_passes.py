"""The counts of the kernels that make passes over their data: batch and layer norm, the losses,
dropout, the optimizer updates (the rules: counts.py and docs/profiling.md, "Counting rules").

n is the number of elements, s the data's itemsize; statistics kept in float64 are 8 bytes each.
"""
from __future__ import annotations

from .countable import Call, Count, nbytes

STAT = 8  # bytes of a float64 statistic (mean, var, rstd, a row's loss)


# ----------------------------------------------------------------------------- batch norm
def batch_norm_stats(c: Call) -> Count:
    """4n + 2C (sum; squared deviations: sub, mul, add; a divide per statistic); x read, mean and
    var (C, float64) written."""
    x = c["x"]
    channels = x.shape[1]
    return 4 * x.size + 2 * channels, x.nbytes + 2 * channels * STAT


def batch_norm_apply(c: Call) -> Count:
    """2n (x scale + shift) + 5C (scale = w / sqrt(var + eps), shift = b - mean scale); x, mean,
    var, weight, bias read, y written."""
    x = c["x"]
    flops = 2 * x.size + 5 * x.shape[1]
    moved = 2 * x.nbytes + sum(nbytes(c[k]) for k in ("mean", "var", "weight", "bias"))
    return flops, moved


def batch_norm_backward(c: Call) -> Count:
    """5n for the sums (xhat: sub, mul; gy xhat; two adds) when any of them is needed, + gx: 5n in
    training (w invstd / M (M gy - sum gy - xhat sum gy xhat)), 1n in evaluation; + 4C."""
    gy, x = c["grad_output"], c["x"]
    n, channels, s = x.size, x.shape[1], x.itemsize
    needs_sums = c["weight_grad"] or c["bias_grad"] or (c["input_grad"] and c["training"])
    flops = 5 * n * needs_sums + 4 * channels
    moved = gy.nbytes + nbytes(c["mean"]) + nbytes(c["var"]) + nbytes(c["weight"])
    moved += x.nbytes * needs_sums
    if c["input_grad"]:
        flops, moved = flops + (5 if c["training"] else 1) * n, moved + x.nbytes
    return flops, moved + (c["weight_grad"] + c["bias_grad"]) * channels * s


# ----------------------------------------------------------------------------- layer norm
def layer_norm_forward(c: Call) -> Count:
    """5n (mean: add; var: sub, mul, add; y = centered rstd) + n per weight, bias + 4M (two
    divides, add eps, sqrt); x, weight, bias read, y and mean, rstd (M, float64) written."""
    x, weight, bias = c["x"], c["weight"], c["bias"]
    rows = x.shape[0]
    flops = (5 + (weight is not None) + (bias is not None)) * x.size + 4 * rows
    return flops, 2 * x.nbytes + nbytes(weight) + nbytes(bias) + 2 * rows * STAT


def layer_norm_backward(c: Call) -> Count:
    """2n (xhat) when gx or gw are asked + n (g = gy w, with a weight) + gx: 7n + 2M (sum g, sum
    g xhat, combine) + gw: 2n (sum gy xhat) + gb: n."""
    gy, x, weight = c["grad_output"], c["x"], c["weight"]
    n, (rows, size), s = x.size, x.shape, x.itemsize
    needs_xhat = c["input_grad"] or c["weight_grad"]
    flops, moved = 2 * n * needs_xhat, gy.nbytes
    if needs_xhat:
        moved += x.nbytes + nbytes(c["mean"]) + nbytes(c["rstd"])
    if c["input_grad"]:
        flops += (weight is not None) * n + 7 * n + 2 * rows
        moved += nbytes(weight) + x.nbytes
    if c["weight_grad"]:
        flops, moved = flops + 2 * n, moved + size * s
    if c["bias_grad"]:
        flops, moved = flops + n, moved + size * s
    return flops, moved


# ----------------------------------------------------------------------------- losses
def cross_entropy_forward(c: Call) -> Count:
    """6n + 2N (row max, sub, exp, sum, log, add, logp = x - lse, p = exp logp), + the losses:
    class index 2N (+N weighted, +2n smoothed, +n both); probabilities 3n (+n weighted, +2n
    smoothed); logits, target, weight read, losses (N, float64) and probs written."""
    logits, weight, smoothed = c["logits"], c["weight"], c["label_smoothing"] != 0
    n, rows = logits.size, logits.shape[0]
    weighted = weight is not None
    if len(c["target"].shape) == 2:
        loss_flops = (3 + weighted + 2 * smoothed) * n
    else:
        loss_flops = (2 + weighted) * rows + smoothed * (2 + weighted) * n
    moved = 2 * logits.nbytes + c["target"].nbytes + nbytes(weight) + rows * STAT
    return 6 * n + 2 * rows + loss_flops, moved


def cross_entropy_backward(c: Call) -> Count:
    """class index 3n + N (p a - b, the target's subtract, times the row's gradient); probabilities
    4n (+n weighted, +2n smoothed); probs, target, weight, grad_losses read, grad written."""
    if not c["input_grad"]:
        return 0, 0
    probs, weight = c["probs"], c["weight"]
    n, rows = probs.size, probs.shape[0]
    if len(c["target"].shape) == 2:
        flops = (4 + (weight is not None) + 2 * (c["label_smoothing"] != 0)) * n
    else:
        flops = 3 * n + rows
    moved = c["grad_losses"].nbytes + 2 * probs.nbytes + c["target"].nbytes + nbytes(weight)
    return flops, moved


def bce_with_logits(c: Call) -> Count:
    """15n (e^-|x|: 2; loss: 8; grad: 4; total: 1) + 3n with pos_weight + 2n with weight; x, y,
    weight, pos_weight read, losses and grad written."""
    x, weight, pos_weight = c["x"], c["weight"], c["pos_weight"]
    flops = (15 + 3 * (pos_weight is not None) + 2 * (weight is not None)) * x.size
    return flops, 3 * x.nbytes + c["y"].nbytes + nbytes(weight) + nbytes(pos_weight)


# ----------------------------------------------------------------------------- dropout
def alpha_coefficients(c: Call) -> Count:
    """0: scalar arithmetic on p, no array."""
    return 0, 0


def dropout_forward(c: Call) -> Count:
    """2n (compare, scale); x read, y and the keep mask (uint8) written."""
    x = c["x"]
    return 2 * x.size, 2 * x.nbytes + x.size


def alpha_dropout_forward(c: Call) -> Count:
    """4n (compare, select, a *, + b); x read, y and the keep mask (uint8) written."""
    x = c["x"]
    return 4 * x.size, 2 * x.nbytes + x.size


def gaussian_dropout_forward(c: Call) -> Count:
    """11n (two uniforms 2, log1p, -2 *, sqrt, 2 pi *, cos, product, 1 + sigma *: 2, x *); x read,
    y and noise written."""
    x = c["x"]
    return 11 * x.size, 3 * x.nbytes


def masked_scale(c: Call) -> Count:
    """2n (mask *, scale *); grad_output and mask read, the result written."""
    gy = c["grad_output"]
    return 2 * gy.size, 2 * gy.nbytes + c["mask"].nbytes


# ----------------------------------------------------------------------------- optimizers
def _update(c: Call, flops_per_element: int, state_arrays: int) -> Count:
    """param and state arrays read and written, grad read, each of param's size and itemsize."""
    param = c["param"]
    return flops_per_element * param.size, (2 + 1 + 2 * state_arrays) * param.nbytes


def _gradient_flops(c: Call) -> int:
    """g = -grad (maximize: 1) + weight_decay param (2)."""
    return bool(c["maximize"]) + 2 * (c["weight_decay"] != 0)


def sgd_step(c: Call) -> Count:
    """per element: g + momentum 3 (a new buffer: a copy, 0) + nesterov 2 + update 2; state: the
    momentum buffer (a new one is written only)."""
    param = c["param"]
    flops, moved = _gradient_flops(c) + 2, 3 * param.nbytes
    if c["momentum"] != 0:
        new = bool(c["new_buffer"])
        flops += (0 if new else 3) + 2 * bool(c["nesterov"])
        moved += (1 if new else 2) * param.nbytes
    return flops * param.size, moved


def adam_step(c: Call) -> Count:
    """per element: maximize 1, weight decay 2 (AdamW: 1), m lerp 3, v 4, amsgrad max 1, denom
    3 (sqrt, divide, + eps), update 3; state m, v (and v_max)."""
    decay = 0 if c["weight_decay"] == 0 else 1 if c["decoupled"] else 2
    amsgrad = bool(c["amsgrad"])
    flops = bool(c["maximize"]) + decay + 3 + 4 + amsgrad + 3 + 3
    return _update(c, flops, 2 + amsgrad)


def rmsprop_step(c: Call) -> Count:
    """per element: g + v 4 + centered 6 (mean lerp 3, v - mean^2 2, sqrt) or sqrt 1 + eps 1 +
    momentum 5 (or update 3); state v (and mean, momentum buffer)."""
    centered, momentum = bool(c["centered"]), c["momentum"] > 0
    flops = _gradient_flops(c) + 4 + (6 if centered else 1) + 1 + (5 if momentum else 3)
    return _update(c, flops, 1 + centered + momentum)


def adagrad_step(c: Call) -> Count:
    """per element: g + s += g^2 2 + update 5 (sqrt, + eps, divide, lr *, subtract); state s."""
    return _update(c, _gradient_flops(c) + 2 + 5, 1)


def adadelta_step(c: Call) -> Count:
    """per element: g + v 4 + std 2 + delta 4 + u 4 + update 2; state v, u."""
    return _update(c, _gradient_flops(c) + 16, 2)


def zero_fill(c: Call) -> Count:
    """0 FLOPs; the array written once."""
    return 0, c["array"].nbytes


def triad(c: Call) -> Count:
    """a = b + s c, `repeats` times: 2 FLOPs per element; b, c read and a written each time."""
    a, repeats = c["a"], c["repeats"]
    return 2 * a.size * repeats, (nbytes(a) + nbytes(c["b"]) + nbytes(c["c"])) * repeats


KERNELS = {
    "batch_norm": (batch_norm_stats, batch_norm_apply, batch_norm_backward),
    "layer_norm": (layer_norm_forward, layer_norm_backward),
    "loss": (cross_entropy_forward, cross_entropy_backward, bce_with_logits),
    "dropout": (alpha_coefficients, dropout_forward, alpha_dropout_forward,
                gaussian_dropout_forward, masked_scale),
    "optim": (sgd_step, adam_step, rmsprop_step, adagrad_step, adadelta_step, zero_fill),
    "stream": (triad,),
}
