"""The layers: Linear, the activations, Identity, Flatten, Dropout, Softmax,
and Sequential, which runs a Linear followed by an activation as one fused
kernel call (forward and backward), and consecutive Linear layers as one
chain (one kernel call each way)."""
import math
from collections import OrderedDict

import numpy as np

from ..autograd import _state as _grad_mode
from ..tensor import Tensor, _as_dtype, _float_dtype, default_generator
from ..tensor_base import _dim
from . import functional as F
from .module import Module, Parameter, _structure


def _check_device(device):
    """PyTorch's device argument: fastnn runs on the CPU."""
    if device is not None and str(device) != "cpu":
        raise ValueError(f"device={device!r}: fastnn runs on the CPU; use None or 'cpu'")


class Linear(Module):
    """y = x @ weight.T + bias; weight (out_features, in_features).
    Initialised as PyTorch does: weight and bias from U(−1/√in, 1/√in)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
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

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Activation(Module):
    fused = None      # the name of this activation in the Linear kernel's epilogue
    slope = 0.01

    def forward(self, input):
        raise NotImplementedError


class ReLU(_Activation):
    fused = "relu"

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(_Activation):
    fused = "leaky_relu"

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        negative_slope = F.check_real(negative_slope, "negative_slope")
        self.negative_slope = negative_slope
        self.slope = negative_slope
        self.inplace = inplace
        if negative_slope < 0:
            self.fused = None      # the fused gradient reads the output's sign

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(_Activation):
    fused = "sigmoid"

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(_Activation):
    fused = "tanh"

    def forward(self, input):
        return F.tanh(input)


class GELU(_Activation):
    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(_Activation):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = F.check_real(beta, "beta"), F.check_real(threshold, "threshold")

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Flatten dims start_dim..end_dim (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        for v, name in ((start_dim, "start_dim"), (end_dim, "end_dim")):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with probability p while training; identity in eval()."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_dropout_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Sequential(Module):
    """Modules applied in order. Built from positional modules or one
    OrderedDict; supports add_module/append, indexing, slicing, len and
    iteration. A Linear (or a subclass that keeps Linear's forward) directly
    followed by ReLU, LeakyReLU (slope >= 0), Sigmoid or Tanh runs as one
    fused kernel call and one autograd node (the activation module's own
    forward is not called); two or more such Linear layers in a row run as
    one chain (F.linear_chain: one kernel call each way, one node, the same
    bits as layer by layer)."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, not a Module")
                self.add_module(str(i), m)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        mods = list(self._modules.values())
        if not -len(mods) <= idx < len(mods):
            raise IndexError(f"index {idx} is out of range for a Sequential of {len(mods)}")
        return mods[idx]

    def __setitem__(self, idx, module):
        key = list(self._modules)[idx]
        self.add_module(key, module)

    def _plan(self):
        """The steps of forward, cached until the structure of any module
        changes: a module to call, or a run of consecutive fusable Linear
        layers (see fusable_linear) as a list of (linear, activation or
        None) pairs, each Linear paired with the fusable activation right
        after it."""
        cache = self.__dict__.get("_plan_cache")
        if cache is not None and cache[0] == _structure[0]:
            return cache[1]
        mods = [m for m in self._modules.values() if m is not None]
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

    def forward(self, input):
        plan = self._plan()
        if not _grad_mode["enabled"] and isinstance(input, Tensor):
            return Tensor._make(_forward_arrays(plan, input._data))
        x = input
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


def _run_chain(run, x):
    """A run of the plan (Linear layers whose parameters are all distinct,
    see _plan) as one chain: its arrays and the autograd inputs gathered in
    one pass, then F.chain_record; layer by layer when the chain cannot run
    as one call."""
    out = None
    if isinstance(x, Tensor) and not (x.requires_grad and isinstance(x, Parameter)):
        grads = [x if x.requires_grad else None]
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


def _distinct_runs(step):
    """A run of Linear layers that shares a parameter (tied weights: its
    gradient is a sum) as single-layer runs, which run layer by layer;
    anything else unchanged."""
    if type(step) is not list or len(step) < 2:
        return [step]
    params = [p for m, _ in step for p in (m.weight, m.bias) if p is not None]
    if len({id(p) for p in params}) == len(params):
        return [step]
    return [[pair] for pair in step]


def _chain_arrays(run):
    """The weights, biases, activations and negative slopes of a run of the
    plan as lists of arrays and values, one entry per Linear."""
    ws, bs, acts, slopes = [], [], [], []
    for m, act in run:
        b = m.bias
        ws.append(m.weight._data)
        bs.append(None if b is None else b._data)
        fused, slope = _fused(act)
        acts.append(fused)
        slopes.append(slope)
    return ws, bs, acts, slopes


def _fused(act):
    """(the kernel's name of activation module `act`, its slope) for the
    Linear before it; (None, 0.01) without one."""
    return (None, 0.01) if act is None else (act.fused, act.slope)


def _forward_arrays(plan, x):
    """A Sequential's plan on arrays under no_grad (no graph to record):
    runs of Linear layers (fused with their activation or not) as one chain
    call, Flatten, Identity and Dropout in eval go array to array, with no
    tensor per layer; any other module runs as usual on a tensor wrapping
    the array."""
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


def _flat_shape(shape, start_dim, end_dim):
    """The shape Flatten(start_dim, end_dim) makes of `shape` (as
    fastnn.flatten does)."""
    n = len(shape)
    if n == 0:
        return (1,)
    s, e = _dim(start_dim, n, "start_dim"), _dim(end_dim, n, "end_dim")
    if e == s:
        return shape
    return shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]


def fusable_linear(module):
    """True if Sequential may run `module` and the activation after it as one
    fused kernel call: a Linear, or a subclass of it that keeps Linear's
    forward (a subclass that overrides forward runs as written)."""
    return isinstance(module, Linear) and type(module).forward is Linear.forward
