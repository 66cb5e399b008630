"""Every differentiable op with sample inputs; tests/test_registry.py gradchecks each entry in
float64 under both backends and compares the backends' forward and backward results.

An entry is `OpInfo(name, op, samples)`: `samples(rng)` returns `Sample`s whose `args` are passed
to `op` after conversion: float ndarrays become tensors that require grad, other ndarrays become
tensors that don't, anything else (ints, tuples, strings) is passed as is. Shapes are small (the
gradcheck perturbs every element) and chosen to exercise broadcasting, keepdim, negative dims and
batched matmul. Inputs stay away from kinks (|x| > 0.1 for relu, abs, ...) and from ties.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F


@dataclass(frozen=True)
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpInfo:
    name: str
    op: Callable[..., Any]
    samples: Callable[[np.random.Generator], list[Sample]]


def uniform(rng: np.random.Generator, *shape: int, low: float = -1.0,
            high: float = 1.0) -> np.ndarray:
    return rng.uniform(low, high, shape)


def away_from_zero(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Values in +-[0.1, 1], for ops with a kink at 0."""
    return rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)


def positive(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape)


def distinct(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Values with no ties (spaced >= 0.05 apart), for max/min/sort-like ops."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.05 - 0.5 + rng.uniform(0, 0.01, size)).reshape(shape)


def binary(rng: np.random.Generator, make: Callable = uniform) -> list[Sample]:
    """Same shapes, broadcasting both ways, and a scalar-shaped operand."""
    return [Sample((make(rng, 2, 3), make(rng, 2, 3))),
            Sample((make(rng, 2, 1, 3), make(rng, 4, 1))),
            Sample((make(rng, 3), make(rng, 2, 3))),
            Sample((make(rng, 2, 3), make(rng)))]


def unary(make: Callable = uniform, **kwargs: Any) -> Callable[[np.random.Generator], list]:
    return lambda rng: [Sample((make(rng, 2, 3),), kwargs), Sample((make(rng, 4),), kwargs)]


def reduction(make: Callable = uniform) -> Callable[[np.random.Generator], list]:
    return lambda rng: [Sample((make(rng, 2, 3),)),
                        Sample((make(rng, 2, 3, 2),), {"dim": 1}),
                        Sample((make(rng, 2, 3, 2),), {"dim": -1, "keepdim": True}),
                        Sample((make(rng, 2, 3, 2),), {"dim": (0, 2)})]



def _grid_product(grids: tuple) -> mg.Tensor:
    """One tensor of meshgrid's two grids that depends on both (x y + x)."""
    return grids[0] * grids[1] + grids[0]


def _batch_norm_train(x: mg.Tensor, weight: mg.Tensor | None, bias: mg.Tensor | None) -> mg.Tensor:
    channels = x._array.shape[1]
    running_mean, running_var = mg.zeros(channels, dtype=x.dtype), mg.ones(channels, dtype=x.dtype)
    return F.batch_norm(x, running_mean, running_var, weight, bias, training=True)


def _seeded(dropout: Callable[..., mg.Tensor]) -> Callable[..., mg.Tensor]:
    """dropout drawing its mask from seed 0 on every call; the generator's state is kept."""
    def op(*args: Any, **kwargs: Any) -> mg.Tensor:
        state = mg.get_rng_state()
        mg.manual_seed(0)
        try:
            return dropout(*args, **kwargs)
        finally:
            mg.set_rng_state(state)
    return op


REGISTRY: list[OpInfo] = [
    # elementwise arithmetic (operators and functions)
    OpInfo("add", mg.add, binary),
    OpInfo("add_alpha", lambda a, b: mg.add(a, b, alpha=0.5), binary),
    OpInfo("sub", lambda a, b: a - b, binary),
    OpInfo("mul", lambda a, b: a * b, binary),
    OpInfo("div", lambda a, b: a / b, lambda rng: binary(rng, positive)),
    OpInfo("pow", lambda a, b: a ** b, lambda rng: binary(rng, positive)),
    OpInfo("pow_scalar_exponent", lambda a: a ** 3, unary()),
    OpInfo("pow_scalar_base", lambda a: 2.0 ** a, unary()),
    OpInfo("rsub_scalar", lambda a: 1.0 - a, unary()),
    OpInfo("rdiv_scalar", lambda a: 1.0 / a, unary(positive)),
    OpInfo("neg", lambda a: -a, unary()),
    OpInfo("exp", mg.exp, unary()),
    OpInfo("log", mg.log, unary(positive)),
    OpInfo("sqrt", mg.sqrt, unary(positive)),
    OpInfo("abs", mg.abs, unary(away_from_zero)),
    OpInfo("sin", mg.sin, unary()),
    OpInfo("cos", mg.cos, unary()),
    OpInfo("clamp", mg.clamp, lambda rng: [
        Sample((away_from_zero(rng, 2, 3),), {"min": -0.05, "max": 0.05}),
        Sample((away_from_zero(rng, 4),), {"min": 0.0})]),
    OpInfo("maximum", mg.maximum, lambda rng: binary(rng, distinct)),
    OpInfo("minimum", mg.minimum, lambda rng: binary(rng, distinct)),
    OpInfo("where", mg.where, lambda rng: [
        Sample((uniform(rng, 2, 3) > 0, uniform(rng, 2, 3), uniform(rng, 3)))]),
    # the cast's Function itself: a.double() of a float64 tensor is a, as in PyTorch
    OpInfo("to_double", lambda a: mg.ops.to_dtype(a, np.dtype(np.float64)) * 2, unary()),
    OpInfo("clone", mg.clone, unary()),
    # activations
    OpInfo("relu", mg.relu, unary(away_from_zero)),
    OpInfo("leaky_relu", F.leaky_relu, unary(away_from_zero, negative_slope=0.2)),
    OpInfo("elu", F.elu, unary(away_from_zero, alpha=0.7)),
    OpInfo("selu", F.selu, unary(away_from_zero)),
    OpInfo("softplus", F.softplus, lambda rng: [
        Sample((uniform(rng, 2, 3),), {"beta": 2.0}),
        Sample((uniform(rng, 4, low=-2, high=2),), {"beta": 10.0, "threshold": 5.0})]),
    OpInfo("sigmoid", mg.sigmoid, unary()),
    OpInfo("tanh", mg.tanh, unary()),
    # reductions
    OpInfo("sum", mg.sum, reduction()),
    OpInfo("mean", mg.mean, reduction()),
    OpInfo("var", mg.var, lambda rng: reduction()(rng) + [
        Sample((uniform(rng, 3, 2),), {"dim": 0, "correction": 0})]),
    OpInfo("std", mg.std, lambda rng: reduction()(rng) + [
        Sample((uniform(rng, 3, 2),), {"dim": 0, "unbiased": False})]),
    OpInfo("max", lambda a, **kw: mg.max(a, **kw)[0] if "dim" in kw else mg.max(a), lambda rng: [
        Sample((distinct(rng, 2, 3),)),
        Sample((distinct(rng, 2, 3, 2),), {"dim": 1}),
        Sample((distinct(rng, 2, 3),), {"dim": -1, "keepdim": True})]),
    OpInfo("max_ties", mg.max, lambda rng: [Sample((np.array([0.5, 0.5, -1.0]),))]),
    OpInfo("min", lambda a, **kw: mg.min(a, **kw)[0] if "dim" in kw else mg.min(a), lambda rng: [
        Sample((distinct(rng, 2, 3),)),
        Sample((distinct(rng, 2, 3, 2),), {"dim": 0})]),
    OpInfo("logsumexp", mg.logsumexp, lambda rng: [
        Sample((uniform(rng, 2, 3),), {"dim": 1}),
        Sample((uniform(rng, 2, 3, 2),), {"dim": (0, -1), "keepdim": True})]),
    OpInfo("softmax", mg.softmax, lambda rng: [
        Sample((uniform(rng, 2, 3),), {"dim": 1}),
        Sample((uniform(rng, 2, 3, 2),), {"dim": 0})]),
    OpInfo("log_softmax", mg.log_softmax, lambda rng: [
        Sample((uniform(rng, 2, 3),), {"dim": -1}),
        Sample((uniform(rng, 2, 3, 2),), {"dim": 1})]),
    # shape
    OpInfo("reshape", mg.reshape, lambda rng: [Sample((uniform(rng, 2, 3), (3, -1)))]),
    OpInfo("view", lambda a: a.view(-1), unary()),
    OpInfo("transpose", mg.transpose, lambda rng: [Sample((uniform(rng, 2, 3, 2), 0, -1))]),
    OpInfo("T", lambda a: a.T, unary()),
    OpInfo("permute", mg.permute, lambda rng: [Sample((uniform(rng, 2, 3, 2), (2, 0, 1)))]),
    OpInfo("flatten", mg.flatten, lambda rng: [Sample((uniform(rng, 2, 3, 2),), {"start_dim": 1})]),
    OpInfo("squeeze", mg.squeeze, lambda rng: [Sample((uniform(rng, 2, 1, 3),), {"dim": 1}),
                                               Sample((uniform(rng, 1, 3, 1),))]),
    OpInfo("unsqueeze", mg.unsqueeze, lambda rng: [Sample((uniform(rng, 2, 3), -1))]),
    OpInfo("expand", lambda a: a.expand(2, -1, 3) * 1.0, lambda rng: [
        Sample((uniform(rng, 4, 1),))]),
    OpInfo("index_basic", lambda a: a[1:, ::2], lambda rng: [Sample((uniform(rng, 3, 4),))]),
    OpInfo("index_int_array", lambda a, i: a[i], lambda rng: [
        Sample((uniform(rng, 3, 4), np.array([0, 2, 0])))]),
    OpInfo("index_mixed", lambda a: a[[0, 1], 1:], lambda rng: [Sample((uniform(rng, 3, 4),))]),
    OpInfo("cat", lambda a, b: mg.cat([a, b], dim=-1), lambda rng: [
        Sample((uniform(rng, 2, 3), uniform(rng, 2, 1)))]),
    OpInfo("stack", lambda a, b: mg.stack([a, b], dim=1), lambda rng: [
        Sample((uniform(rng, 2, 3), uniform(rng, 2, 3)))]),
    OpInfo("repeat", mg.repeat, lambda rng: [Sample((uniform(rng, 2, 3), 2, 1, 2)),
                                             Sample((uniform(rng, 3), (2, 2)))]),
    OpInfo("flip", mg.flip, lambda rng: [Sample((uniform(rng, 2, 3, 2), (0, -1))),
                                         Sample((uniform(rng, 4), 0))]),
    OpInfo("diag", mg.diag, lambda rng: [Sample((uniform(rng, 3),)), Sample((uniform(rng, 3), -2)),
                                         Sample((uniform(rng, 3, 4), 1)),
                                         Sample((uniform(rng, 4, 3), -1))]),
    OpInfo("meshgrid", lambda a, b, indexing: _grid_product(mg.meshgrid(a, b, indexing=indexing)),
           lambda rng: [Sample((uniform(rng, 3), uniform(rng, 2), "ij")),
                        Sample((uniform(rng, 3), uniform(rng, 2), "xy"))]),
    OpInfo("chunk", lambda a, n, dim: mg.chunk(a, n, dim)[-1] * 2 + mg.chunk(a, n, dim)[0].sum(),
           lambda rng: [Sample((uniform(rng, 2, 5), 2, 1))]),
    OpInfo("split", lambda a, sizes: mg.cat(mg.split(a, sizes)[::-1]), lambda rng: [
        Sample((uniform(rng, 5, 2), [2, 0, 3])), Sample((uniform(rng, 5, 2), 2))]),
    OpInfo("unbind", lambda a: mg.stack(mg.unbind(a, 1)[::2]), lambda rng: [
        Sample((uniform(rng, 2, 3),))]),
    # indexing along a dim (ops/index.py); scatter's indices are distinct along dim, so each
    # element of src is written once (repeated ones are undefined in PyTorch)
    OpInfo("gather", mg.gather, lambda rng: [
        Sample((uniform(rng, 3, 4), 1, np.array([[0, 3, 3], [1, 0, 2], [2, 2, 2]]))),
        Sample((uniform(rng, 3, 4), 0, np.array([[2, 0], [0, 1]])))]),
    OpInfo("scatter", mg.scatter, lambda rng: [
        Sample((uniform(rng, 3, 4), 1, np.array([[0, 3], [2, 1], [1, 0]]), uniform(rng, 3, 3))),
        Sample((uniform(rng, 3, 2), 0, np.array([[2, 0]]), uniform(rng, 1, 2)))]),
    OpInfo("scatter_value", lambda a, i: mg.scatter(a, 1, i, value=0.5), lambda rng: [
        Sample((uniform(rng, 2, 3), np.array([[0], [2]])))]),
    OpInfo("scatter_add", mg.scatter_add, lambda rng: [
        Sample((uniform(rng, 3, 4), 1, np.array([[0, 3, 3], [1, 1, 2], [2, 2, 2]]),
                uniform(rng, 3, 4)))]),
    OpInfo("masked_fill", mg.masked_fill, lambda rng: [
        Sample((uniform(rng, 2, 3), uniform(rng, 2, 3) > 0, -1.5)),
        Sample((uniform(rng, 2, 3), uniform(rng, 3) > 0, 2.0))]),
    OpInfo("sort", lambda a, **kw: mg.sort(a, **kw).values, lambda rng: [
        Sample((distinct(rng, 2, 4),)), Sample((distinct(rng, 3, 2),),
                                              {"dim": 0, "descending": True})]),
    OpInfo("topk", lambda a, k, **kw: mg.topk(a, k, **kw).values, lambda rng: [
        Sample((distinct(rng, 2, 5), 3)), Sample((distinct(rng, 4, 2), 2),
                                                {"dim": 0, "largest": False})]),
    # products, running sums, norms, piecewise-constant functions
    OpInfo("prod", mg.prod, lambda rng: [
        Sample((uniform(rng, 2, 3),)), Sample((uniform(rng, 2, 3, 2),), {"dim": 1}),
        Sample((np.array([[0.5, 0.0, 2.0], [0.0, 0.0, 1.5]]),), {"dim": -1, "keepdim": True}),
        Sample((np.array([1.5, 0.0, -2.0]),))]),
    OpInfo("cumsum", mg.cumsum, lambda rng: [Sample((uniform(rng, 2, 3), 1)),
                                             Sample((uniform(rng, 3, 2), -2))]),
    OpInfo("norm", mg.norm, lambda rng: [
        Sample((uniform(rng, 2, 3),)), Sample((uniform(rng, 2, 3),), {"dim": 1, "keepdim": True}),
        Sample((away_from_zero(rng, 2, 3), 1, 0)), Sample((uniform(rng, 4), 3)),
        Sample((distinct(rng, 2, 3), float("inf"), 1)),
        Sample((distinct(rng, 2, 3), -float("inf")))]),
    OpInfo("vector_norm", mg.linalg.vector_norm, lambda rng: [
        Sample((uniform(rng, 2, 3), 2, (0, 1)))]),
    OpInfo("sign", mg.sign, unary(away_from_zero)),
    OpInfo("round", lambda a: mg.round(a * 10, decimals=1) + a, lambda rng: [
        Sample((distinct(rng, 2, 3) + 0.003,))]),
    OpInfo("floor", lambda a: mg.floor(a * 4) + mg.ceil(a * 4) + mg.trunc(a * 4) + a,
           lambda rng: [Sample((distinct(rng, 2, 3) + 0.003,))]),
    # linear algebra
    OpInfo("matmul", mg.matmul, lambda rng: [
        Sample((uniform(rng, 2, 3), uniform(rng, 3, 4))),
        Sample((uniform(rng, 3), uniform(rng, 3, 2))),
        Sample((uniform(rng, 2, 3), uniform(rng, 3))),
        Sample((uniform(rng, 3), uniform(rng, 3))),
        Sample((uniform(rng, 2, 2, 3), uniform(rng, 3, 2))),
        Sample((uniform(rng, 2, 1, 2, 3), uniform(rng, 3, 3, 2)))]),
    OpInfo("bmm", mg.bmm, lambda rng: [Sample((uniform(rng, 3, 2, 4), uniform(rng, 3, 4, 2)))]),
    OpInfo("linear", F.linear, lambda rng: [
        Sample((uniform(rng, 4, 3), uniform(rng, 5, 3), uniform(rng, 5))),
        Sample((uniform(rng, 2, 2, 3), uniform(rng, 2, 3))),
        Sample((uniform(rng, 3), uniform(rng, 2, 3), uniform(rng, 2)))]),
    OpInfo("fused_linear", F.fused_linear, lambda rng: [
        Sample((uniform(rng, 4, 3), uniform(rng, 5, 3), uniform(rng, 5)), {"activation": act})
        for act in ("relu", "leaky_relu", "sigmoid", "tanh")]),
    # normalization (ops/norm.py)
    OpInfo("batch_norm", _batch_norm_train, lambda rng: [
        Sample((uniform(rng, 4, 3), uniform(rng, 3), uniform(rng, 3))),
        Sample((uniform(rng, 3, 2, 4), uniform(rng, 2), uniform(rng, 2))),
        Sample((uniform(rng, 2, 3, 2, 2), uniform(rng, 3), uniform(rng, 3))),
        Sample((uniform(rng, 4, 3), None, None))]),
    OpInfo("batch_norm_eval", lambda x, w, b: F.batch_norm(
        x, mg.tensor([0.2, -0.1, 0.3], dtype=x.dtype), mg.tensor([0.5, 1.5, 2.0], dtype=x.dtype),
        w, b, training=False), lambda rng: [
        Sample((uniform(rng, 4, 3), uniform(rng, 3), uniform(rng, 3))),
        Sample((uniform(rng, 2, 3, 2, 2), uniform(rng, 3), uniform(rng, 3)))]),
    OpInfo("layer_norm", lambda x, w, b: F.layer_norm(x, x._array.shape[-2:], w, b), lambda rng: [
        Sample((uniform(rng, 2, 3, 4), uniform(rng, 3, 4), uniform(rng, 3, 4))),
        Sample((uniform(rng, 3, 2, 5), None, None))]),
    # losses (ops/loss.py)
    OpInfo("cross_entropy", F.cross_entropy, lambda rng: [
        Sample((uniform(rng, 4, 5), np.array([0, 2, 4, 1]))),
        Sample((uniform(rng, 2, 3, 4), np.array([[0, 2, 1, 1], [2, 0, -100, 1]]))),
        Sample((uniform(rng, 3), np.array(1)), {"reduction": "sum"}),
        Sample((uniform(rng, 4, 3), np.array([0, 2, 1, 1])), {"reduction": "none",
                                                             "label_smoothing": 0.3})]),
    OpInfo("cross_entropy_weighted", lambda x, t: F.cross_entropy(
        x, t, mg.tensor([0.5, 2.0, 1.0], dtype=x.dtype), label_smoothing=0.2), lambda rng: [
        Sample((uniform(rng, 4, 3), np.array([0, 2, 1, 1])))]),
    OpInfo("cross_entropy_probabilities", lambda x: F.cross_entropy(
        x, mg.tensor([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]], dtype=x.dtype), label_smoothing=0.1),
        lambda rng: [Sample((uniform(rng, 2, 3),))]),
    OpInfo("nll_loss", F.nll_loss, lambda rng: [
        Sample((uniform(rng, 4, 5), np.array([0, 2, 4, 1]))),
        Sample((uniform(rng, 2, 3, 4), np.array([[0, 2, 1, 1], [2, 0, -100, 1]])),
               {"reduction": "none"})]),
    # dropout (ops/dropout.py): the same seed on every call, so the mask stays fixed
    OpInfo("dropout", _seeded(F.dropout), lambda rng: [
        Sample((uniform(rng, 4, 5), 0.3)), Sample((uniform(rng, 2, 3, 4),), {"p": 0.6})]),
    OpInfo("alpha_dropout", _seeded(F.alpha_dropout), lambda rng: [
        Sample((uniform(rng, 4, 5), 0.3), {"training": True})]),
    OpInfo("gaussian_dropout", _seeded(F.gaussian_dropout), lambda rng: [
        Sample((uniform(rng, 4, 5), 0.4))]),
    # convolution and pooling (ops/conv.py)
    OpInfo("conv2d", F.conv2d, lambda rng: [
        Sample((uniform(rng, 2, 2, 5, 4), uniform(rng, 3, 2, 3, 2), uniform(rng, 3))),
        Sample((uniform(rng, 1, 1, 6, 6), uniform(rng, 2, 1, 3, 3)),
               {"stride": 2, "padding": 1, "dilation": (1, 2)}),
        Sample((uniform(rng, 2, 4, 4), uniform(rng, 1, 2, 2, 2), uniform(rng, 1)),
               {"padding": (1, 0)})]),
    OpInfo("max_pool2d", F.max_pool2d, lambda rng: [
        Sample((distinct(rng, 2, 2, 4, 4), 2)),
        Sample((distinct(rng, 1, 2, 5, 5), 3), {"stride": 2, "padding": 1}),
        Sample((distinct(rng, 2, 5, 4), (2, 3)), {"stride": 1})]),
    OpInfo("avg_pool2d", F.avg_pool2d, lambda rng: [
        Sample((uniform(rng, 2, 2, 4, 4), 2)),
        Sample((uniform(rng, 1, 2, 5, 5), 3), {"stride": 2, "padding": 1})]),
    OpInfo("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, lambda rng: [
        Sample((uniform(rng, 4, 3), np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]))),
        Sample((uniform(rng, 5), np.array([1, 0, 1, 1, 0])), {"reduction": "sum"}),
        Sample((uniform(rng, 2, 3), np.array([[1, 0, 1], [0, 1, 1]])),
               {"reduction": "none", "pos_weight": np.array([2.0, 0.5, 1.0]),
                "weight": np.array([1.0, 3.0, 0.5])})]),
    # losses composed of other ops (ops/loss_composed.py); targets are plain arrays
    OpInfo("l1_loss", F.l1_loss, lambda rng: [Sample((uniform(rng, 3, 4), rng.uniform(2, 3, (3, 4))))]),
    OpInfo("mse_loss", F.mse_loss, lambda rng: [
        Sample((uniform(rng, 3, 4), rng.uniform(-1, 1, (3, 4)).round(3)), {"reduction": "sum"})]),
    OpInfo("binary_cross_entropy", F.binary_cross_entropy, lambda rng: [
        Sample((rng.uniform(0.1, 0.9, (3, 4)), np.array([[0, 1, 1, 0]] * 3)))]),
    OpInfo("soft_margin_loss", F.soft_margin_loss, lambda rng: [
        Sample((uniform(rng, 5), np.array([1, -1, 1, -1, 1])))]),
    OpInfo("multilabel_soft_margin_loss", F.multilabel_soft_margin_loss, lambda rng: [
        Sample((uniform(rng, 3, 4), np.array([[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]])))]),
    OpInfo("huber_loss", F.huber_loss, lambda rng: [
        Sample((np.array([0.2, -3.0, 1.6, 0.4]), np.array([0, 0, 0, 1])), {"delta": 1.0})]),
    OpInfo("smooth_l1_loss", F.smooth_l1_loss, lambda rng: [
        Sample((np.array([0.2, -3.0, 1.6, 0.4]), np.array([0, 0, 0, 1])), {"beta": 0.5})]),
    OpInfo("kl_div", F.kl_div, lambda rng: [
        Sample((np.log(rng.dirichlet(np.ones(4), 3)), np.array([[0, 1, 0, 0]] * 3)),
               {"reduction": "batchmean"})]),
    # soft targets that require grad (distillation): the target's gradient is checked too
    OpInfo("binary_cross_entropy_with_logits_soft_target", F.binary_cross_entropy_with_logits,
           lambda rng: [
        Sample((uniform(rng, 4, 3, low=-3, high=3), rng.uniform(0, 1, (4, 3)))),
        Sample((uniform(rng, 2, 3), rng.uniform(0, 1, (2, 3))),
               {"reduction": "none", "pos_weight": mg.tensor([2.0, 0.5, 1.0], dtype=mg.float64),
                "weight": mg.tensor([1.0, 3.0, 0.5], dtype=mg.float64)})]),
    OpInfo("binary_cross_entropy_soft_target", F.binary_cross_entropy, lambda rng: [
        Sample((rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4))), {"reduction": "sum"})]),
]
