"""Optimizer base class: parameter groups, per-parameter state, zero_grad,
state_dict / load_state_dict and add_param_group, as torch.optim.Optimizer."""
import copy
import math

import numpy as np

from .. import _C, arena
from ..autograd import enable_grad, no_grad, zero_grads
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base of the optimizers: ``params`` is an iterable of tensors or of
    dicts (parameter groups with their own options)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        self._flat = {}          # id(group) -> _FlatGroup of its span of the arena
        if isinstance(params, (Tensor, str, bytes)) or not hasattr(params, "__iter__"):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        """Add a group (a dict with 'params' and any options to override)."""
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

    def _check_group(self, group):
        """Validate a group's options (each optimizer checks its own)."""

    def zero_grad(self, set_to_none=True):
        zero_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient (after the
        check_finite test of each group); returns closure() if given.

        A group whose parameters all have a gradient and form one span of
        the parameter arena (a model's parameters, in order) is updated by one
        kernel call over the span, its state kept in flat buffers of which
        each parameter's state entries are views; otherwise parameter by
        parameter. The arithmetic per element is the same, so are the bits."""
        loss = None
        if closure is not None:
            with enable_grad():             # the closure computes a loss and its gradients
                loss = closure()
        self._check_finite()
        for g in self.param_groups:
            if not self._step_flat(g):
                with no_grad():             # an _update may use tensor operations in place
                    for p, grad in self._grads(g):
                        self._update(p, grad, g)
        return loss

    # What an optimizer built on one fused kernel says about itself (SGD, Adam,
    # ... set these): the kernel's name, whether it counts steps, the state
    # buffers it passes as s1..s3 ((name, initial value) or None) and its
    # keyword arguments for a step.
    _kind = None
    _counts_steps = False

    def _state_slots(self, group):
        return (None, None, None)

    def _kernel_args(self, group, step, first):
        raise NotImplementedError

    def _update(self, p, grad, group):
        """Move parameter p (a Tensor) by its gradient array grad with the
        options of its group, in place (one kernel call)."""
        if self._kind is None:
            raise NotImplementedError(f"{type(self).__name__} does not define _update")
        step = self._count_step(p) if self._counts_steps else 1
        slots = self._state_slots(group)
        first = (self._kind == "sgd" and slots[0] is not None
                 and self.state.get(p, {}).get("momentum_buffer") is None)
        bufs = [self._state_buffer(p, s[0], s[1]) if s is not None else None for s in slots]
        _C.optim_step(self._kind, p._data, grad, *bufs, **self._kernel_args(group, step, first))

    def _step_flat(self, group):
        """Update `group` with one kernel call over its span of the arena, if
        it has one and every parameter has its gradient in the arena's
        gradient buffer; False (nothing done) otherwise."""
        if self._kind is None or type(self)._update is not Optimizer._update:
            return False
        params = group["params"]
        flat = self._flat.get(id(group))
        ready = flat.ready(params) if flat is not None else _MOVED
        if ready is _MOVED:
            flat = self._flat[id(group)] = _FlatGroup.build(params)
            ready = flat.ready(params)
        if ready is not True or flat.data is None:
            return False
        slots = self._state_slots(group)
        first = False
        step = 1
        if self._counts_steps or (self._kind == "sgd" and slots[0] is not None):
            states = [self.state.get(p) for p in params]
            if self._kind == "sgd":
                have = {st is not None and st.get("momentum_buffer") is not None for st in states}
                if len(have) != 1:
                    return False
                first = not have.pop()
            if self._counts_steps:
                counts = {st.get("step", 0) if st is not None else 0 for st in states}
                if len(counts) != 1:
                    return False
                step = counts.pop() + 1
        bufs = [flat.state(self.state, params, s[0], s[1]) if s is not None else None
                for s in slots]
        if self._counts_steps:
            for p in params:
                self.state.setdefault(p, {})["step"] = step
        _C.optim_step(self._kind, flat.data, flat.grad, *bufs,
                      **self._kernel_args(group, step, first))
        return True

    def _count_step(self, p):
        """Add one to p's step count in the state and return it."""
        st = self.state.setdefault(p, {})
        st["step"] = st.get("step", 0) + 1
        return st["step"]

    def _check_finite(self):
        """With check_finite=True in a group, refuse NaN or Inf gradients in it
        before any parameter is updated."""
        for i, group in enumerate(self.param_groups):
            if not group.get("check_finite", False):
                continue
            grads = [p.grad._data for p in group["params"] if p.grad is not None]
            if grads and not math.isfinite(_C.sum_squares(grads)):
                raise FloatingPointError(f"a gradient in parameter group {i} holds NaN or Inf "
                                         "(check_finite=True); no parameter was updated")

    def _grads(self, group):
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

    def _state_buffer(self, p, name, init=0.0):
        st = self.state.setdefault(p, {})
        buf = st.get(name)
        if buf is None:
            buf = np.full(p._data.shape, init, dtype=p._data.dtype)
            st[name] = buf
        return buf

    # ---- state dicts --------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {name: array or number}}, 'param_groups': [...]}
        with parameters numbered in group order, as PyTorch's."""
        index = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
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

    def __repr__(self):
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

    @staticmethod
    def build(params):
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
        f.starts = [arena.locate(d)[1] - start for d in f.datas]
        f.buffers = {}
        return f

    def ready(self, params):
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
            if g is None or g._data is not p._ghome:
                ok = False
        return ok

    def state(self, state, params, name, init):
        """The flat buffer for state entry `name`; each parameter's
        state[p][name] is made (or kept) a view of it, values carried over."""
        flat, views = self.buffers.get(name, (None, None))
        if flat is None:
            flat = np.full(self.data.shape, init, dtype=self.data.dtype)
            views = [flat[s:s + d.size].reshape(d.shape) for s, d in zip(self.starts, self.datas)]
            self.buffers[name] = (flat, views)
        for p, v in zip(params, views):
            st = state.setdefault(p, {})
            cur = st.get(name)
            if cur is not v:
                v[...] = init if cur is None else cur
                st[name] = v
        return flat
