"""nn.Module and nn.Parameter, as PyTorch has them: attributes that are
Parameters or Modules are registered, so parameters(), state_dict() and the
rest find them; user subclasses write __init__ and forward."""
from __future__ import annotations

import builtins
from collections import OrderedDict
from typing import (TYPE_CHECKING, Any, Callable, Iterator, List, Literal, Mapping, Optional,
                    Tuple, TypeVar, Union)

import numpy as np

from .. import arena
from ..autograd import zero_grads
from ..tensor import Tensor
from ..tensor_base import _FLOATS, TensorBase, _to_array

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike, NDArray

_M = TypeVar("_M", bound="Module")


class Parameter(Tensor):
    """A tensor that a Module registers as a parameter; requires grad.

    A float parameter's values live in the parameter arena (fastnn.arena):
    ``Parameter(data)`` copies `data` there, after the parameter made before
    it, so a model's parameters form one contiguous span and their gradients
    a second one (see Optimizer.step). ``p.data = t`` copies t's values into
    the parameter when shape and dtype match; otherwise p takes t's array
    and leaves the arena (optimizers then update it on its own).

    Parameters
    ----------
    data : Tensor or array_like, optional
        The initial values, converted under fastnn's dtype rules (a float32
        or float64 array is copied into the arena). None makes an empty
        float32 parameter.
    requires_grad : bool, default True
        Whether the parameter receives gradients.
    """
    __slots__ = ("_ghome",)

    _ghome: Union[NDArray[Any], Literal[False], None]

    def __init__(self, data: Union[Tensor, ArrayLike, None] = None,
                 requires_grad: builtins.bool = True) -> None:
        arr = _to_array(data) if data is not None else np.empty(0, np.float32)
        if arr.dtype in _FLOATS:
            home = arena.allocate(arr.shape, arr.dtype)
            home[...] = arr
            arr = home
        self._ghome = None
        self._set_leaf(arr, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def _grad_home(self) -> Optional[NDArray[Any]]:
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
    def data(self) -> Tensor:
        """The values as a tensor outside the graph (shares memory).

        Assigning copies the new values into the parameter (it stays in the
        arena) when their shape and dtype match; otherwise the parameter
        takes the new array and leaves the arena (float data of the other
        float dtype is refused with TypeError, as for any tensor).
        """
        # mypy types a property read on its class as the getter (no fget, fset)
        return TensorBase.data.fget(self)  # type: ignore[attr-defined,no-any-return]

    @data.setter
    def data(self, value: Union[Tensor, ArrayLike]) -> None:
        arr = _to_array(value)
        if arr is self._data:
            return
        if arr.shape == self._data.shape and arr.dtype == self._data.dtype:
            np.copyto(self._data, arr)
            return
        TensorBase.data.fset(self, value)  # type: ignore[attr-defined]  # as in the getter
        self._ghome = None

    def _rehome(self, dtype: DTypeLike) -> None:
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
# Bumped whenever any other attribute of a module is assigned (a Dropout's p,
# an activation's slope, a loss's reduction, a flag a forward reads), so that
# fastnn.plan's plans, which read them once, know when to be made again.
_attributes = [0]
# Bumped by every train() / eval(): the plans of fastnn.plan are kept per
# mode, and a step finds its plan again at once while this stays the same.
_modes = [0]


class Module:
    """Base class of every layer and model.

    Subclasses write ``__init__`` (calling ``super().__init__()`` first) and
    ``forward``. Attributes that are Parameters or Modules are registered
    (in assignment order), so ``parameters()``, ``state_dict()``, ``train()``
    and the rest find them; assigning None to a registered name keeps the
    name with no value.

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after ``eval()``; read by
        Dropout.
    """

    training: builtins.bool
    _parameters: OrderedDict[str, Optional[Parameter]]
    _modules: OrderedDict[str, Optional[Module]]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration --------------------------------------------------------
    # Parameters and child modules live in _parameters / _modules and, for
    # fast attribute reads, also in the instance __dict__ (kept in step).
    def __setattr__(self, name: str, value: Any) -> None:
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
            _attributes[0] += 1
            return
        _structure[0] += 1
        object.__setattr__(self, name, value)

    # Reached only for a missing attribute (registered parameters and modules
    # are in the instance __dict__). Typed Any so that type checkers accept
    # the attributes add_module/register_parameter make, which they cannot see.
    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        _structure[0] += 1
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Register `param` under `name` (as setattr does for a Parameter).

        Parameters
        ----------
        name : str
            The attribute name.
        param : Parameter or None
            The parameter; None registers the name with no value.

        Raises
        ------
        TypeError
            If `param` is neither a Parameter nor None.
        """
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be an nn.Parameter or None")
        self._parameters[name] = param
        _structure[0] += 1
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Optional[Module]) -> None:
        """Add a child module under `name` (as setattr does).

        ``register_module`` is the same method.

        Parameters
        ----------
        name : str
            The attribute name: a non-empty string without ``"."``.
        module : Module or None
            The child; None registers the name with no value.

        Raises
        ------
        TypeError
            If `module` is neither a Module nor None.
        KeyError
            If `name` is not a non-empty string without ``"."``.
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or "." in name or name == "":
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        self._modules[name] = module
        _structure[0] += 1
        object.__setattr__(self, name, module)

    register_module = add_module

    # ---- calling ---------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; every subclass defines it.

        Call the module (``module(x)``) rather than ``forward`` directly.

        Parameters
        ----------
        *args, **kwargs
            What the subclass's forward takes.

        Returns
        -------
        Any
            What the subclass's forward returns (a Tensor, or a tuple, list
            or dict of them).

        Raises
        ------
        NotImplementedError
            If the subclass does not define forward.
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward(*args, **kwargs)`` and return its result.

        Parameters
        ----------
        *args, **kwargs
            Passed to forward.

        Returns
        -------
        Any
            What forward returns: a Tensor (or a tuple, list or dict of
            them, or None). The type is left open, as forward's is.

        Raises
        ------
        TypeError
            If forward returns anything else.
        """
        out = self.forward(*args, **kwargs)
        if not isinstance(out, (Tensor, tuple, list, dict)) and out is not None:
            raise TypeError(f"{type(self).__name__}.forward returned {type(out).__name__}; a "
                            "Module's forward must return a fastnn.Tensor (or a tuple of them)")
        return out

    # ---- traversal --------------------------------------------------------------
    def named_parameters(self, prefix: str = "",
                         recurse: builtins.bool = True) -> Iterator[Tuple[str, Parameter]]:
        """Iterate over (name, parameter) pairs, each parameter once.

        Parameters
        ----------
        prefix : str, default ""
            Put before every name (with a ``"."``).
        recurse : bool, default True
            Include the parameters of the submodules (named ``child.name``);
            False: this module's own only.

        Returns
        -------
        Iterator[tuple[str, Parameter]]
            The pairs in registration order, depth first; a parameter shared
            by several modules comes once, under its first name.
        """
        seen = set()
        for mod_prefix, module in (self.named_modules(prefix) if recurse else [(prefix, self)]):
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: builtins.bool = True) -> Iterator[Parameter]:
        """Iterate over the parameters, in named_parameters order.

        Parameters
        ----------
        recurse : bool, default True
            Include the parameters of the submodules; False: this module's
            own only.

        Returns
        -------
        Iterator[Parameter]
            Each parameter once.
        """
        return iter(list(self._parameter_list()) if recurse else
                    [p for p in self._parameters.values() if p is not None])

    def _parameter_list(self) -> List[Parameter]:
        """Every parameter of the tree once, in named_parameters order (a list,
        cached until the structure of any module changes: zero_grad and the
        optimizers call it often)."""
        cache: Optional[Tuple[int, List[Parameter]]] = self.__dict__.get("_param_cache")
        if cache is not None and cache[0] == _structure[0]:
            return cache[1]
        out: List[Parameter]
        out, seen_p, seen_m = [], set(), set()

        def visit(m: Module) -> None:
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

    def named_children(self) -> Iterator[Tuple[str, Module]]:
        """Iterate over (name, module) pairs of the direct children.

        Returns
        -------
        Iterator[tuple[str, Module]]
            In registration order; names registered as None are skipped.
        """
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """Iterate over the direct children (as named_children, without names).

        Returns
        -------
        Iterator[Module]
        """
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[Tuple[str, Module]]:
        """Iterate over (name, module) pairs of this module and all below it.

        Parameters
        ----------
        prefix : str, default ""
            The name of this module; put before the others' names (with a
            ``"."``).

        Returns
        -------
        Iterator[tuple[str, Module]]
            This module first, then depth first in registration order; a
            module reachable twice comes once.
        """
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

    def modules(self) -> Iterator[Module]:
        """Iterate over this module and all below it (as named_modules).

        Returns
        -------
        Iterator[Module]
        """
        for _, m in self.named_modules():
            yield m

    def apply(self: _M, fn: Callable[[Module], object]) -> _M:
        """fn(module) for every submodule, then for this one (as PyTorch).

        Parameters
        ----------
        fn : callable
            Called with each module; its result is ignored.

        Returns
        -------
        Module
            This module.
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------------
    def train(self: _M, mode: builtins.bool = True) -> _M:
        """Set training mode (or eval mode) on this module and all below it.

        Parameters
        ----------
        mode : bool, default True
            True for training mode, False for eval mode.

        Returns
        -------
        Module
            This module.
        """
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        _modes[0] += 1
        return self

    def eval(self: _M) -> _M:
        """Set eval mode (``train(False)``): Dropout becomes the identity.

        Returns
        -------
        Module
            This module.
        """
        return self.train(False)

    def zero_grad(self, set_to_none: builtins.bool = True) -> None:
        """Reset the gradients of every parameter.

        Parameters
        ----------
        set_to_none : bool, default True
            Drop each ``.grad`` (True) or fill it with zeros (False). A
            dropped ``.grad`` that someone still holds keeps its values.
        """
        zero_grads(self._parameter_list(), set_to_none)

    def requires_grad_(self: _M, requires_grad: builtins.bool = True) -> _M:
        """Set ``requires_grad`` on every parameter.

        Parameters
        ----------
        requires_grad : bool, default True
            Whether the parameters receive gradients.

        Returns
        -------
        Module
            This module.
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self: _M, dtype: Optional[DTypeLike] = None, *args: Any, **kwargs: Any) -> _M:
        """Convert every floating parameter to `dtype` (in place; grads are
        dropped); the converted parameters take a new span of the arena.

        Parameters
        ----------
        dtype : fastnn.float32, fastnn.float64, "cpu" or None
            The new dtype; None and ``"cpu"`` leave the module as it is.
        *args, **kwargs
            Accepted for PyTorch's signature and ignored.

        Returns
        -------
        Module
            This module.

        Raises
        ------
        TypeError
            If `dtype` is not float32 or float64.
        """
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

    def double(self: _M) -> _M:
        """Convert the floating parameters to float64 (``to(float64)``).

        Returns
        -------
        Module
            This module.
        """
        return self.to(np.float64)

    def float(self: _M) -> _M:
        """Convert the floating parameters to float32 (``to(float32)``).

        Returns
        -------
        Module
            This module.
        """
        return self.to(np.float32)

    def cpu(self: _M) -> _M:
        """Return this module unchanged: fastnn runs on the CPU.

        Returns
        -------
        Module
            This module.
        """
        return self

    # ---- state ------------------------------------------------------------------
    def state_dict(self, prefix: str = "") -> OrderedDict[str, Tensor]:
        """OrderedDict name -> tensor sharing each parameter's data.

        Parameters
        ----------
        prefix : str, default ""
            Put before every key (with a ``"."``).

        Returns
        -------
        OrderedDict[str, Tensor]
            The keys of named_parameters; each value is detached from the
            graph and shares its parameter's memory.
        """
        out = OrderedDict()
        for name, p in self.named_parameters(prefix):
            out[name] = p.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Union[Tensor, ArrayLike]],
                        strict: builtins.bool = True) -> Tuple[List[str], List[str]]:
        """Copy values into the parameters. Values may be tensors or numpy
        arrays (e.g. a PyTorch state dict converted with .numpy()). With
        strict, missing and unexpected keys are errors; a wrong shape always
        is. Returns (missing_keys, unexpected_keys).

        Every value is checked before any parameter is written; values are
        cast to each parameter's dtype.

        Parameters
        ----------
        state_dict : Mapping[str, Tensor or array_like]
            Parameter names (as named_parameters gives them) to values.
        strict : bool, default True
            Whether keys missing from `state_dict` or not in the model are
            an error.

        Returns
        -------
        missing_keys : list[str]
            The model's parameters that `state_dict` has no value for.
        unexpected_keys : list[str]
            The keys of `state_dict` that name no parameter.

        Raises
        ------
        TypeError
            If `state_dict` is not a mapping, or a value's dtype is neither
            a float nor an integer dtype.
        KeyError
            With strict, if a key is missing or unexpected.
        ValueError
            If a value's shape differs from its parameter's.
        """
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
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr.

        Subclasses override it to show their settings; empty by default.

        Returns
        -------
        str
        """
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (extra if extra else "")
        return head + "\n" + "\n".join(lines) + "\n)"

    def __dir__(self) -> List[str]:
        return list(super().__dir__()) + list(self._parameters) + list(self._modules)
