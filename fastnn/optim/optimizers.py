"""SGD, Adam, AdamW, Adagrad and RMSprop: PyTorch's names, arguments and
single-tensor update formulas, each step one fused kernel pass (csrc/optim.c)
over a whole parameter group when its parameters form one span of the arena,
else per parameter (Optimizer.step). Each class names its kernel, its state
buffers and the kernel's arguments."""
import math

import numpy as np

from .. import _C
from .optimizer import Optimizer, required


def _check_real(name, value):
    """TypeError unless value is a real number (bools count, as in PyTorch)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid {name}: {value!r} is not a real number")


def _check_nonneg(name, value):
    """A finite real number >= 0 (PyTorch's message, 'Invalid learning rate:
    -1'; an infinite one is refused too: it would only make NaN parameters)."""
    _check_real(name, value)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"Invalid {name}: {value}")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov,
    weight decay and maximize, as torch.optim.SGD."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, check_finite=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g):
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("momentum value", g["momentum"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        _check_real("dampening value", g["dampening"])
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    _kind = "sgd"

    def _state_slots(self, g):
        return (("momentum_buffer", 0.0) if g["momentum"] != 0 else None, None, None)

    def _kernel_args(self, g, step, first):
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], momentum=g["momentum"],
                    dampening=g["dampening"], nesterov=g["nesterov"], maximize=g["maximize"],
                    first=first)


class Adam(Optimizer):
    """Adam (coupled weight decay) with amsgrad and maximize, as torch.optim.Adam."""
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, check_finite=False):
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g):
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

    _kind = "adam"
    _counts_steps = True

    def _state_slots(self, g):
        return (("exp_avg", 0.0), ("exp_avg_sq", 0.0),
                ("max_exp_avg_sq", 0.0) if g["amsgrad"] else None)

    def _kernel_args(self, g, step, first):
        b1, b2 = g["betas"]
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], eps=g["eps"], beta1=b1, beta2=b2,
                    step=step, maximize=g["maximize"], decoupled=self._decoupled)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2), as torch.optim.AdamW."""
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, check_finite=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         check_finite=check_finite)


class Adagrad(Optimizer):
    """Adagrad with lr_decay, initial_accumulator_value and eps, as torch.optim.Adagrad."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False, check_finite=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g):
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("lr_decay value", g["lr_decay"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        _check_nonneg("initial_accumulator_value value", g["initial_accumulator_value"])
        _check_nonneg("epsilon value", g["eps"])

    _kind = "adagrad"
    _counts_steps = True

    def _state_slots(self, g):
        return (("sum", g["initial_accumulator_value"]), None, None)

    def _kernel_args(self, g, step, first):
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], eps=g["eps"],
                    lr_decay=g["lr_decay"], step=step, maximize=g["maximize"])


class RMSprop(Optimizer):
    """RMSprop with alpha, eps, momentum and centered, as torch.optim.RMSprop."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False, check_finite=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize, check_finite=check_finite)
        super().__init__(params, defaults)

    def _check_group(self, g):
        _check_nonneg("learning rate", g["lr"])
        _check_nonneg("epsilon value", g["eps"])
        _check_nonneg("momentum value", g["momentum"])
        _check_nonneg("weight_decay value", g["weight_decay"])
        _check_nonneg("alpha value", g["alpha"])

    _kind = "rmsprop"
    _counts_steps = True

    def _state_slots(self, g):
        return (("square_avg", 0.0), ("momentum_buffer", 0.0) if g["momentum"] > 0 else None,
                ("grad_avg", 0.0) if g["centered"] else None)

    def _kernel_args(self, g, step, first):
        return dict(lr=g["lr"], weight_decay=g["weight_decay"], eps=g["eps"], alpha=g["alpha"],
                    momentum=g["momentum"], maximize=g["maximize"])
