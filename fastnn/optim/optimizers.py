"""SGD, Adam, AdamW, Adagrad and RMSprop: PyTorch's names, arguments and
single-tensor update formulas, each step one fused kernel pass (csrc/optim.c)
over a whole parameter group when its parameters form one span of the arena,
else per parameter (Optimizer.step). Each class names its kernel, its state
buffers and the kernel's arguments."""
from __future__ import annotations

import math
from typing import Any, ClassVar, Optional, Sequence, Tuple

import numpy as np

from .. import _C  # noqa: F401
from .optimizer import Optimizer, ParamsT, required  # noqa: F401

_Slot = Optional[Tuple[str, float]]


def _check_real(name: str, value: object) -> None:
    """TypeError unless value is a real number (bools count, as in PyTorch)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid {name}: {value!r} is not a real number")


def _check_nonneg(name: str, value: Any) -> None:      # user input, checked here
    """A finite real number >= 0 (PyTorch's message, 'Invalid learning rate:
    -1'; an infinite one is refused too: it would only make NaN parameters)."""
    _check_real(name, value)
    try:
        finite = 0.0 <= float(value) < math.inf
    except OverflowError:           # an int beyond any float
        finite = False
    if not finite:
        raise ValueError(f"Invalid {name}: {value}")


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD.

    With momentum, dampening, Nesterov, weight decay and maximize, as
    torch.optim.SGD. Per element, with g the gradient: ``g += weight_decay·p``;
    with momentum, ``b = g`` at the first step and ``b = momentum·b +
    (1 − dampening)·g`` after, then ``g = g + momentum·b`` (Nesterov) or
    ``g = b``; ``p −= lr·g``.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The parameters, or parameter groups (dicts with ``"params"`` and
        options overriding the ones below).
    lr : float
        The learning rate (>= 0, finite).
    momentum : float
        The momentum factor (>= 0); 0: no momentum buffer.
    dampening : float
        Dampening of the momentum.
    weight_decay : float
        L2 penalty (>= 0), added to the gradient.
    nesterov : bool
        Nesterov momentum (needs a momentum and zero dampening).
    maximize : bool
        Ascend: the gradient is negated first.
    check_finite : bool
        fastnn's own: refuse NaN or Inf gradients in the group (step raises
        FloatingPointError before any parameter is updated).

    Raises
    ------
    TypeError
        When an option is not a real number.
    ValueError
        When lr, momentum or weight_decay is negative or infinite, or
        nesterov lacks a momentum or has dampening.

    Notes
    -----
    State per parameter: ``momentum_buffer`` (with momentum).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, check_finite: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g: dict[str, Any]) -> None:
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("momentum value", g["momentum"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        _check_real("dampening value", g["dampening"])
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    _kind: ClassVar[Optional[str]] = "sgd"

    def _state_slots(self, g: dict[str, Any]) -> tuple[_Slot, _Slot, _Slot]:
        return (("momentum_buffer", 0.0) if g["momentum"] != 0 else None, None, None)

    def _kernel_args(self, g: dict[str, Any], step: int, first: bool) -> dict[str, Any]:
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], momentum=g["momentum"],
                    dampening=g["dampening"], nesterov=g["nesterov"], maximize=g["maximize"],
                    first=first)


class Adam(Optimizer):
    """Adam (coupled weight decay) with amsgrad and maximize, as torch.optim.Adam.

    Per element at step t: ``g += weight_decay·p``; ``m += (1 − β1)(g − m)``;
    ``v = β2·v + (1 − β2)·g²`` (with amsgrad, the running maximum of v is
    used); ``p −= lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)``.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The parameters, or parameter groups (dicts with ``"params"`` and
        options overriding the ones below).
    lr : float
        The learning rate (>= 0, finite).
    betas : (float, float)
        The decay rates of the first and second moment averages, each in
        [0, 1) (a pair; a list is taken as a tuple).
    eps : float
        Added to the denominator (>= 0).
    weight_decay : float
        L2 penalty (>= 0), added to the gradient (coupled; AdamW decouples it).
    amsgrad : bool
        Use the maximum of the second moments so far (AMSGrad).
    maximize : bool
        Ascend: the gradient is negated first.
    check_finite : bool
        fastnn's own: refuse NaN or Inf gradients in the group (step raises
        FloatingPointError before any parameter is updated).

    Raises
    ------
    TypeError
        When an option is not a real number, or betas is not a pair of numbers.
    ValueError
        When lr, eps or weight_decay is negative or infinite, or a beta is
        outside [0, 1).

    Notes
    -----
    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` and, with
    amsgrad, ``max_exp_avg_sq``.
    """
    _decoupled: ClassVar[bool] = False

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g: dict[str, Any]) -> None:
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("epsilon value", g["eps"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        betas = g["betas"]
        if not (isinstance(betas, tuple) and len(betas) == 2):
            raise TypeError(f"Invalid betas: {betas!r} is not a pair of numbers")
        b1, b2 = betas
        _check_real("beta parameter at index 0", b1)
        _check_real("beta parameter at index 1", b2)
        if not 0.0 <= b1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {b1}")
        if not 0.0 <= b2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {b2}")

    _kind: ClassVar[Optional[str]] = "adam"
    _counts_steps: ClassVar[bool] = True

    def _state_slots(self, g: dict[str, Any]) -> tuple[_Slot, _Slot, _Slot]:
        return (("exp_avg", 0.0), ("exp_avg_sq", 0.0),
                ("max_exp_avg_sq", 0.0) if g["amsgrad"] else None)

    def _kernel_args(self, g: dict[str, Any], step: int, first: bool) -> dict[str, Any]:
        b1, b2 = g["betas"]
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], eps=g["eps"], beta1=b1, beta2=b2,
                    step=step, maximize=g["maximize"], decoupled=self._decoupled)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2), as torch.optim.AdamW.

    As Adam, except that the weight decay shrinks the parameter
    (``p ·= 1 − lr·weight_decay``) instead of joining the gradient.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The parameters, or parameter groups (dicts with ``"params"`` and
        options overriding the ones below).
    lr : float
        The learning rate (>= 0, finite).
    betas : (float, float)
        The decay rates of the first and second moment averages, each in [0, 1).
    eps : float
        Added to the denominator (>= 0).
    weight_decay : float
        Decoupled weight decay (>= 0).
    amsgrad : bool
        Use the maximum of the second moments so far (AMSGrad).
    maximize : bool
        Ascend: the gradient is negated first.
    check_finite : bool
        fastnn's own: refuse NaN or Inf gradients in the group (step raises
        FloatingPointError before any parameter is updated).

    Raises
    ------
    TypeError
        When an option is not a real number, or betas is not a pair of numbers.
    ValueError
        When lr, eps or weight_decay is negative or infinite, or a beta is
        outside [0, 1).
    """
    _decoupled: ClassVar[bool] = True

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         check_finite=check_finite)


class Adagrad(Optimizer):
    """Adagrad with lr_decay, initial_accumulator_value and eps, as torch.optim.Adagrad.

    Per element at step t: ``g += weight_decay·p``; ``s += g²``;
    ``p −= lr/(1 + (t − 1)·lr_decay) · g / (√s + eps)``.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The parameters, or parameter groups (dicts with ``"params"`` and
        options overriding the ones below).
    lr : float
        The learning rate (>= 0, finite).
    lr_decay : float
        The learning rate's decay per step (>= 0).
    weight_decay : float
        L2 penalty (>= 0), added to the gradient.
    initial_accumulator_value : float
        The starting value of the sum of squares (>= 0).
    eps : float
        Added to the denominator (>= 0).
    maximize : bool
        Ascend: the gradient is negated first.
    check_finite : bool
        fastnn's own: refuse NaN or Inf gradients in the group (step raises
        FloatingPointError before any parameter is updated).

    Raises
    ------
    TypeError
        When an option is not a real number.
    ValueError
        When an option is negative or infinite.

    Notes
    -----
    State per parameter: ``step`` and ``sum``.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g: dict[str, Any]) -> None:
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("lr_decay value", g["lr_decay"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        _check_nonneg("initial_accumulator_value value", g["initial_accumulator_value"])
        _check_nonneg("epsilon value", g["eps"])

    _kind: ClassVar[Optional[str]] = "adagrad"
    _counts_steps: ClassVar[bool] = True

    def _state_slots(self, g: dict[str, Any]) -> tuple[_Slot, _Slot, _Slot]:
        return (("sum", g["initial_accumulator_value"]), None, None)

    def _kernel_args(self, g: dict[str, Any], step: int, first: bool) -> dict[str, Any]:
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], eps=g["eps"],
                    lr_decay=g["lr_decay"], step=step, maximize=g["maximize"])


class RMSprop(Optimizer):
    """RMSprop with alpha, eps, momentum and centered, as torch.optim.RMSprop.

    Per element: ``g += weight_decay·p``; ``s = alpha·s + (1 − alpha)·g²``;
    the denominator is ``d = √s + eps``, or, centered, ``√(s − a²) + eps``
    with a the running mean of g; with momentum ``b = momentum·b + g/d`` and
    ``p −= lr·b``, else ``p −= lr·g/d``.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The parameters, or parameter groups (dicts with ``"params"`` and
        options overriding the ones below).
    lr : float
        The learning rate (>= 0, finite).
    alpha : float
        The smoothing constant of the squares' average (>= 0).
    eps : float
        Added to the denominator (>= 0).
    weight_decay : float
        L2 penalty (>= 0), added to the gradient.
    momentum : float
        The momentum factor (>= 0); 0: no momentum buffer.
    centered : bool
        Normalize by the estimated variance of the gradient (its mean
        subtracted) instead of its second moment.
    maximize : bool
        Ascend: the gradient is negated first.
    check_finite : bool
        fastnn's own: refuse NaN or Inf gradients in the group (step raises
        FloatingPointError before any parameter is updated).

    Raises
    ------
    TypeError
        When an option is not a real number.
    ValueError
        When lr, alpha, eps, momentum or weight_decay is negative or infinite.

    Notes
    -----
    State per parameter: ``step``, ``square_avg``, and ``momentum_buffer``
    (with momentum) and ``grad_avg`` (centered).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g: dict[str, Any]) -> None:
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("epsilon value", g["eps"])
        _check_nonneg("momentum value", g["momentum"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        _check_nonneg("alpha value", g["alpha"])

    _kind: ClassVar[Optional[str]] = "rmsprop"
    _counts_steps: ClassVar[bool] = True

    def _state_slots(self, g: dict[str, Any]) -> tuple[_Slot, _Slot, _Slot]:
        return (("square_avg", 0.0), ("momentum_buffer", 0.0) if g["momentum"] > 0 else None,
                ("grad_avg", 0.0) if g["centered"] else None)

    def _kernel_args(self, g: dict[str, Any], step: int, first: bool) -> dict[str, Any]:
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], eps=g["eps"], alpha=g["alpha"],
                    momentum=g["momentum"], maximize=g["maximize"])
