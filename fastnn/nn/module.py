"""nn.Module and nn.Parameter, as PyTorch has them: attributes that are
Parameters or Modules are registered, so parameters(), state_dict() and the
rest find them; user subclasses write __init__ and forward."""
from collections import OrderedDict

import numpy as np

from .. import arena
from ..autograd import zero_grads
from ..tensor import Tensor, TensorBase, _FLOATS, _to_array


class Parameter(Tensor):
    """A tensor that a Module registers as a parameter; requires grad.

    A float parameter's values live in the parameter arena (fastnn.arena):
    ``Parameter(data)`` copies `data` there, after the parameter made before
    it, so a model's parameters form one contiguous span and their gradients
    a second one (see Optimizer.step). ``p.data = t`` copies t's values into
    the parameter when shape and dtype match; otherwise p takes t's array
    and leaves the arena (optimizers then update it on its own)."""
    __slots__ = ("_ghome",)

    def __init__(self, data=None, requires_grad=True):
        arr = _to_array(data) if data is not None else np.empty(0, np.float32)
        if arr.dtype in _FLOATS:
            home = arena.allocate(arr.shape, arr.dtype)
            home[...] = arr
            arr = home
        self._ghome = None
        self._set_leaf(arr, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def _grad_home(self):
        """The array in the arena's gradient buffer that holds this
        parameter's gradient (the engine writes .grad there when no one else
        holds it), or None if the parameter is not in the arena."""
        home = self._ghome
        if home is None:
            home = self._ghome = arena.grad_view(self._data)
            if home is None:
                home = self._ghome = False
        return home if home is not False else None

    @property
    def data(self):
        return TensorBase.data.fget(self)

    @data.setter
    def data(self, value):
        arr = _to_array(value)
        if arr is self._data:
            return
        if arr.shape == self._data.shape and arr.dtype == self._data.dtype:
            np.copyto(self._data, arr)
            return
        TensorBase.data.fset(self, value)
        self._ghome = None

    def _rehome(self, dtype):
        """Move this parameter's values into the arena as `dtype` (after the
        parameter moved before it); its gradient is dropped."""
        home = arena.allocate(self._data.shape, dtype)
        home[...] = self._data
        self.grad = None
        self._data = home
        self._ghome = None


# Bumped whenever any module's parameters or children change, so that the
# cached parameter lists of every module know when to be rebuilt.
_structure = [0]


class Module:
    """Base class of every layer and model."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration --------------------------------------------------------
    # Parameters and child modules live in _parameters / _modules and, for
    # fast attribute reads, also in the instance __dict__ (kept in step).
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if params is None:
            raise AttributeError("call super().__init__() before assigning attributes to a Module")
        modules = d["_modules"]
        if isinstance(value, Parameter):
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}'")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)
            return
        _structure[0] += 1
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        _structure[0] += 1
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be an nn.Parameter or None")
        self._parameters[name] = param
        _structure[0] += 1
        object.__setattr__(self, name, param)

    def add_module(self, name, module):
        """Add a child module under `name` (as setattr does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or "." in name or name == "":
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        self._modules[name] = module
        _structure[0] += 1
        object.__setattr__(self, name, module)

    register_module = add_module

    # ---- calling ---------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        if not isinstance(out, (Tensor, tuple, list, dict)) and out is not None:
            raise TypeError(f"{type(self).__name__}.forward returned {type(out).__name__}; a "
                            "Module's forward must return a fastnn.Tensor (or a tuple of them)")
        return out

    # ---- traversal --------------------------------------------------------------
    def named_parameters(self, prefix="", recurse=True):
        seen = set()
        for mod_prefix, module in (self.named_modules(prefix) if recurse else [(prefix, self)]):
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse=True):
        return iter(list(self._parameter_list()) if recurse else
                    [p for p in self._parameters.values() if p is not None])

    def _parameter_list(self):
        """Every parameter of the tree once, in named_parameters order (a list,
        cached until the structure of any module changes: zero_grad and the
        optimizers call it often)."""
        cache = self.__dict__.get("_param_cache")
        if cache is not None and cache[0] == _structure[0]:
            return cache[1]
        out, seen_p, seen_m = [], set(), set()

        def visit(m):
            if id(m) in seen_m:
                return
            seen_m.add(id(m))
            for p in m._parameters.values():
                if p is not None and id(p) not in seen_p:
                    seen_p.add(id(p))
                    out.append(p)
            for c in m._modules.values():
                if c is not None:
                    visit(c)
        visit(self)
        object.__setattr__(self, "_param_cache", (_structure[0], out))
        return out

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix=""):
        seen = set()
        stack = [(prefix, self)]
        while stack:
            p, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield p, m
            kids = [(f"{p}.{n}" if p else n, c) for n, c in m._modules.items() if c is not None]
            stack.extend(reversed(kids))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def apply(self, fn):
        """fn(module) for every submodule, then for this one (as PyTorch)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------------
    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        zero_grads(self._parameter_list(), set_to_none)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, dtype=None, *args, **kwargs):
        """Convert every floating parameter to `dtype` (in place; grads are
        dropped); the converted parameters take a new span of the arena."""
        if dtype is None or (isinstance(dtype, str) and dtype == "cpu"):
            return self
        d = np.dtype(dtype)
        if d not in _FLOATS:
            raise TypeError(f"Module.to: dtype must be float32 or float64, got {d}")
        for p in self.parameters():          # in order: the arena keeps them contiguous
            if p._data.dtype in _FLOATS and p._data.dtype != d:
                if isinstance(p, Parameter):
                    p._rehome(d)
                else:
                    p._data = p._data.astype(d)
                    p.grad = None
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def cpu(self):
        return self

    # ---- state ------------------------------------------------------------------
    def state_dict(self, prefix=""):
        """OrderedDict name -> tensor sharing each parameter's data."""
        out = OrderedDict()
        for name, p in self.named_parameters(prefix):
            out[name] = p.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into the parameters. Values may be tensors or numpy
        arrays (e.g. a PyTorch state dict converted with .numpy()). With
        strict, missing and unexpected keys are errors; a wrong shape always
        is. Returns (missing_keys, unexpected_keys)."""
        if not hasattr(state_dict, "items"):
            raise TypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        own = OrderedDict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing keys: " + ", ".join(repr(k) for k in missing))
            if unexpected:
                parts.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
            raise KeyError(f"Error(s) in loading state_dict for {type(self).__name__}: "
                           + "; ".join(parts))
        arrays = {}
        for name, p in own.items():
            if name not in state_dict:
                continue
            v = state_dict[name]
            arr = v._data if isinstance(v, Tensor) else np.asarray(v)
            if arr.shape != p._data.shape:
                raise ValueError(f"size mismatch for {name}: copying a param with shape "
                                 f"{arr.shape}, the parameter in the model has shape {p.shape}")
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"{name}: cannot load values of dtype {arr.dtype}")
            arrays[name] = arr
        for name, arr in arrays.items():          # all checked before any is written
            np.copyto(own[name]._data, arr, casting="unsafe")
        return missing, unexpected

    # ---- printing -----------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (extra if extra else "")
        return head + "\n" + "\n".join(lines) + "\n)"

    def __dir__(self):
        return list(super().__dir__()) + list(self._parameters) + list(self._modules)
