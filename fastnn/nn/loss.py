"""The loss modules, with PyTorch's names and arguments; each is one fused
kernel call that also produces the gradient."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .module import Module

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_REDUCTIONS = ("none", "mean", "sum")


class _Loss(Module):
    """What the losses share: the reduction, checked when the loss is made.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-element (or per-row) losses are combined.

    Raises
    ------
    ValueError
        If `reduction` is not "none", "mean" or "sum".
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """Mean squared error: (input − target)², reduced.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.

    Raises
    ------
    ValueError
        If `reduction` is not "none", "mean" or "sum".

    Notes
    -----
    forward(input, target): input float32/float64 of any shape, target of
    the same shape (no broadcasting; an integer target is cast to input's
    dtype). Returns a 0-d tensor of input's dtype ("mean", "sum") or a
    tensor of input's shape ("none"). The kernel computes the gradient in
    the same pass; a target that requires grad gets one too.
    """

    def forward(self, input: Tensor, target: Union[Tensor, ArrayLike]) -> Tensor:
        """The reduced (input − target)².

        Parameters
        ----------
        input : Tensor
            float32 or float64, any shape.
        target : Tensor or array_like
            input's shape (no broadcasting); an integer target is cast to
            input's dtype.

        Returns
        -------
        Tensor
            0-d of input's dtype ("mean", "sum") or input's shape ("none").
        """
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |input − target|, reduced.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.

    Raises
    ------
    ValueError
        If `reduction` is not "none", "mean" or "sum".

    Notes
    -----
    forward(input, target): input float32/float64 of any shape, target of
    the same shape (no broadcasting; an integer target is cast to input's
    dtype). Returns a 0-d tensor of input's dtype ("mean", "sum") or a
    tensor of input's shape ("none"). The gradient is sign(input − target)
    (0 where they are equal).
    """

    def forward(self, input: Tensor, target: Union[Tensor, ArrayLike]) -> Tensor:
        """The reduced |input − target|.

        Parameters
        ----------
        input : Tensor
            float32 or float64, any shape.
        target : Tensor or array_like
            input's shape (no broadcasting); an integer target is cast to
            input's dtype.

        Returns
        -------
        Tensor
            0-d of input's dtype ("mean", "sum") or input's shape ("none").
        """
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Huber loss: quadratic below delta, linear above, reduced.

    Per element, with d = |input − target|: 0.5·d² if d < delta, else
    delta·(d − 0.5·delta), as in PyTorch.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.
    delta : float, default 1.0
        Where the loss turns linear; > 0 (checked when forward runs).

    Raises
    ------
    ValueError
        If `reduction` is not "none", "mean" or "sum".
    TypeError
        If `delta` is not a real number.

    Notes
    -----
    forward(input, target): input float32/float64 of any shape, target of
    the same shape (no broadcasting; an integer target is cast to input's
    dtype). Returns a 0-d tensor of input's dtype ("mean", "sum") or a
    tensor of input's shape ("none").
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = F.check_real(delta, "delta")

    def forward(self, input: Tensor, target: Union[Tensor, ArrayLike]) -> Tensor:
        """The reduced Huber loss of input − target.

        Parameters
        ----------
        input : Tensor
            float32 or float64, any shape.
        target : Tensor or array_like
            input's shape (no broadcasting); an integer target is cast to
            input's dtype.

        Returns
        -------
        Tensor
            0-d of input's dtype ("mean", "sum") or input's shape ("none").
        """
        return F.huber_loss(input, target, self.reduction, self.delta)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C) against class indices (N,) or
    probabilities (N, C): weight, ignore_index, reduction, label_smoothing
    as in PyTorch.

    Softmax, loss and gradient are one kernel pass over each row.

    Parameters
    ----------
    weight : Tensor, optional
        (C,) class weights, of the logits' dtype.
    ignore_index : int, default -100
        Rows whose target is this class index add nothing to the loss or
        the gradient (class-index targets only).
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each row, (N,); "sum": their sum; "mean": their
        sum divided by the summed weights ``weight[target]`` of the rows not
        ignored (1 per row without weight; NaN if every row is ignored), or
        by N for probability targets.
    label_smoothing : float, default 0.0
        In [0, 1]: the target is mixed with the uniform distribution over
        the C classes.

    Raises
    ------
    ValueError
        If `reduction` is not "none", "mean" or "sum".
    TypeError
        If `weight` is not a Tensor or None, `ignore_index` not an int, or
        `label_smoothing` not a real number.

    Notes
    -----
    forward(input, target): input (N, C) logits, float32/float64; target
    (N,) class indices of an integer dtype, or (N, C) probabilities of
    input's dtype. Returns a 0-d tensor of input's dtype ("mean", "sum") or
    (N,) ("none").
    """

    def __init__(self, weight: Optional[Tensor] = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, Tensor):
            raise TypeError("weight must be a fastnn.Tensor or None")
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = F.check_real(label_smoothing, "label_smoothing")

    def forward(self, input: Tensor, target: Union[Tensor, ArrayLike]) -> Tensor:
        """The reduced cross-entropy of softmax(input) against target.

        Parameters
        ----------
        input : Tensor
            The logits, (N, C), float32 or float64.
        target : Tensor or array_like
            (N,) class indices of an integer dtype, or (N, C) probabilities
            of input's dtype.

        Returns
        -------
        Tensor
            0-d of input's dtype ("mean", "sum") or (N,) ("none").
        """
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(input) against target, from the logits.

    Computed without overflow, as PyTorch's: per element
    −w·(pos_weight·t·log σ(x) + (1 − t)·log(1 − σ(x))).

    Parameters
    ----------
    weight : Tensor, optional
        Broadcasts to the input: each element's weight.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.
    pos_weight : Tensor, optional
        Broadcasts to the input's last dimension: the weight of the
        positive term, per class.

    Raises
    ------
    ValueError
        If `reduction` is not "none", "mean" or "sum".

    Notes
    -----
    forward(input, target): input logits, float32/float64 of any shape;
    target of the same shape with values in [0, 1] (an integer target is
    cast to input's dtype). Returns a 0-d tensor of input's dtype ("mean",
    "sum") or a tensor of input's shape ("none"). Only input gets a
    gradient.
    """

    def __init__(self, weight: Optional[Tensor] = None, reduction: str = "mean",
                 pos_weight: Optional[Tensor] = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Union[Tensor, ArrayLike]) -> Tensor:
        """The reduced binary cross-entropy of sigmoid(input) against target.

        Parameters
        ----------
        input : Tensor
            The logits, float32 or float64, any shape.
        target : Tensor or array_like
            input's shape, values in [0, 1]; an integer target is cast to
            input's dtype.

        Returns
        -------
        Tensor
            0-d of input's dtype ("mean", "sum") or input's shape ("none").
        """
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)
