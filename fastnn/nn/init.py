"""fastnn.nn.init: fill parameters in place, with PyTorch's formulas for the
fans and gains. Random numbers come from fastnn's generator (manual_seed)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Dict, Optional, Tuple

import numpy as np

from ..autograd import no_grad
from ..tensor_base import default_generator

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..tensor import Tensor

_GAINS: Dict[str, float] = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
                            "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0),
                            "selu": 3.0 / 4}


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The recommended gain for `nonlinearity` (as torch.nn.init.calculate_gain).

    Parameters
    ----------
    nonlinearity : str
        "linear", "conv1d", "conv2d", "conv3d", "sigmoid" (1), "tanh" (5/3),
        "relu" (√2), "selu" (3/4) or "leaky_relu" (√(2 / (1 + slope²))).
    param : float, optional
        The negative slope of "leaky_relu" (0.01 when None).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If `nonlinearity` is not one of those.
    """
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity in _GAINS:
        return _GAINS[nonlinearity]
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor: Tensor) -> Tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError("fan in and fan out need a tensor with at least 2 dimensions")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: ArrayLike) -> Tensor:
    with no_grad():
        tensor._data[...] = values
    return tensor


def _gen(generator: Optional[np.random.Generator]) -> np.random.Generator:
    """A numpy Generator given as generator=, else fastnn's (manual_seed)."""
    return default_generator() if generator is None else generator


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Optional[np.random.Generator] = None) -> Tensor:
    """Fill `tensor` in place with values drawn from U(a, b).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape; values cast to its dtype).
    a : float, default 0.0
        The lower bound.
    b : float, default 1.0
        The upper bound.
    generator : numpy.random.Generator, optional
        Where the numbers come from; fastnn's generator (manual_seed) when
        None.

    Returns
    -------
    Tensor
        `tensor`.
    """
    return _fill(tensor, _gen(generator).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Optional[np.random.Generator] = None) -> Tensor:
    """Fill `tensor` in place with values drawn from N(mean, std²).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape; values cast to its dtype).
    mean : float, default 0.0
        The mean.
    std : float, default 1.0
        The standard deviation.
    generator : numpy.random.Generator, optional
        Where the numbers come from; fastnn's generator (manual_seed) when
        None.

    Returns
    -------
    Tensor
        `tensor`.
    """
    return _fill(tensor, _gen(generator).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill `tensor` in place with `val`.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill.
    val : float
        The value (cast to the tensor's dtype).

    Returns
    -------
    Tensor
        `tensor`.
    """
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill `tensor` in place with zeros.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill.

    Returns
    -------
    Tensor
        `tensor`.
    """
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill `tensor` in place with ones.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill.

    Returns
    -------
    Tensor
        `tensor`.
    """
    return _fill(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Optional[np.random.Generator] = None) -> Tensor:
    """U(−a, a) with a = gain·√(6 / (fan_in + fan_out)), in place.

    For a weight ``(out, in, *k)``: fan_in = in·prod(k), fan_out = out·prod(k).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill, at least 2-D.
    gain : float, default 1.0
        The scale (see calculate_gain).
    generator : numpy.random.Generator, optional
        Where the numbers come from; fastnn's generator (manual_seed) when
        None.

    Returns
    -------
    Tensor
        `tensor`.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dimensions.
    """
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Optional[np.random.Generator] = None) -> Tensor:
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out)), in place.

    For a weight ``(out, in, *k)``: fan_in = in·prod(k), fan_out = out·prod(k).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill, at least 2-D.
    gain : float, default 1.0
        The scale (see calculate_gain).
    generator : numpy.random.Generator, optional
        Where the numbers come from; fastnn's generator (manual_seed) when
        None.

    Returns
    -------
    Tensor
        `tensor`.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dimensions.
    """
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Optional[np.random.Generator] = None) -> Tensor:
    """U(−b, b) with b = gain·√(3 / fan), in place.

    gain is calculate_gain(nonlinearity, a); fan is fan_in or fan_out as
    `mode` says (for a weight ``(out, in, *k)``: in·prod(k) or out·prod(k)).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill, at least 2-D.
    a : float, default 0
        The negative slope of "leaky_relu" (read for that nonlinearity
        only).
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Which fan scales the bound.
    nonlinearity : str, default "leaky_relu"
        The nonlinearity after the layer (see calculate_gain).
    generator : numpy.random.Generator, optional
        Where the numbers come from; fastnn's generator (manual_seed) when
        None.

    Returns
    -------
    Tensor
        `tensor`.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dimensions, or `mode` or
        `nonlinearity` is unknown.
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Optional[np.random.Generator] = None) -> Tensor:
    """N(0, std²) with std = gain / √fan, in place.

    gain is calculate_gain(nonlinearity, a); fan is fan_in or fan_out as
    `mode` says (for a weight ``(out, in, *k)``: in·prod(k) or out·prod(k)).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill, at least 2-D.
    a : float, default 0
        The negative slope of "leaky_relu" (read for that nonlinearity
        only).
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Which fan sets the standard deviation.
    nonlinearity : str, default "leaky_relu"
        The nonlinearity after the layer (see calculate_gain).
    generator : numpy.random.Generator, optional
        Where the numbers come from; fastnn's generator (manual_seed) when
        None.

    Returns
    -------
    Tensor
        `tensor`.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dimensions, or `mode` or
        `nonlinearity` is unknown.
    """
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)
