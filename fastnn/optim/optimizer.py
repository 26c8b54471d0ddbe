"""Optimizer base class: parameter groups, per-parameter state, zero_grad,
state_dict / load_state_dict and add_param_group, as torch.optim.Optimizer."""
from __future__ import annotations

import copy
import math
from typing import (TYPE_CHECKING, Any, Callable, ClassVar, Dict, Iterable, Iterator, Mapping,
                    Optional, Tuple, TypeVar, Union, cast)

import numpy as np

from .. import _C, arena
from ..autograd import enable_grad, no_grad, zero_grads
from ..tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..nn.module import Parameter

#: What an optimizer takes as ``params``: tensors, or parameter groups (dicts
#: with a ``"params"`` entry and options that override the defaults).
ParamsT = Union[Iterable[Tensor], Iterable[Dict[str, Any]]]
#: A state buffer an optimizer keeps per parameter: (name in the state, initial value).
_Slot = Optional[Tuple[str, float]]
#: One fused kernel call of an update: (keyword arguments, parameter array, gradient
#: array, s1, s2, s3, the parameters it covers); see Optimizer._kernel_calls.
_Call = Tuple[Dict[str, Any], "NDArray[Any]", "NDArray[Any]", Optional["NDArray[Any]"],
              Optional["NDArray[Any]"], Optional["NDArray[Any]"], "list[Tensor]"]
_T = TypeVar("_T")


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base of the optimizers: parameter groups, per-parameter state, as torch.optim.Optimizer.

    ``params`` is an iterable of tensors or of dicts (parameter groups with
    their own options).

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The leaf tensors to optimize, or parameter groups: dicts with a
        ``"params"`` entry (a Tensor or an iterable of them) and any options
        that override ``defaults`` for that group.
    defaults : dict
        Each option's value for the groups that do not set it; an entry whose
        value is ``required`` must be given by every group.

    Attributes
    ----------
    param_groups : list of dict
        The groups, each with its ``"params"`` (a list of Tensors) and every option.
    state : dict
        Per parameter (a Tensor), its state entries by name: numpy arrays of
        the parameter's shape and dtype (``exp_avg``, ``momentum_buffer``, ...)
        and numbers (``step``).
    defaults : dict
        The options given to the constructor.

    Raises
    ------
    TypeError
        When ``params`` is a Tensor, a string or not iterable, or holds
        something other than Tensors.
    ValueError
        When ``params`` is empty, holds a non-leaf Tensor, or the same
        Tensor twice.
    """

    _flat: dict[int, _FlatGroup]

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._flat = {}          # id(group) -> _FlatGroup of its span of the arena
        # counts step(), add_param_group and load_state_dict: fastnn.plan's
        # steps know from it when the state moved on without them
        self._version = 0
        if isinstance(params, (Tensor, str, bytes)) or not hasattr(params, "__iter__"):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups: list[Any] = list(params)        # checked by add_param_group
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (a dict with 'params' and any options to override).

        Parameters
        ----------
        param_group : dict
            ``"params"``: a Tensor or an iterable of leaf Tensors; any other
            entry overrides the optimizer's default for this group (the
            options it does not set take the defaults).

        Raises
        ------
        TypeError
            When ``param_group`` is not a dict, or its params are not Tensors.
        ValueError
            When it has no ``"params"``, holds a non-leaf Tensor, a parameter
            already in a group (or twice), misses a required option, or an
            option fails the optimizer's checks.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group must have a 'params' entry (its list of Tensors)")
        params = param_group["params"]
        if not isinstance(params, Tensor) and (isinstance(params, (str, bytes))
                                               or not hasattr(params, "__iter__")):
            raise TypeError(f"params of a parameter group must be Tensors, got {type(params).__name__}")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group)
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        self._version += 1

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's options (each optimizer checks its own)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter, as torch.optim.Optimizer.zero_grad.

        Parameters
        ----------
        set_to_none : bool
            True: drop each ``.grad`` (None until the next backward); False:
            fill it with zeros.
        """
        zero_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure: Optional[Callable[[], _T]] = None) -> Optional[_T]:
        """One update of every parameter that has a gradient.

        The update comes after the check_finite test of each group; returns
        closure() if given.

        A group whose parameters all have a gradient and form one span of
        the parameter arena (a model's parameters, in order) is updated by one
        kernel call over the span, its state kept in flat buffers of which
        each parameter's state entries are views; otherwise parameter by
        parameter. The arithmetic per element is the same, so are the bits.

        Parameters
        ----------
        closure : callable, optional
            Called first, with gradient recording on (``enable_grad``), to
            compute the loss and its gradients (it zeroes the gradients, runs
            the model and calls ``backward``).

        Returns
        -------
        object or None
            What ``closure()`` returned (usually the loss Tensor), or None
            without a closure.

        Raises
        ------
        FloatingPointError
            When a group with ``check_finite=True`` has a NaN or Inf
            gradient; no parameter was updated.
        TypeError
            When a gradient's dtype differs from its parameter's.
        ValueError
            When a gradient's shape differs from its parameter's.
        """
        loss: Optional[_T] = None
        if closure is not None:
            with enable_grad():             # the closure computes a loss and its gradients
                loss = closure()
        self._check_finite()
        self._version += 1
        for g in self.param_groups:
            if self.fused():
                for args, data, grad, s1, s2, s3, _ in self._kernel_calls(g):
                    _C.optim_step(cast(str, self._kind), data, grad, s1, s2, s3, **args)
            else:
                with no_grad():             # an _update may use tensor operations in place
                    for p, grad in self._grads(g):
                        self._update(p, grad, g)
        return loss

    # What an optimizer built on one fused kernel says about itself (SGD, Adam,
    # ... set these): the kernel's name, whether it counts steps, the state
    # buffers it passes as s1..s3 ((name, initial value) or None) and its
    # keyword arguments for a step.
    _kind: ClassVar[Optional[str]] = None
    _counts_steps: ClassVar[bool] = False

    def _state_slots(self, group: dict[str, Any]) -> tuple[_Slot, _Slot, _Slot]:
        return (None, None, None)

    def _kernel_args(self, group: dict[str, Any], step: int, first: bool) -> dict[str, Any]:
        raise NotImplementedError

    def fused(self) -> bool:
        """Whether each update is a call of one fused kernel (fastnn's SGD,
        Adam, AdamW, Adagrad, RMSprop, and subclasses that keep their
        update): what fastnn.plan needs to run the step in C.

        Returns
        -------
        bool
        """
        return self._kind is not None and type(self)._update is Optimizer._update

    def _update(self, p: Tensor, grad: NDArray[Any], group: dict[str, Any]) -> None:
        """Move parameter p (a Tensor) by its gradient array grad with the
        options of its group, in place (one kernel call)."""
        if self._kind is None:
            raise NotImplementedError(f"{type(self).__name__} does not define _update")
        args, _, _, s1, s2, s3, _ = self._param_call(p, grad, group)
        _C.optim_step(self._kind, p._data, grad, s1, s2, s3, **args)

    def _param_call(self, p: Tensor, grad: NDArray[Any], group: dict[str, Any]) -> _Call:
        """The kernel call that updates parameter p now (its step counted,
        its state buffers made): see _kernel_calls."""
        step = self._count_step(p) if self._counts_steps else 1
        slots = self._state_slots(group)
        first = (self._kind == "sgd" and slots[0] is not None
                 and self.state.get(p, {}).get("momentum_buffer") is None)
        s1, s2, s3 = [self._state_buffer(p, s[0], s[1]) if s is not None else None for s in slots]
        return self._kernel_args(group, step, first), p._data, grad, s1, s2, s3, [p]

    def _kernel_calls(self, group: dict[str, Any]) -> list[_Call]:
        """The fused kernel calls that update `group` now, as step makes them:
        one over the group's span of the arena when it has one and every
        parameter has its gradient there (see _flat_call), else one per
        parameter with a gradient. Each is (kernel keyword arguments,
        parameter array, gradient array, s1, s2, s3, the parameters it
        covers); the step counts and state buffers are updated and made as
        the step's own (fastnn.plan makes its update from these)."""
        call = self._flat_call(group)
        if call is not None:
            return [call]
        return [self._param_call(p, grad, group) for p, grad in self._grads(group)]

    def _flat_call(self, group: dict[str, Any]) -> Optional[_Call]:
        """The one kernel call over `group`'s span of the arena, if it has one
        and every parameter has its gradient in the arena's gradient buffer;
        None otherwise (nothing counted or made)."""
        if not self.fused():
            return None
        params = group["params"]
        flat = self._flat.get(id(group))
        ready = flat.ready(params) if flat is not None else _MOVED
        if ready is _MOVED:
            flat = self._flat[id(group)] = _FlatGroup.build(params)
            ready = flat.ready(params)
        flat = cast(_FlatGroup, flat)       # ready is _MOVED whenever there was none
        if ready is not True or flat.data is None:
            return None
        slots = self._state_slots(group)
        first = False
        step = 1
        if self._counts_steps or (self._kind == "sgd" and slots[0] is not None):
            states = [self.state.get(p) for p in params]
            if self._kind == "sgd":
                have = {st is not None and st.get("momentum_buffer") is not None for st in states}
                if len(have) != 1:
                    return None
                first = not have.pop()
            if self._counts_steps:
                counts = {st.get("step", 0) if st is not None else 0 for st in states}
                if len(counts) != 1:
                    return None
                step = counts.pop() + 1
        s1, s2, s3 = [flat.state(self.state, params, s[0], s[1]) if s is not None else None
                      for s in slots]
        if self._counts_steps:
            for p in params:
                self.state.setdefault(p, {})["step"] = step
        return (self._kernel_args(group, step, first), flat.data, cast("NDArray[Any]", flat.grad),
                s1, s2, s3, list(params))

    def _count_step(self, p: Tensor) -> int:
        """Add one to p's step count in the state and return it."""
        st = self.state.setdefault(p, {})
        st["step"] = st.get("step", 0) + 1
        return cast(int, st["step"])

    def _check_finite(self) -> None:
        """With check_finite=True in a group, refuse NaN or Inf gradients in it
        before any parameter is updated."""
        for i, group in enumerate(self.param_groups):
            if not group.get("check_finite", False):
                continue
            grads = [p.grad._data for p in group["params"] if p.grad is not None]
            if grads and not math.isfinite(_C.sum_squares(grads)):
                raise FloatingPointError(f"a gradient in parameter group {i} holds NaN or Inf "
                                         "(check_finite=True); no parameter was updated")

    def _grads(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, NDArray[Any]]]:
        """(param, grad array) for the parameters of group that have a grad."""
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if g.dtype != p._data.dtype:
                raise TypeError(f"gradient dtype {g.dtype} differs from the parameter's {p.dtype}")
            if g.shape != p._data.shape:
                raise ValueError(f"a gradient of shape {g.shape} was assigned to a parameter of "
                                 f"shape {p.shape} (p.grad must have the parameter's shape)")
            yield p, g

    def _state_buffer(self, p: Tensor, name: str, init: float = 0.0) -> NDArray[Any]:
        st = self.state.setdefault(p, {})
        buf: Optional[NDArray[Any]] = st.get(name)
        if buf is None:
            buf = np.full(p._data.shape, init, dtype=p._data.dtype)
            st[name] = buf
        return buf

    # ---- state dicts --------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state and options, as PyTorch's.

        ``{'state': {index: {name: array or number}}, 'param_groups': [...]}``
        with parameters numbered in group order, as PyTorch's.

        Returns
        -------
        dict
            ``"state"``: {parameter index: {name: numpy array (a copy, the
            parameter's shape and dtype) or number}}; ``"param_groups"``: each
            group's options with ``"params"`` the list of its parameters'
            indices. fastnn.save writes it; load_state_dict reads it back.
        """
        index: dict[int, int] = {}
        groups: list[dict[str, Any]] = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state: dict[int, dict[str, Any]] = {}
        for g in self.param_groups:
            for p in g["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Take the state and options of a state_dict (this optimizer's, or one loaded from a file).

        Parameters
        ----------
        state_dict : dict
            As state_dict returns it (or fastnn.load gives it back: arrays as
            Tensors, 0-d arrays as numbers); its state arrays are copied, cast
            to their parameter's dtype.

        Raises
        ------
        ValueError
            When the number of groups, a group's number of parameters, or a
            state array's shape differs from this optimizer's.
        """
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
        params = [p for g in self.param_groups for p in g["params"]]
        self.state = {}
        for key, st in state_dict["state"].items():
            p = params[int(key)]
            new = {}
            for k, v in st.items():
                if isinstance(v, Tensor):
                    v = v._data
                if isinstance(v, np.ndarray) and v.ndim > 0:
                    if v.shape != p._data.shape:
                        raise ValueError(f"state '{k}' has shape {v.shape}, parameter {p.shape}")
                    v = v.astype(p._data.dtype, copy=True)
                elif isinstance(v, np.ndarray):
                    v = v.item()
                new[k] = v
            self.state[p] = new
        for mine, theirs in zip(self.param_groups, groups):
            for k, v in theirs.items():
                if k != "params":
                    mine[k] = copy.deepcopy(v.item() if isinstance(v, np.ndarray) else v)
        self._version += 1

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)


_MOVED = "moved"       # _FlatGroup.ready: the group's parameters are other arrays now


class _FlatGroup:
    """A parameter group lying in one span of the parameter arena: `data` and
    `grad` are the span's values and gradients, `state(...)` gives flat
    optimizer state buffers whose slices are the parameters' state entries."""
    __slots__ = ("datas", "data", "grad", "starts", "buffers")
    datas: list[NDArray[Any]]
    data: Optional[NDArray[Any]]
    grad: Optional[NDArray[Any]]
    starts: list[int]
    buffers: dict[str, tuple[NDArray[Any], list[NDArray[Any]]]]

    @staticmethod
    def build(params: list[Tensor]) -> _FlatGroup:
        """The group's span; data is None when its parameters do not form
        one (kept, so the check is not redone every step)."""
        f = _FlatGroup()
        f.datas = [p._data for p in params]
        f.data = f.grad = None
        where = arena.span(f.datas)
        if where is None or any(p._grad_home() is None for p in params):
            return f
        chunk, start, stop = where
        f.data = chunk.data[start:stop]
        f.grad = chunk.grads()[start:stop]
        # every array of a span is one that the arena allocated: locate finds it
        f.starts = [cast("tuple[arena.Chunk, int]", arena.locate(d))[1] - start for d in f.datas]
        f.buffers = {}
        return f

    def ready(self, params: list[Tensor]) -> Union[bool, str]:
        """True if the parameters are still these arrays and each one's
        .grad is its home in the arena (the homes are not held here: the
        engine counts who holds them); False if a gradient is missing or
        elsewhere; _MOVED if the parameters changed."""
        if len(params) != len(self.datas):
            return _MOVED
        if self.data is None:                 # not a span: only whether they moved
            return _MOVED if any(p._data is not d for p, d in zip(params, self.datas)) else True
        ok = True
        for p, d in zip(params, self.datas):
            if p._data is not d:
                return _MOVED
            g = p.grad
            # (a span's parameters are nn.Parameters: build found their homes in the arena)
            if g is None or g._data is not cast("Parameter", p)._ghome:
                ok = False
        return ok

    def state(self, state: dict[Tensor, dict[str, Any]], params: list[Tensor], name: str,
              init: float) -> NDArray[Any]:
        """The flat buffer for state entry `name`; each parameter's
        state[p][name] is made (or kept) a view of it, values carried over."""
        flat, views = self.buffers.get(name, (None, None))
        if flat is None:
            data = cast("NDArray[Any]", self.data)      # only a span has buffers
            flat = np.full(data.shape, init, dtype=data.dtype)
            views = [flat[s:s + d.size].reshape(d.shape) for s, d in zip(self.starts, self.datas)]
            self.buffers[name] = (flat, views)
        for p, v in zip(params, cast("list[NDArray[Any]]", views)):
            st = state.setdefault(p, {})
            cur = st.get(name)
            if cur is not v:
                v[...] = init if cur is None else cur
                st[name] = v
        return flat
