"""Loss modules over the functional losses (PyTorch's names, arguments and reductions)."""
from __future__ import annotations

from typing import Any

from .. import ops
from ..tensor import Tensor
from . import _checks
from .module import Module


class CrossEntropyLoss(Module):
    """Softmax cross-entropy of logits against class indices or probabilities."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.weight = _checks.optional_tensor("weight", weight)
        self.ignore_index = _checks.integer("ignore_index", ignore_index)
        self.reduction = _checks.reduction(reduction)
        self.label_smoothing = _checks.number("label_smoothing", label_smoothing)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        _checks.tensor_input("cross_entropy_loss", input)
        return ops.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                                 self.label_smoothing)


class NLLLoss(Module):
    """Negative log-likelihood of log-probabilities against class indices."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.weight = _checks.optional_tensor("weight", weight)
        self.ignore_index = _checks.integer("ignore_index", ignore_index)
        self.reduction = _checks.reduction(reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        _checks.tensor_input("nll_loss", input)
        return ops.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCEWithLogitsLoss(Module):
    """Sigmoid and binary cross-entropy in one stable formula; pos_weight weighs positives."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__()
        self.weight = _checks.optional_tensor("weight", weight)
        self.reduction = _checks.reduction(reduction)
        self.pos_weight = _checks.optional_tensor("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        _checks.tensor_input("binary_cross_entropy_with_logits", input)
        return ops.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                    self.pos_weight)


class _ElementwiseLoss(Module):
    """A loss of (input, target) with a reduction and fixed options, over a functional loss."""

    function: Any = None
    reductions: tuple[str, ...] = _checks.REDUCTIONS

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        self.reduction, self.options = _checks.reduction(reduction, self.reductions), options

    def forward(self, input: Tensor, target: Any) -> Tensor:
        _checks.tensor_input(type(self).function.__name__, input)
        return type(self).function(input, target, reduction=self.reduction, **self.options)


class L1Loss(_ElementwiseLoss):
    """|x - y|."""
    function = staticmethod(ops.l1_loss)


class MSELoss(_ElementwiseLoss):
    """(x - y)^2."""
    function = staticmethod(ops.mse_loss)


class SoftMarginLoss(_ElementwiseLoss):
    """log(1 + e^(-y x)), y in {-1, 1}."""
    function = staticmethod(ops.soft_margin_loss)


class BCELoss(_ElementwiseLoss):
    """Binary cross-entropy of probabilities."""
    function = staticmethod(ops.binary_cross_entropy)

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=_checks.optional_tensor("weight", weight))


class MultiLabelSoftMarginLoss(_ElementwiseLoss):
    """Per-class logistic loss averaged over classes."""
    function = staticmethod(ops.multilabel_soft_margin_loss)

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=_checks.optional_tensor("weight", weight))


class HuberLoss(_ElementwiseLoss):
    """Quadratic within delta, linear beyond."""
    function = staticmethod(ops.huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if not _checks.number("delta", delta) > 0:
            raise RuntimeError(f"huber_loss does not support non-positive values for delta, "
                               f"got delta={delta}")
        super().__init__(reduction, delta=delta)


class SmoothL1Loss(_ElementwiseLoss):
    """Quadratic within beta (scaled by 1/beta), linear beyond."""
    function = staticmethod(ops.smooth_l1_loss)

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        if not _checks.number("beta", beta) >= 0:
            raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, "
                               f"got beta={beta}")
        super().__init__(reduction, beta=beta)


class KLDivLoss(_ElementwiseLoss):
    """KL(target || exp(input)) for log-probability inputs; reduction may be 'batchmean'."""
    function = staticmethod(ops.kl_div)
    reductions = _checks.REDUCTIONS + ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction, log_target=log_target)
