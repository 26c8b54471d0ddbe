"""Learning-rate schedules with PyTorch's names, arguments and per-epoch
values (the same recursive forms, so the rates agree epoch by epoch)."""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable, Iterable, Literal, Mapping, SupportsFloat, Union

from .optimizer import Optimizer

_LrLambda = Callable[[int], float]


class LRScheduler:
    """Base of the learning-rate schedules, as torch.optim.lr_scheduler.LRScheduler.

    Call step() once per epoch (after optimizer.step()). Constructing a
    schedule records each group's ``initial_lr`` and takes its first step
    (epoch 0).

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    last_epoch : int
        The index of the last epoch run: -1 starts afresh; another value
        resumes (each group must then have its ``"initial_lr"``).

    Attributes
    ----------
    base_lrs : list of float
        Each group's initial learning rate.
    last_epoch : int
        The epoch the current rates are for.

    Raises
    ------
    TypeError
        When ``optimizer`` is not an Optimizer.
    KeyError
        When resuming (last_epoch != -1) and a group has no ``"initial_lr"``.
    """

    _last_lr: list[float]

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for g in optimizer.param_groups:
                g.setdefault("initial_lr", g["lr"])
        else:
            for i, g in enumerate(optimizer.param_groups):
                if "initial_lr" not in g:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming an optimizer")
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:  # pragma: no cover - every schedule overrides it
        """Each group's learning rate for epoch ``last_epoch`` (the schedule's formula).

        Returns
        -------
        list of float
            One rate per parameter group.
        """
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last step().

        Returns
        -------
        list of float
            One rate per parameter group.
        """
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch and set each group's ``"lr"`` to the schedule's value."""
        self._step_count += 1
        self.last_epoch += 1
        for g, lr in zip(self.optimizer.param_groups, self.get_lr()):
            g["lr"] = lr
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state: its attributes but the optimizer (and LambdaLR's functions).

        Returns
        -------
        dict
            Attribute names to values (numbers, lists of numbers, MultiStepLR's
            milestones as a Counter).
        """
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Take back the state that state_dict gave.

        Parameters
        ----------
        state_dict : dict
            As state_dict returns it.
        """
        self.__dict__.update(state_dict)


_LRScheduler = LRScheduler


class StepLR(LRScheduler):
    """lr ·= gamma every step_size epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    step_size : int
        The number of epochs between two decays.
    gamma : float
        The factor of each decay.
    last_epoch : int
        The index of the last epoch run (-1: start afresh).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The previous rates, times gamma when last_epoch is a multiple of step_size (not 0)."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


class MultiStepLR(LRScheduler):
    """lr ·= gamma at each milestone epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    milestones : iterable of int
        The epochs at which the rate decays (one listed twice decays twice).
    gamma : float
        The factor of each decay.
    last_epoch : int
        The index of the last epoch run (-1: start afresh).
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The previous rates, times gamma to the milestone's count at a milestone epoch."""
        if self.last_epoch not in self.milestones:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * self.gamma ** self.milestones[self.last_epoch]
                for g in self.optimizer.param_groups]


class ExponentialLR(LRScheduler):
    """lr ·= gamma every epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    gamma : float
        The factor of each epoch's decay.
    last_epoch : int
        The index of the last epoch run (-1: start afresh).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The previous rates times gamma (unchanged at epoch 0)."""
        if self.last_epoch == 0:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial lr down to eta_min over T_max epochs.

    Computed in PyTorch's recursive form (each epoch's rate from the
    previous one), so the rates agree with PyTorch's epoch by epoch; past
    T_max the cosine goes back up.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    T_max : int
        The number of epochs from the initial rate down to eta_min.
    eta_min : float
        The lowest rate.
    last_epoch : int
        The index of the last epoch run (-1: start afresh).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for last_epoch, from the previous ones (PyTorch's recursive form)."""
        groups = self.optimizer.param_groups
        e, T = self.last_epoch, self.T_max
        if e == 0:
            return [g["lr"] for g in groups]
        if self._step_count == 1 and e > 0:
            return [self.eta_min + (b - self.eta_min) * (1 + math.cos(e * math.pi / T)) / 2
                    for b in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [g["lr"] + (b - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for b, g in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (g["lr"] - self.eta_min) + self.eta_min for g in groups]


class LambdaLR(LRScheduler):
    """lr = initial lr · lr_lambda(epoch) (one function, or one per group).

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    lr_lambda : callable or list of callables
        A function of the epoch (an int) giving the factor of the initial
        rate, or a list (or tuple) of one per parameter group.
    last_epoch : int
        The index of the last epoch run (-1: start afresh).

    Raises
    ------
    ValueError
        When a list of lr_lambdas does not have one per parameter group.

    Notes
    -----
    state_dict leaves the functions out (they are code, not state).
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Union[_LrLambda, list[_LrLambda], tuple[_LrLambda, ...]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Each group's initial rate times its lr_lambda(last_epoch)."""
        return [b * f(self.last_epoch) for f, b in zip(self.lr_lambdas, self.base_lrs)]


class ReduceLROnPlateau:
    """Cut the lr by `factor` when a metric stops improving for `patience` epochs, as PyTorch's.

    Call step(metric) each epoch. fastnn.train.fit gives it the validation
    loss (the training loss without validation data).

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` the schedule sets.
    mode : {"min", "max"}
        Whether the metric improves by going down (a loss) or up (an accuracy).
    factor : float
        The factor of each cut (< 1).
    patience : int
        The number of epochs without improvement tolerated before a cut.
    threshold : float
        How much better than the best so far a value must be to count as an
        improvement.
    threshold_mode : {"rel", "abs"}
        "rel": better by the fraction ``threshold`` of the best; "abs": by
        ``threshold`` itself.
    cooldown : int
        The number of epochs after a cut during which bad epochs are not counted.
    min_lr : float or list of float
        The lowest rate, for every group or one per group.
    eps : float
        A cut smaller than eps is not made.

    Raises
    ------
    ValueError
        When factor >= 1, or mode or threshold_mode is unknown.
    """

    def __init__(self, optimizer: Optimizer, mode: Literal["min", "max"] = "min",
                 factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: Literal["rel", "abs"] = "rel", cooldown: int = 0,
                 min_lr: Union[float, list[float], tuple[float, ...]] = 0,
                 eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.cooldown_counter = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: SupportsFloat) -> None:
        """Record one epoch's metric; cut the rates after `patience` epochs without improvement.

        Parameters
        ----------
        metrics : float or Tensor
            The epoch's value of the monitored metric (a number, or a
            one-element Tensor).
        """
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(g["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates after the last step().

        Returns
        -------
        list of float
            One rate per parameter group.
        """
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state: its attributes but the optimizer.

        Returns
        -------
        dict
            Attribute names to values (numbers, strings and lists of numbers).
        """
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Take back the state that state_dict gave.

        Parameters
        ----------
        state_dict : dict
            As state_dict returns it.
        """
        self.__dict__.update(state_dict)
