"""fastnn.nn.utils: gradient clipping, and parameters as one vector (as
torch.nn.utils)."""
from __future__ import annotations

import math
from typing import Iterable, List, Union

import numpy as np

from .. import _C
from ..tensor import Tensor


def _grads(parameters: Union[Tensor, Iterable[Tensor]]) -> List[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Union[Tensor, Iterable[Tensor]], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint norm is at most
    max_norm; returns the norm before clipping (a 0-d tensor). The 2-norm is
    one deterministic kernel pass over every gradient.

    The gradients are multiplied in place by max_norm / (norm + 1e-6) when
    that is below 1; parameters without a gradient are skipped.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters whose ``.grad`` to clip (e.g. ``model.parameters()``).
    max_norm : float
        The largest joint norm allowed.
    norm_type : float, default 2.0
        The order p of the norm (Σ |g|^p)^(1/p); ``inf`` for the largest
        absolute value.
    error_if_nonfinite : bool, default False
        Raise when the norm is NaN or infinite (else the gradients are
        scaled by whatever that gives).

    Returns
    -------
    Tensor
        The joint norm before clipping, a 0-d tensor of the gradients' dtype
        (float32 0 when no parameter has a gradient).

    Raises
    ------
    RuntimeError
        With error_if_nonfinite, if the norm is not finite.
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor._make(np.zeros((), np.float32))
    norm_type = float(norm_type)
    if norm_type == 2.0:
        total = math.sqrt(_C.sum_squares([g._data for g in grads]))
    elif math.isinf(norm_type):
        total = max(float(np.max(np.abs(g._data))) if g._data.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g._data) ** norm_type)) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is non-finite")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
    return Tensor._make(np.asarray(total, dtype=grads[0]._data.dtype))


def clip_grad_value_(parameters: Union[Tensor, Iterable[Tensor]], clip_value: float) -> None:
    """Clamp every gradient element to [−clip_value, clip_value] in place.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters whose ``.grad`` to clamp; those without one are
        skipped.
    clip_value : float
        The largest absolute value allowed.
    """
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)


def parameters_to_vector(parameters: Union[Tensor, Iterable[Tensor]]) -> Tensor:
    """Every parameter's values, flattened and concatenated in order, as one
    1-D tensor (a copy; as torch.nn.utils.parameters_to_vector, but no
    gradient flows back through it).

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters, e.g. ``model.parameters()``.

    Returns
    -------
    Tensor
        1-D, of as many elements as the parameters hold together.

    Raises
    ------
    ValueError
        If there are no parameters.
    TypeError
        If an element is not a fastnn.Tensor.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"parameters[{i}] must be a fastnn.Tensor, got {type(p).__name__}")
    return Tensor._make(np.concatenate([p._data.reshape(-1) for p in params]))


def vector_to_parameters(vec: Tensor, parameters: Union[Tensor, Iterable[Tensor]]) -> None:
    """Copy the consecutive pieces of the 1-D tensor `vec` into the
    parameters (in order, each its own number of elements), in place.

    Parameters
    ----------
    vec : Tensor
        1-D, of as many elements as the parameters hold together (as
        parameters_to_vector makes it).
    parameters : Tensor or iterable of Tensor
        The parameters to write, e.g. ``model.parameters()``.

    Raises
    ------
    TypeError
        If `vec` is not a 1-D fastnn.Tensor, or a value cannot be cast to
        its parameter's dtype (same-kind casting).
    ValueError
        If the element counts differ.
    """
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError("vec must be a 1-D fastnn.Tensor")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p._data.size for p in params)
    if total != vec._data.size:
        raise ValueError(f"vec has {vec._data.size} elements, the parameters {total}")
    at = 0
    for p in params:
        n = p._data.size
        np.copyto(p._data, vec._data[at:at + n].reshape(p._data.shape), casting="same_kind")
        at += n
