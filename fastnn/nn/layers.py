"""The layers: Linear, the activations, Identity, Flatten, Dropout, Softmax,
and Sequential, which runs a Linear followed by an activation as one fused
kernel call (forward and backward), and consecutive Linear layers as one
chain (one kernel call each way)."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple, Union, cast

import numpy as np

from .. import _record
from ..autograd import _state as _grad_mode
from ..tensor import Tensor
from ..tensor_base import _as_dtype, _dim, _float_dtype, default_generator  # noqa: F401
from . import functional as F
from .module import Module, Parameter, _structure

if TYPE_CHECKING:
    from numpy.typing import DTypeLike, NDArray
    from typing_extensions import TypeGuard

    # a step of Sequential's plan: a module to call, or a run of Linear layers,
    # each with the fusable activation after it (or None)
    _Pair = Tuple["Linear", Optional["_Activation"]]
    _Step = Union[Module, List[_Pair]]


def _check_device(device: object) -> None:
    """PyTorch's device argument: fastnn runs on the CPU."""
    if device is not None and str(device) != "cpu":
        raise ValueError(f"device={device!r}: fastnn runs on the CPU; use None or 'cpu'")


class Linear(Module):
    """Affine map y = x @ weight.T + bias; weight (out_features, in_features).

    Initialised as PyTorch does: weight and bias from U(−1/√in, 1/√in),
    drawn from fastnn's generator (manual_seed). In a Sequential, a Linear
    followed by a fusable activation runs as one kernel call (see
    Sequential).

    Parameters
    ----------
    in_features : int
        Size of each input sample (>= 0).
    out_features : int
        Size of each output sample (>= 0).
    bias : bool, default True
        Whether to learn an additive bias.
    device : None or "cpu"
        Accepted for PyTorch compatibility; fastnn runs on the CPU.
    dtype : fastnn.float32 or fastnn.float64, optional
        The parameters' dtype (float32 by default).

    Attributes
    ----------
    weight : Parameter
        (out_features, in_features).
    bias : Parameter or None
        (out_features,), or None when made with ``bias=False``.

    Raises
    ------
    ValueError
        If a feature count is not a non-negative int, the weight is too
        large to allocate, or `device` is not the CPU.
    TypeError
        If `dtype` is not float32 or float64.

    Notes
    -----
    forward takes ``(*, in_features)`` of the parameters' dtype (float32 or
    float64; another dtype is refused, not cast) and returns
    ``(*, out_features)`` of that dtype.
    """

    weight: Parameter
    bias: Optional[Parameter]

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: object = None, dtype: Optional[DTypeLike] = None) -> None:
        super().__init__()
        _check_device(device)
        for v, name in ((in_features, "in_features"), (out_features, "out_features")):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{name} must be a non-negative int, got {v!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        d = _float_dtype(dtype)
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        gen = default_generator()
        try:
            weight = gen.uniform(-bound, bound, (out_features, in_features)).astype(d)
        except ValueError as e:         # numpy: more elements than it can address
            raise ValueError(f"in_features={in_features} and out_features={out_features} make a "
                             f"weight too large to allocate: {e}") from None
        self.weight = Parameter(weight)
        if bias:
            self.bias = Parameter(gen.uniform(-bound, bound, out_features).astype(d))
        else:
            self.bias = None

    def forward(self, input: Tensor) -> Tensor:
        """input @ weight.T + bias.

        Parameters
        ----------
        input : Tensor
            ``(*, in_features)``, of the parameters' dtype.

        Returns
        -------
        Tensor
            ``(*, out_features)``, of the same dtype.
        """
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``in_features=..., out_features=..., bias=...``).

        Returns
        -------
        str
        """
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Activation(Module):
    fused: Optional[str] = None      # the name of this activation in the Linear kernel's epilogue
    slope: float = 0.01

    def forward(self, input: Tensor) -> Tensor:
        raise NotImplementedError


class ReLU(_Activation):
    """Rectified linear unit, max(x, 0), elementwise.

    Parameters
    ----------
    inplace : bool, default False
        Write the result into the input tensor and return it (refused for
        a leaf that requires grad while autograd records).

    Notes
    -----
    forward takes a tensor of any shape and returns one of the same shape:
    float32/float64 keep their dtype, other dtypes are computed in float32.
    After a Linear in a Sequential it runs fused into the Linear's kernel.
    """
    fused = "relu"

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """max(x, 0), elementwise.

        Parameters
        ----------
        input : Tensor
            Any shape; float32/float64 keep their dtype, other dtypes are
            computed in float32.

        Returns
        -------
        Tensor
            input's shape (`input` itself when inplace).
        """
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``inplace=True``, or empty).

        Returns
        -------
        str
        """
        return "inplace=True" if self.inplace else ""


class LeakyReLU(_Activation):
    """x if x > 0 else negative_slope·x, elementwise.

    Parameters
    ----------
    negative_slope : float, default 0.01
        The slope for negative inputs (a real number).
    inplace : bool, default False
        Write the result into the input tensor and return it (refused for
        a leaf that requires grad while autograd records).

    Raises
    ------
    TypeError
        If `negative_slope` is not a real number.

    Notes
    -----
    forward takes a tensor of any shape and returns one of the same shape:
    float32/float64 keep their dtype, other dtypes are computed in float32.
    After a Linear in a Sequential it runs fused into the Linear's kernel
    when negative_slope >= 0 (the fused gradient reads the output's sign).
    """
    fused: Optional[str] = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        negative_slope = F.check_real(negative_slope, "negative_slope")
        self.negative_slope = negative_slope
        self.slope = negative_slope
        self.inplace = inplace
        if negative_slope < 0:
            self.fused = None      # the fused gradient reads the output's sign

    def forward(self, input: Tensor) -> Tensor:
        """x if x > 0 else negative_slope·x, elementwise.

        Parameters
        ----------
        input : Tensor
            Any shape; float32/float64 keep their dtype, other dtypes are
            computed in float32.

        Returns
        -------
        Tensor
            input's shape (`input` itself when inplace).
        """
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``negative_slope=...``).

        Returns
        -------
        str
        """
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(_Activation):
    """Logistic sigmoid, 1 / (1 + exp(−x)), elementwise.

    Notes
    -----
    forward takes a tensor of any shape and returns one of the same shape:
    float32/float64 keep their dtype, other dtypes are computed in float32.
    After a Linear in a Sequential it runs fused into the Linear's kernel.
    """
    fused = "sigmoid"

    def forward(self, input: Tensor) -> Tensor:
        """1 / (1 + exp(−x)), elementwise.

        Parameters
        ----------
        input : Tensor
            Any shape; float32/float64 keep their dtype, other dtypes are
            computed in float32.

        Returns
        -------
        Tensor
            input's shape.
        """
        return F.sigmoid(input)


class Tanh(_Activation):
    """Hyperbolic tangent, elementwise.

    Notes
    -----
    forward takes a tensor of any shape and returns one of the same shape:
    float32/float64 keep their dtype, other dtypes are computed in float32.
    After a Linear in a Sequential it runs fused into the Linear's kernel.
    """
    fused = "tanh"

    def forward(self, input: Tensor) -> Tensor:
        """tanh(x), elementwise.

        Parameters
        ----------
        input : Tensor
            Any shape; float32/float64 keep their dtype, other dtypes are
            computed in float32.

        Returns
        -------
        Tensor
            input's shape.
        """
        return F.tanh(input)


class GELU(_Activation):
    """Gaussian error linear unit, x·Φ(x), elementwise.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        "none": the exact form with the error function; "tanh": PyTorch's
        tanh approximation.

    Raises
    ------
    ValueError
        If `approximate` is neither "none" nor "tanh".

    Notes
    -----
    forward takes a tensor of any shape and returns one of the same shape:
    float32/float64 keep their dtype, other dtypes are computed in float32.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """x·Φ(x), elementwise.

        Parameters
        ----------
        input : Tensor
            Any shape; float32/float64 keep their dtype, other dtypes are
            computed in float32.

        Returns
        -------
        Tensor
            input's shape.
        """
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``approximate='none'``).

        Returns
        -------
        str
        """
        return f"approximate={self.approximate!r}"


class Softplus(_Activation):
    """Smooth ReLU, log(1 + exp(beta·x)) / beta, elementwise.

    Where beta·x > threshold the result is x itself (as in PyTorch).

    Parameters
    ----------
    beta : float, default 1.0
        The sharpness (a real number).
    threshold : float, default 20.0
        Above this value of beta·x the function is linear (a real number).

    Raises
    ------
    TypeError
        If `beta` or `threshold` is not a real number.

    Notes
    -----
    forward takes a tensor of any shape and returns one of the same shape:
    float32/float64 keep their dtype, other dtypes are computed in float32.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = F.check_real(beta, "beta"), F.check_real(threshold, "threshold")

    def forward(self, input: Tensor) -> Tensor:
        """log(1 + exp(beta·x)) / beta, elementwise (x above the threshold).

        Parameters
        ----------
        input : Tensor
            Any shape; float32/float64 keep their dtype, other dtypes are
            computed in float32.

        Returns
        -------
        Tensor
            input's shape.
        """
        return F.softplus(input, self.beta, self.threshold)


class Softmax(Module):
    """exp(x) / Σ exp(x) along one dimension (computed stably).

    Parameters
    ----------
    dim : int, optional
        The dimension that sums to 1; None: the last one.

    Notes
    -----
    forward takes a float32/float64 tensor of any shape (another dtype is
    refused with TypeError) and returns one of the same shape and dtype.
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Softmax along `dim`.

        Parameters
        ----------
        input : Tensor
            float32 or float64, any shape.

        Returns
        -------
        Tensor
            input's shape and dtype.
        """
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``dim=...``).

        Returns
        -------
        str
        """
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along one dimension, computed stably in one pass.

    Parameters
    ----------
    dim : int, optional
        The dimension the softmax is taken along; None: the last one.

    Notes
    -----
    forward takes a float32/float64 tensor of any shape (another dtype is
    refused with TypeError) and returns one of the same shape and dtype.
    """

    def forward(self, input: Tensor) -> Tensor:
        """Log-softmax along `dim`.

        Parameters
        ----------
        input : Tensor
            float32 or float64, any shape.

        Returns
        -------
        Tensor
            input's shape and dtype.
        """
        return F.log_softmax(input, self.dim)


class Identity(Module):
    """Return the input unchanged (the same tensor object).

    Parameters
    ----------
    *args, **kwargs
        Accepted and ignored (as in PyTorch).

    Notes
    -----
    forward takes a tensor of any shape and dtype and returns it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return `input`.

        Parameters
        ----------
        input : Tensor
            Any shape and dtype.

        Returns
        -------
        Tensor
            `input` itself.
        """
        return input


class Flatten(Module):
    """Flatten dims start_dim..end_dim (by default all but the batch dim).

    Parameters
    ----------
    start_dim : int, default 1
        The first dimension to flatten (negative counts from the end).
    end_dim : int, default -1
        The last dimension to flatten (included).

    Raises
    ------
    TypeError
        If `start_dim` or `end_dim` is not an int.

    Notes
    -----
    forward takes a tensor of any dtype with shape
    (d0, ..., d_start, ..., d_end, ...) and returns a tensor of the same
    dtype with dims start_dim..end_dim merged into one of their product (a
    0-d input becomes shape (1,)); like ``Tensor.flatten``.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for v, name in ((start_dim, "start_dim"), (end_dim, "end_dim")):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, input: Tensor) -> Tensor:
        """Merge dims start_dim..end_dim into one.

        Parameters
        ----------
        input : Tensor
            Any shape and dtype.

        Returns
        -------
        Tensor
            The same dtype; dims start_dim..end_dim merged.
        """
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``start_dim=..., end_dim=...``).

        Returns
        -------
        str
        """
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with probability p while training; identity in eval().

    While training, each element is zeroed with probability p and the rest
    are scaled by 1/(1 − p); the mask comes from fastnn's generator
    (manual_seed) and is recomputed in backward, not stored.

    Parameters
    ----------
    p : float, default 0.5
        The probability of an element being zeroed, in [0, 1].
    inplace : bool, default False
        Write the result into the input tensor and return it.

    Raises
    ------
    TypeError
        If `p` is not a real number.
    ValueError
        If `p` is not in [0, 1].

    Notes
    -----
    forward takes a float32/float64 tensor of any shape and returns one of
    the same shape and dtype (in eval mode, or with p = 0, the input
    itself).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        F._check_dropout_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Dropout while training; the identity in eval mode.

        Parameters
        ----------
        input : Tensor
            float32 or float64, any shape.

        Returns
        -------
        Tensor
            input's shape and dtype (`input` itself in eval mode or with
            p = 0).
        """
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The settings shown in the repr (``p=..., inplace=...``).

        Returns
        -------
        str
        """
        return f"p={self.p}, inplace={self.inplace}"


class Sequential(Module):
    """Modules applied in order. Built from positional modules or one
    OrderedDict; supports add_module/append, indexing, slicing, len and
    iteration. A Linear (or a subclass that keeps Linear's forward) directly
    followed by ReLU, LeakyReLU (slope >= 0), Sigmoid or Tanh runs as one
    fused kernel call and one autograd node (the activation module's own
    forward is not called); two or more such Linear layers in a row run as
    one chain (F.linear_chain: one kernel call each way, one node, the same
    bits as layer by layer).

    Under no_grad, the Linear runs, Flatten, Identity and Dropout in eval
    work on arrays directly (no tensor per layer); every other module runs
    as usual and must return a Tensor there. A run of Linear layers that
    shares a parameter (tied weights) runs layer by layer.

    Parameters
    ----------
    *args : Module or OrderedDict[str, Module]
        The modules in order (named "0", "1", ...), or one OrderedDict of
        name to module.

    Raises
    ------
    TypeError
        If a positional argument is not a Module.

    Notes
    -----
    forward takes what the first module takes and returns what the last
    one returns (for the layers of fastnn.nn: a tensor; a Linear first
    takes ``(*, in_features)`` float32/float64).
    """

    def __init__(self, *args: Union[Module, OrderedDict[str, Module]]) -> None:
        super().__init__()
        m: Union[Module, OrderedDict[str, Module]]
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, not a Module")
                self.add_module(str(i), m)

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end (named by its position).

        Parameters
        ----------
        module : Module
            The module to add.

        Returns
        -------
        Sequential
            This Sequential.
        """
        self.add_module(str(len(self._modules)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    # Typed as modules: a slot holds None only after add_module(name, None)
    # or seq[i] = None, which forward skips.
    def __iter__(self) -> Iterator[Module]:
        return cast("Iterator[Module]", iter(self._modules.values()))

    def __getitem__(self, idx: Union[int, slice]) -> Module:
        """The module at `idx`, or a new Sequential of the modules in a slice.

        Parameters
        ----------
        idx : int or slice
            A position (negative counts from the end) or a slice.

        Returns
        -------
        Module
            The module (a Sequential for a slice, sharing the modules).

        Raises
        ------
        IndexError
            If `idx` is out of range.
        """
        if isinstance(idx, slice):
            return Sequential(OrderedDict(cast("List[Tuple[str, Module]]",
                                               list(self._modules.items()))[idx]))
        mods = cast("List[Module]", list(self._modules.values()))
        if not -len(mods) <= idx < len(mods):
            raise IndexError(f"index {idx} is out of range for a Sequential of {len(mods)}")
        return mods[idx]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[idx]
        self.add_module(key, module)

    def _plan(self) -> List[_Step]:
        """The steps of forward, cached until the structure of any module
        changes: a module to call, or a run of consecutive fusable Linear
        layers (see fusable_linear) as a list of (linear, activation or
        None) pairs, each Linear paired with the fusable activation right
        after it."""
        cache: Optional[Tuple[int, List[_Step]]] = self.__dict__.get("_plan_cache")
        if cache is not None and cache[0] == _structure[0]:
            return cache[1]
        mods = [m for m in self._modules.values() if m is not None]
        plan: List[Any]            # _Step, built in place (a run grows at the end)
        plan, i = [], 0
        while i < len(mods):
            m = mods[i]
            if not fusable_linear(m):
                plan.append(m)
                i += 1
                continue
            nxt = mods[i + 1] if i + 1 < len(mods) else None
            act = nxt if isinstance(nxt, _Activation) and nxt.fused is not None else None
            pair = (m, act)
            if plan and type(plan[-1]) is list:
                plan[-1].append(pair)
            else:
                plan.append([pair])
            i += 2 if act is not None else 1
        plan = [step for run in plan for step in _distinct_runs(run)]
        object.__setattr__(self, "_plan_cache", (_structure[0], plan))
        return plan

    def forward(self, input: Tensor) -> Tensor:
        """Run the modules in order (fused where the class says so).

        Parameters
        ----------
        input : Tensor
            What the first module takes.

        Returns
        -------
        Tensor
            What the last module returns.

        Raises
        ------
        TypeError
            Under no_grad, if a module returns anything but a Tensor.
        """
        rec = _record.active[0]
        if rec is not None:            # fastnn.plan records the layers one by one
            return cast(Tensor, rec.sequential(self, input))
        plan = self._plan()
        if not _grad_mode["enabled"] and isinstance(input, Tensor):
            return Tensor._make(_forward_arrays(plan, input._data))
        x = input
        step: Any                  # a module or a run of Linear layers (see _plan)
        for step in plan:
            if type(step) is not list:
                x = step(x)
            elif len(step) == 1:
                m, act = step[0]
                if act is None:
                    x = F.linear(x, m.weight, m.bias)
                else:
                    x = F.linear(x, m.weight, m.bias, activation=act.fused,
                                 negative_slope=act.slope)
            else:
                x = _run_chain(step, x)
        return x


def _run_chain(run: List[_Pair], x: Tensor) -> Tensor:
    """A run of the plan (Linear layers whose parameters are all distinct,
    see _plan) as one chain: its arrays and the autograd inputs gathered in
    one pass, then F.chain_record; layer by layer when the chain cannot run
    as one call."""
    out = None
    if isinstance(x, Tensor) and not (x.requires_grad and isinstance(x, Parameter)):
        grads = [x if x.requires_grad else None]
        ws: List[NDArray[Any]]
        bs: List[Optional[NDArray[Any]]]
        acts: List[Optional[str]]
        slopes: List[float]
        ws, bs, acts, slopes = [], [], [], []
        for m, act in run:
            w, b = m.weight, m.bias
            ws.append(w._data)
            grads.append(w if w.requires_grad else None)
            if b is None:
                bs.append(None)
                grads.append(None)
            else:
                bs.append(b._data)
                grads.append(b if b.requires_grad else None)
            fused, slope = _fused(act)
            acts.append(fused)
            slopes.append(slope)
        out = F.chain_record(x, grads, ws, bs, acts, slopes)
    if out is None:
        for m, act in run:
            if act is None:
                x = F.linear(x, m.weight, m.bias)
            else:
                x = F.linear(x, m.weight, m.bias, activation=act.fused, negative_slope=act.slope)
        return x
    return out


def _distinct_runs(step: _Step) -> List[_Step]:
    """A run of Linear layers that shares a parameter (tied weights: its
    gradient is a sum) as single-layer runs, which run layer by layer;
    anything else unchanged."""
    if type(step) is not list or len(step) < 2:
        return [step]
    params = [p for m, _ in step for p in (m.weight, m.bias) if p is not None]
    if len({id(p) for p in params}) == len(params):
        return [step]
    return [[pair] for pair in step]


def _chain_arrays(run: List[_Pair]) -> Tuple[List[NDArray[Any]], List[Optional[NDArray[Any]]],
                                              List[Optional[str]], List[float]]:
    """The weights, biases, activations and negative slopes of a run of the
    plan as lists of arrays and values, one entry per Linear."""
    ws: List[NDArray[Any]]
    bs: List[Optional[NDArray[Any]]]
    acts: List[Optional[str]]
    slopes: List[float]
    ws, bs, acts, slopes = [], [], [], []
    for m, act in run:
        b = m.bias
        ws.append(m.weight._data)
        bs.append(None if b is None else b._data)
        fused, slope = _fused(act)
        acts.append(fused)
        slopes.append(slope)
    return ws, bs, acts, slopes


def _fused(act: Optional[_Activation]) -> Tuple[Optional[str], float]:
    """(the kernel's name of activation module `act`, its slope) for the
    Linear before it; (None, 0.01) without one."""
    return (None, 0.01) if act is None else (act.fused, act.slope)


def _forward_arrays(plan: List[_Step], x: NDArray[Any]) -> NDArray[Any]:
    """A Sequential's plan on arrays under no_grad (no graph to record):
    runs of Linear layers (fused with their activation or not) as one chain
    call, Flatten, Identity and Dropout in eval go array to array, with no
    tensor per layer; any other module runs as usual on a tensor wrapping
    the array."""
    step: Any                      # a module or a run of Linear layers (see _plan)
    for step in plan:
        if type(step) is list:
            x = F.linear_chain_array(x, *_chain_arrays(step))
        elif type(step) is Flatten:
            if x.ndim != 2 or step.start_dim not in (1, -1) or step.end_dim not in (1, -1):
                x = x.reshape(_flat_shape(x.shape, step.start_dim, step.end_dim))
        elif type(step) is Identity or (type(step) is Dropout and (not step.training or step.p == 0)):
            pass
        else:
            out = step(Tensor._make(x))
            if not isinstance(out, Tensor):
                raise TypeError(f"{type(step).__name__} returned {type(out).__name__} inside a "
                                "Sequential; a Tensor was expected")
            x = out._data
    return x


def _flat_shape(shape: Tuple[int, ...], start_dim: int, end_dim: int) -> Tuple[int, ...]:
    """The shape Flatten(start_dim, end_dim) makes of `shape` (as
    fastnn.flatten does)."""
    n = len(shape)
    if n == 0:
        return (1,)
    s, e = _dim(start_dim, n, "start_dim"), _dim(end_dim, n, "end_dim")
    if e == s:
        return shape
    return shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]


def fusable_linear(module: object) -> TypeGuard[Linear]:
    """True if Sequential may run `module` and the activation after it as one
    fused kernel call: a Linear, or a subclass of it that keeps Linear's
    forward (a subclass that overrides forward runs as written).

    Parameters
    ----------
    module : object
        The module to look at.

    Returns
    -------
    bool
        Whether `module` is such a Linear.
    """
    return isinstance(module, Linear) and type(module).forward is Linear.forward
