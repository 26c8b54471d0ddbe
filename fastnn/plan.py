"""fastnn.plan: a whole training step, or a whole inference, in one C call.

``compile(model)`` gives a module whose forward under ``no_grad`` is one call
of a step plan (csrc/plan.c); ``compile_step(model, loss_fn, optimizer)``
gives ``step(X, y)``, one training step -- ``optimizer.zero_grad()``, the
forward, the loss, its backward, optional gradient clipping and
``optimizer.step()`` -- in one call. ``fit`` and fastnn.d2l's training
helpers use compile_step whenever they can.

How a model is planned. One forward (and the loss after it) runs with the
recorder on (fastnn._record): the ops report themselves, and the plan is made
from what they report when they form a chain, each op taking the output of
the one before. The ops that report: Linear (the module or F.linear), the
activations (modules, fastnn.nn.functional, fastnn.relu/sigmoid/tanh and the
Tensor methods), Dropout, Flatten / reshape / view that keep the batch
dimension, nn.Sequential (layer by layer, fused as it fuses), and one loss
(CrossEntropyLoss, MSELoss, L1Loss, HuberLoss, BCEWithLogitsLoss, or their
functions) of the chain's output and the step's y. So a hand-written forward
that calls its layers one after another is planned as a Sequential is. Like
torch.jit.trace, the recording sees what one forward did: Python control
flow that depends on the data's values is not seen. The plan's forward is
then run on the recorded batch and compared, bit for bit, with what the
recorded forward gave; a model that differs (an in-place op the recorder
cannot see, say) is not planned.

Anything the plan cannot take runs eagerly, and says why (``reason``): a
forward that is not a chain (a residual, a branch, arithmetic between
layers), a layer or loss it does not know, tied weights, an optimizer that
updates in Python, a model parameter the optimizer does not hold.

The arithmetic is the eager step's: each op is the kernel call the eager
path makes for it, in its order, so N planned steps and N eager steps end in
the same bits (parameters and optimizer state), for any thread count. The
one fusion a plan makes beyond the eager path's is a Linear followed by a
separate ReLU or LeakyReLU (negative slope >= 0), which the kernels compute
bit for bit alike fused or not.

Plans are kept per mode of the model (train/eval flags) and input shape; a
batch of another size runs on the same plan (its workspace grows). A change
of the model's structure or of any module attribute (a Dropout's p, a loss's
reduction) makes new plans; a parameter's array replaced (``p.data = t`` of
another shape, ``to(float64)``) too. The optimizer's options are read at
every step (schedulers, ``param_groups`` edits), its state is the eager
step's (``state_dict`` works, eager and compiled steps mix).
"""
from __future__ import annotations

import math
import warnings
from sys import getrefcount
from typing import (TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, Union,
                    cast)

import numpy as np

from . import _C, _record
from . import autograd as _ag
from .nn.module import Module, Parameter, _attributes, _modes, _structure
from .tensor import Tensor, default_generator

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .optim.optimizer import Optimizer, _Call

_make = Tensor._make
_FWD, _LOSS, _BWD, _UPD = _C.PHASE_FORWARD, _C.PHASE_LOSS, _C.PHASE_BACKWARD, _C.PHASE_UPDATE
_ALL = _FWD | _LOSS | _BWD | _UPD
# the columns of StepPlan.hyper a planned step writes between rows
_STEP, _FIRST = _C.HYPER_COLUMNS.index("step"), _C.HYPER_COLUMNS.index("first")

# the elementwise ops the recorder knows: whether the eager backward takes the
# derivative from the op's input (else from its output)
_ACTIVATIONS = {"relu": False, "sigmoid": False, "tanh": False, "leaky_relu": True,
                "gelu": True, "softplus": True}
_RECORDED = ("it records Linear, the activations, Dropout, Flatten/reshape/view, Sequential "
             "and one loss")


# what a plan's forward returns when the parameters are other arrays now
_MOVED = object()


class Unplannable(Exception):
    """Why a model (with its loss and optimizer) cannot be planned: the
    message names the first thing the planner could not take."""


class NonFiniteLoss(FloatingPointError):
    """A step's loss is NaN or infinite: nothing was updated.

    Parameters
    ----------
    value : float
        The loss.

    Attributes
    ----------
    value : float
        The loss.
    """

    def __init__(self, value: float) -> None:
        super().__init__(f"loss is {value}: no parameter was updated")
        self.value = value


# ---- recording one forward ---------------------------------------------------------

class _Op:
    """One recorded op: its kind, its parameters, the shapes in and out."""
    __slots__ = ("kind", "params", "in_shape", "out_shape")

    def __init__(self, kind: str, params: Dict[str, Any], in_shape: Tuple[int, ...],
                 out_shape: Tuple[int, ...]) -> None:
        self.kind, self.params, self.in_shape, self.out_shape = kind, params, in_shape, out_shape


def _shape(t: object) -> Tuple[int, ...]:
    return tuple(t._data.shape) if isinstance(t, Tensor) else tuple(np.shape(cast(Any, t)))


class Recorder:
    """What one forward and its loss ran, while it is a chain.

    The ops of fastnn report themselves here (see fastnn._record) while this
    recorder is active: ``op(kind, input, output, **params)`` for a layer or
    activation, ``alias(old, new)`` when an in-place op hands back its input
    in place of its result, ``loss(...)`` for the loss; ``sequential(seq, x)``
    runs an nn.Sequential layer by layer as its forward fuses them. The first
    op whose input is not the output of the op before it (or of the forward's
    input, for the first) ends the chain: ``problem`` says where.

    Parameters
    ----------
    x : Tensor
        The forward's input.
    target : object
        The loss's target (the step's y), or None for a forward alone.
    names : dict
        id(parameter) -> its name in the model, for the messages.
    """

    def __init__(self, x: Tensor, target: object, names: Dict[int, str]) -> None:
        self.value: object = x
        self.target = target
        self.names = names
        self.ops: List[_Op] = []
        self.loss_op: Optional[_Op] = None
        self.problem: Optional[str] = None

    def _describe(self, kind: str, params: Dict[str, Any]) -> str:
        if kind == "linear":
            name = self.names.get(id(params.get("weight")))
            if not name:
                return "a linear op"
            return f"the Linear layer '{name[:-7] if name.endswith('.weight') else name}'"
        return {"reshape": "a reshape"}.get(kind, kind)

    def _gap(self, kind: str, params: Dict[str, Any]) -> str:
        before = self._describe(self.ops[-1].kind, self.ops[-1].params) if self.ops else None
        where = f"after {before}" if before else "on the forward's input"
        return (f"{self._describe(kind, params)} does not take the output of the op before it "
                f"({where}): an operation the planner does not record runs between them "
                f"({_RECORDED})")

    def op(self, kind: str, src: object, dst: object, **params: Any) -> None:
        """Record an op of `kind` that made `dst` from `src`."""
        if self.problem is not None:
            return
        if self.loss_op is not None:
            self.problem = f"{self._describe(kind, params)} runs after the loss"
        elif src is not self.value:
            self.problem = self._gap(kind, params)
        else:
            self.ops.append(_Op(kind, params, _shape(src), _shape(dst)))
            self.value = dst

    def alias(self, old: object, new: object) -> None:
        """An in-place op returned `new` (its input) holding `old`'s values."""
        if old is self.value:
            self.value = new

    def loss(self, kind: str, input: object, target: object, result: object,
             **params: Any) -> None:
        """Record the loss `kind` of `input` against `target`."""
        if self.problem is not None:
            return
        if self.loss_op is not None:
            self.problem = "the loss function computes two losses"
        elif input is not self.value:
            self.problem = self._gap(kind, params)
        elif self.target is None:
            self.problem = f"the forward computes a loss ({kind})"
        elif target is not self.target:
            self.problem = (f"the loss ({kind}) is not taken against the step's y itself (a "
                            "converted or computed target)")
        else:
            self.loss_op = _Op(kind, params, _shape(input), _shape(result))
            self.value = result

    def sequential(self, seq: Any, x: Any) -> Any:
        """Run nn.Sequential `seq` on x layer by layer, a Linear and the
        activation it fuses with as one F.linear (as its forward does)."""
        from .nn import functional as F
        for step in seq._plan():
            if type(step) is list:
                for m, act in step:
                    x = F.linear(x, m.weight, m.bias, act.fused if act is not None else None,
                                 act.slope if act is not None else 0.01)
            else:
                x = step(x)
        return x


# ---- from the recording to a plan's description -----------------------------------

class _Chain:
    """A recorded chain in the form of a plan: the layers (dicts as
    _C.StepPlan takes them, parameters as Parameters), the shapes, the
    parameters used, the loss."""

    layers: List[Dict[str, Any]]
    dtype: np.dtype[Any]
    in_shape: Tuple[int, ...]       # the input's shape past the batch dimension
    out_shape: Tuple[int, ...]      # the output's
    params: List[Parameter]         # each layer's weight and bias, in order
    loss: Optional[Dict[str, Any]]
    seeds: List[int]                # the dropout seeds the recorded forward drew
    output: NDArray[Any]            # what the recorded forward gave


def _features(shape: Tuple[int, ...]) -> int:
    return int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1


def _chain(rec: Recorder, x: NDArray[Any]) -> _Chain:
    """The plan's description of what `rec` recorded on input x."""
    if rec.problem is not None:
        raise Unplannable(rec.problem)
    if not rec.ops:
        raise Unplannable(f"the forward runs no op the planner records ({_RECORDED})")
    M = x.shape[0]
    layers: List[Dict[str, Any]] = []
    params: List[Parameter] = []
    seeds: List[int] = []
    dtype = x.dtype
    for op in rec.ops:
        if not op.out_shape or op.out_shape[0] != M:
            raise Unplannable(f"{rec._describe(op.kind, op.params)} does not keep the batch "
                              f"dimension ({op.in_shape} -> {op.out_shape})")
        if op.kind == "reshape":
            continue
        if op.kind == "linear":
            if len(op.in_shape) != 2:
                raise Unplannable(f"{rec._describe(op.kind, op.params)} takes a "
                                  f"{len(op.in_shape)}-d input (the plan's Linear layers take "
                                  "(batch, features))")
            w, b = op.params["weight"], op.params["bias"]
            for t, what in ((w, "weight"), (b, "bias")):
                if t is None and what == "bias":
                    continue
                if not isinstance(t, Parameter) or id(t) not in rec.names:
                    raise Unplannable(f"the {what} of {rec._describe(op.kind, op.params)} is not "
                                      "a parameter of the model")
                params.append(t)
            act = op.params["activation"]
            layers.append({"kind": "linear", "weight": w, "bias": b, "activation": act,
                           "negative_slope": float(op.params["negative_slope"])})
            dtype = w._data.dtype
        elif op.kind == "dropout":
            layers.append({"kind": "dropout", "p": float(op.params["p"]),
                           "features": _features(op.in_shape)})
            seeds.append(int(op.params["seed"]))
        elif op.kind in _ACTIVATIONS:
            spec: Dict[str, Any] = {"kind": "act", "activation": op.kind,
                                    "features": _features(op.in_shape),
                                    "from_input": _ACTIVATIONS[op.kind]}
            if op.kind == "leaky_relu":
                spec["negative_slope"] = float(op.params["negative_slope"])
            elif op.kind == "gelu":
                spec["activation"] = "gelu" if op.params["approximate"] == "none" else "gelu_tanh"
            elif op.kind == "softplus":
                spec["beta"] = float(op.params["beta"])
                spec["threshold"] = float(op.params["threshold"])
            layers.append(spec)
        else:                                   # pragma: no cover - the recorder's kinds
            raise Unplannable(f"an op the planner does not know ({op.kind})")
    if not any(spec["kind"] == "linear" for spec in layers):
        raise Unplannable("the forward has no Linear layer")
    if len({id(p) for p in params}) != len(params):
        raise Unplannable("a parameter is used by two layers (tied weights: its gradient is a "
                          "sum the plan does not form)")
    if x.dtype != dtype or any(p._data.dtype != dtype for p in params):
        raise Unplannable(f"the input ({x.dtype}) and the parameters are not of one float dtype")
    out = rec.ops[-1].out_shape
    chain = _Chain()
    chain.layers, chain.dtype, chain.params, chain.seeds = _fuse(layers), dtype, params, seeds
    chain.in_shape, chain.out_shape = tuple(x.shape[1:]), tuple(out[1:])
    chain.loss = _loss_spec(rec.loss_op, dtype) if rec.loss_op is not None else None
    return chain


def _fuse(layers: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A Linear without activation followed by a ReLU, or a LeakyReLU of
    negative slope >= 0, as one Linear with that activation: the kernels give
    the same bits either way (forward and backward), in one pass less."""
    out: List[Dict[str, Any]] = []
    for spec in layers:
        prev = out[-1] if out else None
        if prev is not None and prev["kind"] == "linear" and prev["activation"] is None and \
                spec["kind"] == "act" and (spec["activation"] == "relu" or (
                    spec["activation"] == "leaky_relu" and spec["negative_slope"] >= 0)):
            prev["activation"] = spec["activation"]
            prev["negative_slope"] = spec.get("negative_slope", 0.01)
            continue
        out.append(dict(spec))
    return out


def _loss_spec(op: _Op, dtype: np.dtype[Any]) -> Dict[str, Any]:
    """The plan's loss from the recorded loss op."""
    p = op.params
    if op.kind == "cross_entropy":
        if len(op.in_shape) != 2:
            raise Unplannable(f"the cross-entropy takes a {len(op.in_shape)}-d input")
        w = p["weight"]
        return {"kind": "cross_entropy", "reduction": p["reduction"],
                "weight": None if w is None else np.ascontiguousarray(w, dtype=dtype),
                "ignore_index": int(p["ignore_index"]),
                "label_smoothing": float(p["label_smoothing"])}
    spec = {"kind": op.kind, "reduction": p["reduction"], "delta": float(p.get("delta", 1.0))}
    if op.kind == "bce_with_logits":
        spec["weight"], spec["pos_weight"] = p["weight"], p["pos_weight"]
    return spec


# ---- recording, with the model's state kept --------------------------------------

def _param_names(model: Module) -> Dict[int, str]:
    return {id(p): name for name, p in model.named_parameters()}


def _record_forward(model: Module, X: Tensor, y: object = None,
                    loss_fn: Optional[Callable[[Any, Any], Any]] = None) -> Tuple[Recorder, Any]:
    """Run model(X) (and loss_fn on it and y) under no_grad with the
    recorder on; fastnn's generator is left as it was (the forward's dropout
    draws are recorded, not spent). Returns the recorder and the forward's
    output."""
    gen = default_generator()
    state = gen.bit_generator.state
    rec = Recorder(X, y if loss_fn is not None else None, _param_names(model))
    prev = _record.active[0]
    _record.active[0] = rec
    try:
        with _ag.no_grad():
            out = model(X)
            if loss_fn is not None and isinstance(out, Tensor):
                loss_fn(out, y)
    finally:
        _record.active[0] = prev
        gen.bit_generator.state = state
    return rec, out


def _plan_chain(model: Module, x: NDArray[Any], y: object = None,
                loss_fn: Optional[Callable[[Any, Any], Any]] = None) -> _Chain:
    """Record one forward of `model` on x (and its loss) and describe it."""
    X = _make(x)
    try:
        rec, out = _record_forward(model, X, y, loss_fn)
    except Exception as e:      # the forward fails here as it will eagerly: say so
        raise Unplannable(f"the forward raised {type(e).__name__}: {e}") from None
    if rec.problem is None and loss_fn is None and out is not rec.value:
        rec.problem = ("the forward's result is not the output of the last op the planner "
                       f"records: an operation it does not record makes it ({_RECORDED})")
    if rec.problem is None and loss_fn is not None and rec.loss_op is None:
        rec.problem = ("the loss function runs no loss the planner knows (CrossEntropyLoss, "
                       "MSELoss, L1Loss, HuberLoss, BCEWithLogitsLoss or their functions) on "
                       "the forward's output")
    if not isinstance(out, Tensor):
        raise Unplannable(f"the forward returns {type(out).__name__}, not a Tensor")
    chain = _chain(rec, x)
    chain.output = out._data
    return chain


def _verify(chain: _Chain, sp: Any, x: NDArray[Any]) -> None:
    """The plan's forward on the recorded batch gives the recorded output,
    bit for bit (else something ran that the recorder did not see)."""
    out = np.empty((x.shape[0], sp.out_features), dtype=chain.dtype)
    seeds = np.array(chain.seeds, dtype=np.uint64)
    with np.errstate(all="ignore"):
        sp.run(np.ascontiguousarray(x), None, None, None, None, 0, seeds, _FWD, out)
    if out.tobytes() != np.ascontiguousarray(chain.output).tobytes():
        raise Unplannable("the planned forward does not give the recorded forward's bits: the "
                          "forward does something the recorder does not see (an in-place "
                          "operation, say)")


def _layer_specs(chain: _Chain, grads: Dict[int, NDArray[Any]]) -> List[Dict[str, Any]]:
    """The chain's layers as _C.StepPlan takes them: arrays, and each
    parameter's gradient buffer from `grads` (id(param) -> array or None)."""
    out = []
    for spec in chain.layers:
        s = dict(spec)
        if s["kind"] == "linear":
            w, b = s["weight"], s["bias"]
            s["weight"] = w._data
            s["grad_weight"] = grads.get(id(w))
            s["bias"] = None if b is None else b._data
            s["grad_bias"] = None if b is None else grads.get(id(b))
        out.append(s)
    return out


# ---- what a model's plans depend on -----------------------------------------------

class _Watch:
    """The state of a model a plan was made for: its structure and attribute
    counters, its modules' train/eval flags. key() is the flags (plans are
    kept per flags); changed() says when every plan must be made again."""

    def __init__(self, model: Module) -> None:
        self.model = model
        self.reset()

    def reset(self) -> None:
        self.structure, self.attributes = _structure[0], _attributes[0]
        self.modules = list(self.model.modules())

    def changed(self) -> bool:
        return self.structure != _structure[0] or self.attributes != _attributes[0]

    def key(self) -> Tuple[bool, ...]:
        return tuple([m.training for m in self.modules])

    def plan_key(self, x: NDArray[Any], plans: Dict[Any, Any]) -> Tuple[Any, ...]:
        """The key of x's plan in `plans` (the model's flags, x's dtype and
        shape past the batch), `plans` emptied first when the model changed."""
        if self.changed():
            self.reset()
            plans.clear()
        return (self.key(), x.dtype, x.shape[1:])


def _unwrap(v: object) -> object:
    return v._data if isinstance(v, Tensor) else v


def _dropout_seeds(n: int) -> Optional[NDArray[Any]]:
    """The seeds of n dropout layers, drawn from fastnn's generator as n
    eager dropout calls draw theirs (one draw of [0, 2**63) each, in order:
    the same values and the same generator state as n scalar draws)."""
    return default_generator().integers(0, 2 ** 63, size=n, dtype=np.uint64) if n else None


# ---- compile(model): the inference plan ---------------------------------------------

class CompiledModule(Module):
    """A model whose forward under ``no_grad`` is one call of a plan.

    What ``fastnn.compile(model)`` returns, as torch.compile's
    OptimizedModule: the model is its submodule ``_orig_mod`` (so its
    parameters, ``train()``/``eval()`` and ``state_dict()`` -- with the
    ``_orig_mod.`` prefix, as PyTorch's -- are the model's). Under
    ``no_grad`` a tensor or a numpy array in gives the same kind out, from
    one C call for any batch size, with the eager forward's bits; while
    autograd records, the model runs eagerly (its gradients are the eager
    ones). A model the planner cannot take runs eagerly: ``reason`` says why.

    Parameters
    ----------
    model : Module
        The model.
    fullgraph : bool
        Raise (RuntimeError) instead of running eagerly when the model
        cannot be planned.
    limit : int
        The most plans kept (one per mode and input shape); past it a new
        shape runs eagerly.

    Attributes
    ----------
    reason : str or None
        Why the last forward ran eagerly (None when it ran on a plan).
    """

    def __init__(self, model: Module, fullgraph: bool = False, limit: int = 8) -> None:
        super().__init__()
        self._orig_mod = model
        object.__setattr__(self, "_fullgraph", fullgraph)
        object.__setattr__(self, "_limit", limit)
        object.__setattr__(self, "_plans", {})
        object.__setattr__(self, "_watch", _Watch(model))
        object.__setattr__(self, "reason", None)
        # (modes, structure, attributes counters, input shape past the batch,
        # dtype, plan) of the last planned call
        object.__setattr__(self, "_last", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """forward(*args, **kwargs), whose result may be an array (an array
        in, under no_grad). The plan of the last call is found again at once
        while nothing it depends on changed."""
        last = self._last
        if last is not None and not kwargs and len(args) == 1 and not _ag._state["enabled"] \
                and last[0] == _modes[0] and last[1] == _structure[0] and \
                last[2] == _attributes[0]:
            X = args[0]
            x = X._data if isinstance(X, Tensor) else X
            if type(x) is np.ndarray and x.shape[1:] == last[3] and x.dtype == last[4]:
                out = last[5].forward(x)
                if out is not None and out is not _MOVED:
                    return _make(out) if x is not X else out
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The model's forward: one plan call under no_grad, else eager.

        Parameters
        ----------
        *args, **kwargs
            What the model takes; a plan takes one input, a Tensor or an
            array (N, ...) of the parameters' float dtype.

        Returns
        -------
        Tensor or numpy.ndarray
            What the model returns; an array for an array under no_grad.
        """
        model = self._orig_mod
        if _ag.is_grad_enabled() or kwargs or len(args) != 1:
            return model(*args, **kwargs)
        X = args[0]
        x = _unwrap(X)
        if type(x) is not np.ndarray or x.ndim < 1 or x.shape[0] < 1:
            return self._eager(X, "the input is not a Tensor or array of at least one row")
        key = self._watch.plan_key(x, self._plans)
        entry = self._plans.get(key)
        if entry is None:
            entry = self._make(x) if len(self._plans) < self._limit else (
                f"{self._limit} plans are made already (recompile_limit)")
            self._plans[key] = entry
        if isinstance(entry, str):
            return self._eager(X, entry)
        out = entry.forward(x)
        if out is _MOVED:                   # parameters moved: plan again next time
            self._plans.clear()
            object.__setattr__(self, "_last", None)
        if out is None or out is _MOVED:    # or an input the plan does not take as it is
            return self._eager(X, None)
        object.__setattr__(self, "reason", None)
        object.__setattr__(self, "_last", (_modes[0], _structure[0], _attributes[0],
                                           x.shape[1:], x.dtype, entry))
        return _make(out) if isinstance(X, Tensor) else out

    def _make(self, x: NDArray[Any]) -> Union[str, _Inference]:
        try:
            return _Inference(self._orig_mod, x)
        except Unplannable as e:
            return str(e)

    def _eager(self, X: Any, reason: Optional[str]) -> Any:
        if reason is not None:
            if self._fullgraph:
                raise RuntimeError(f"fastnn.compile(fullgraph=True): the model cannot be "
                                   f"planned: {reason}")
            object.__setattr__(self, "reason", reason)
        out = self._orig_mod(X if isinstance(X, Tensor) else _make(np.asarray(X)))
        if isinstance(X, Tensor) or not isinstance(out, Tensor):
            return out
        return out._data


class _Inference:
    """One inference plan of a model, for one mode and input shape."""

    def __init__(self, model: Module, x: NDArray[Any]) -> None:
        chain = _plan_chain(model, x)
        self.chain = chain
        self.arrays = [(p, p._data) for p in chain.params]
        self.sp = _C.StepPlan(chain.dtype, _features(x.shape), _layer_specs(chain, {}), None,
                              None, [], [])
        _verify(chain, self.sp, x)
        self.ndropout = len(chain.seeds)

    def forward(self, x: NDArray[Any]) -> Any:
        """The output for x; _MOVED when the parameters moved (plan again);
        None for an input the plan does not take as it is (no row, not
        C-contiguous) or while another thread runs this plan: the caller
        then runs the model eagerly."""
        for p, a in self.arrays:
            if p._data is not a:
                return _MOVED
        if x.ndim < 1 or x.shape[0] < 1 or not x.flags.c_contiguous:
            return None
        out = np.empty((x.shape[0],) + self.chain.out_shape, dtype=self.chain.dtype)
        seeds = _dropout_seeds(self.ndropout)
        if self.sp.run(x, None, None, None, None, 0, seeds, _FWD, out) != 0:
            return None
        return out


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: Optional[bool] = None,
            backend: Union[str, Callable[..., Any], None] = None, mode: Optional[str] = None,
            options: Optional[Dict[str, Any]] = None, name: Optional[str] = None,
            disable: bool = False, recompile_limit: Optional[int] = None,
            isolate_recompiles: bool = False,
            shapes_spec: Any = None) -> Any:  # noqa: A001 - PyTorch's name
    """A model whose no-grad forward is one C call, as torch.compile.

    The model's forward is recorded on its first call and planned (see
    fastnn.plan); under ``no_grad`` the returned module runs the plan, one
    call for any batch size, with the eager forward's bits; while autograd
    records it runs the model eagerly. For a training step in one call see
    ``compile_step``. torch.compile's parameters are accepted; what each
    means here:

    Parameters
    ----------
    model : Module, callable or None
        The model. A callable that is not a Module is returned as it is
        (fastnn plans Modules). None: returns a decorator, as torch.compile.
    fullgraph : bool
        Raise (RuntimeError) when the model cannot be planned, as PyTorch
        raises on a graph break, instead of running it eagerly.
    dynamic : bool or None
        Accepted; a plan takes any batch size, and one is made per input
        shape past the batch dimension.
    backend : str, callable or None
        Accepted; fastnn has one backend, its step plans.
    mode : str or None
        Accepted ("default", "reduce-overhead", "max-autotune", ...); there
        is nothing to tune.
    options : dict or None
        Accepted and not used.
    name : str or None
        Accepted and not used.
    disable : bool
        Return the model unchanged.
    recompile_limit : int or None
        The most plans the module keeps (one per mode and input shape);
        past it a new shape runs eagerly. None: 8, PyTorch's default.
    isolate_recompiles : bool
        Accepted; each compiled module keeps its own plans anyway.
    shapes_spec : object
        Accepted and not used.

    Returns
    -------
    CompiledModule
        For a Module: a module wrapping it (``_orig_mod``); its ``reason``
        says why a forward ran eagerly.
    """
    if model is None:
        def decorate(m: Any) -> Any:
            return compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, name=name, disable=disable,
                           recompile_limit=recompile_limit,
                           isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
        return decorate
    if disable or not isinstance(model, Module):
        return model
    if recompile_limit is not None and (isinstance(recompile_limit, bool) or
                                        not isinstance(recompile_limit, int) or
                                        recompile_limit < 1):
        raise ValueError(f"recompile_limit must be a positive int or None, got {recompile_limit!r}")
    return CompiledModule(model, fullgraph=fullgraph, limit=recompile_limit or 8)


# ---- compile_step: the training step -------------------------------------------------

def _ddp_modules(model: Module) -> List[Any]:
    from .nn.parallel import DistributedDataParallel
    return [m for m in model.modules() if isinstance(m, DistributedDataParallel)]


class CompiledStep:
    """One training step in one call: what ``compile_step`` returns.

    ``step(X, y)`` runs ``optimizer.zero_grad()``, ``loss_fn(model(X), y)``,
    its backward, ``clip_grad_norm_(model.parameters(), max_norm)`` (when
    given) and ``optimizer.step()``, and returns the loss (a 0-d tensor):
    one C call on a plan, or eagerly when the model cannot be planned. A
    non-finite loss raises FloatingPointError before anything is updated.

    Parameters
    ----------
    model : Module
        The model, in train mode as the caller left it.
    loss_fn : callable
        ``loss_fn(output, y)``: a loss module or function of fastnn.nn.
    optimizer : Optimizer
        Holds every trainable parameter the forward uses.
    max_norm : float, optional
        Clip the gradients' joint 2-norm to this before the update.
    check_finite : bool
        Raise FloatingPointError on a NaN or infinite loss (nothing updated).
    warn : bool
        Warn once, on first use, when the step runs eagerly.
    backward_of : {None, "mean", "sum"}
        For a loss of reduction 'none': back-propagate the mean (or sum) of
        the per-sample losses, as d2l's training loop does; ``step``
        returns the per-sample losses.

    Attributes
    ----------
    reason : str or None
        Why the last step ran eagerly (None when it ran on a plan).
    correct : int or None
        The last planned step's count of rows whose largest logit is the
        label (cross-entropy with class indices); None otherwise.
    """

    def __init__(self, model: Module, loss_fn: Callable[[Any, Any], Any], optimizer: Optimizer,
                 max_norm: Optional[float] = None, check_finite: bool = True, warn: bool = True,
                 backward_of: Optional[str] = None) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"model must be a fastnn.nn.Module, got {type(model).__name__}")
        if max_norm is not None:
            max_norm = float(max_norm)
            if not max_norm > 0 or not math.isfinite(max_norm):
                raise ValueError(f"max_norm must be a finite number > 0, got {max_norm}")
        if backward_of not in (None, "mean", "sum"):
            raise ValueError(f"backward_of must be None, 'mean' or 'sum', got {backward_of!r}")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.max_norm, self.check_finite, self.backward_of = max_norm, check_finite, backward_of
        self.reason: Optional[str] = None
        self.correct: Optional[int] = None
        self._warn = warn
        self._out: Any = None                     # the last output, or (entry, M) of a plan
        self._entries: Dict[Any, Union[str, _StepEntry]] = {}
        self._watch = _Watch(model)
        # (modes, structure, attributes counters, input shape past the batch, dtype, entry)
        # of the last planned step: the next one with the same finds its plan at once
        self._last: Optional[Tuple[Any, ...]] = None
        self._fixed_reason = None if optimizer.fused() else (
            f"the optimizer {type(optimizer).__name__} updates in Python (the plan runs "
            "fastnn's SGD, Adam, AdamW, Adagrad and RMSprop)")

    @property
    def output(self) -> Optional[Tensor]:
        """The model's output in the last step (a view of the plan's
        workspace, valid until the next step), or None before one."""
        out = self._out
        if isinstance(out, tuple):
            entry, M = out
            return _make(entry.sp.output(M).reshape((M,) + entry.chain.out_shape))
        return cast(Optional[Tensor], out)

    def __call__(self, X: Any, y: Any) -> Tensor:
        """One training step on the batch (X, y).

        Parameters
        ----------
        X : Tensor or numpy.ndarray
            The batch, as the model takes it.
        y : Tensor or numpy.ndarray
            Its targets, as the loss takes them.

        Returns
        -------
        Tensor
            The loss (0-d), or the per-sample losses with ``backward_of``.

        Raises
        ------
        FloatingPointError
            When the loss is NaN or infinite (check_finite); nothing was updated.
        """
        if isinstance(X, Tensor):
            if X.requires_grad:                 # its gradient is the eager step's to make
                return self._eager(X, y, "the batch requires grad")
            x = X._data
        else:
            x = X
        last = self._last
        if last is not None and last[0] == _modes[0] and last[1] == _structure[0] and \
                last[2] == _attributes[0] and type(x) is np.ndarray and \
                x.shape[1:] == last[3] and x.dtype == last[4]:
            entry: Union[str, _StepEntry] = last[5]
        else:
            entry = self._lookup(x, y)
        if type(entry) is _StepEntry:
            loss = entry.step(self, x, y)
            if loss is not None:
                self.reason = None
                return loss
            self._entries.clear()               # parameters moved: plan again next time
            self._last = None
            return self._eager(X, y, None)
        return self._eager(X, y, cast(str, entry))

    def _lookup(self, x: Any, y: Any) -> Union[str, _StepEntry]:
        """The plan for this batch's shape and the model's mode (made on first
        use), or why there is none."""
        if self._fixed_reason is not None:
            return self._fixed_reason
        if type(x) is not np.ndarray or x.ndim < 1 or x.shape[0] < 1:
            return "the batch is not a Tensor or array of at least one row"
        key = self._watch.plan_key(x, self._entries)
        entry = self._entries.get(key)
        if entry is None:
            try:
                entry = _StepEntry(self, x, y)
            except Unplannable as e:
                entry = str(e)
            self._entries[key] = entry
        if type(entry) is _StepEntry:
            self._last = (_modes[0], _structure[0], _attributes[0], x.shape[1:], x.dtype, entry)
        return entry

    def _eager(self, X: Any, y: Any, reason: Optional[str]) -> Tensor:
        """The step as eager code writes it."""
        if reason is not None:
            self.reason = reason
            if self._warn:
                self._warn = False
                warnings.warn(f"fastnn.compile_step: the step runs eagerly: {reason}",
                              RuntimeWarning, stacklevel=3)
        opt, model = self.optimizer, self.model
        opt.zero_grad()
        out = model(X if isinstance(X, Tensor) else _make(np.asarray(X)))
        loss = self.loss_fn(out, y)
        root = loss if self.backward_of is None else (
            loss.mean() if self.backward_of == "mean" else loss.sum())
        if self.check_finite:
            value = float(root.item())
            if not math.isfinite(value):
                raise NonFiniteLoss(value)
        root.backward()
        if self.max_norm is not None:
            from .nn.utils import clip_grad_norm_
            clip_grad_norm_(model.parameters(), self.max_norm)
        opt.step()
        self._out, self.correct = out, None
        return cast(Tensor, loss)


class _Update:
    """One kernel call of the optimizer's update (Optimizer._kernel_calls):
    its keyword arguments, arrays and parameters, the step count it is at,
    its group and the group's options as they were (to see them change)."""
    __slots__ = ("args", "arrays", "params", "step", "group", "seen")

    def __init__(self, call: _Call, step: int, group: Dict[str, Any]) -> None:
        self.args = call[0]
        self.arrays = tuple(None if a is None else a.reshape(-1) for a in call[1:6])
        self.params = call[6]
        self.step = step
        self.group = group
        self.seen = tuple(group.values())


class _StepEntry:
    """The plan of one step for one mode of the model and input shape: the
    recorded chain, where each gradient goes, the update's kernel calls, and
    the StepPlan that runs them."""

    def __init__(self, owner: CompiledStep, x: NDArray[Any], y: Any) -> None:
        model, opt = owner.model, owner.optimizer
        if isinstance(y, Tensor) and y.requires_grad:
            raise Unplannable("the target requires grad")
        chain = _plan_chain(model, x, y, owner.loss_fn)
        loss = cast(Dict[str, Any], chain.loss)
        if loss["reduction"] == "none" and owner.backward_of is None:
            raise Unplannable("the loss has reduction='none' (backward needs a scalar)")
        self.chain, self.owner, self.model, self.opt = chain, owner, model, opt
        self.loss = loss
        # the parameters the plan writes gradients for, and where
        trainable = [p for p in chain.params if p.requires_grad]
        in_opt = {id(p) for g in opt.param_groups for p in g["params"]}
        names = _param_names(model)
        for p in trainable:
            if id(p) not in in_opt:
                raise Unplannable(f"the model's parameter '{names[id(p)]}' is not in the "
                                  "optimizer (eager steps would add up its gradients)")
        self.trainable = trainable
        used = {id(p) for p in trainable}
        self.unused = [p for g in opt.param_groups for p in g["params"] if id(p) not in used]
        self.bufs: List[NDArray[Any]] = []
        for p in trainable:
            home = p._grad_home() if isinstance(p, Parameter) else None
            self.bufs.append(home if home is not None else np.empty(p._data.shape, p._data.dtype))
        self.grads = {id(p): b for p, b in zip(trainable, self.bufs)}
        # per parameter of the chain: (param, its array, its gradient buffer or None)
        self.slots = [(p, p._data, self.grads.get(id(p))) for p in chain.params]
        # the last dimension of the output (the classes of a cross-entropy), 0 for (M,)
        self.cols = chain.out_shape[-1] if chain.out_shape else 0
        # with reduction 'none': the loss values per row (cross-entropy) or per element
        self.per_row = 1 if loss["kind"] == "cross_entropy" else \
            int(np.prod(chain.out_shape, dtype=np.int64))
        self.none = loss["reduction"] == "none"
        self.bce_weights = loss["kind"] == "bce_with_logits" and (
            loss.get("weight") is not None or loss.get("pos_weight") is not None)
        # float targets of the output's shape go to the plan as they are
        self.plain_targets = loss["kind"] != "cross_entropy" and not self.bce_weights
        self.ndropout = len(chain.seeds)
        self.labels = loss["kind"] == "cross_entropy"
        self.split = bool(_ddp_modules(model)) or bool(_ag._post_backward_hooks)
        self.sp: Any = None
        self.updates: Optional[List[_Update]] = None
        self.bound: List[Any] = []
        self.version = -1
        self.state_obj: Any = None
        self.groups: List[Any] = []
        self.bw_cache: Dict[Any, Tuple[Optional[NDArray[Any]], Optional[NDArray[Any]]]] = {}
        # the plan without its update, to check the forward against the recorded one
        probe = _C.StepPlan(chain.dtype, _features(x.shape), _layer_specs(chain, {}), None, None,
                            [], [])
        _verify(chain, probe, x)

    # -- the update: the optimizer's kernel calls, and a plan over them --------------
    def _prepare(self) -> None:
        """Make the update's kernel calls from the optimizer as its step
        would now (state counted and made), and the StepPlan over them when
        they are other arrays than the last plan's."""
        opt = self.opt
        updates: List[_Update] = []
        for g in opt.param_groups:
            for c in opt._kernel_calls(g):
                # the call's step count (its parameters' state "step"), kept beside it
                step = opt.state.get(c[6][0], {}).get("step", 1) if opt._counts_steps else 1
                updates.append(_Update(c, step, g))
        self.updates = updates
        arrays = [u.arrays for u in updates]
        same = self.sp is not None and len(arrays) == len(self.bound) and all(
            all(a is b or (a is not None and b is not None and a.ctypes.data == b.ctypes.data
                           and a.size == b.size) for a, b in zip(u, v))
            for u, v in zip(arrays, self.bound))
        if not same:
            clip = self._clip_order() if self.owner.max_norm is not None else []
            self.sp = _C.StepPlan(self.chain.dtype, _features((1,) + self.chain.in_shape),
                                  _layer_specs(self.chain, self.grads), self.loss,
                                  opt._kind, list(arrays), clip)
            self.bound = arrays
        for i, u in enumerate(updates):
            self.sp.hyper[i] = _hyper_row(u.args)
        self.groups = [(g, g["params"], len(g["params"])) for g in opt.param_groups]
        self.state_obj = opt.state

    def _clip_order(self) -> List[NDArray[Any]]:
        """The gradient buffers in model.parameters() order (clip_grad_norm_'s)."""
        where = {id(p): b for p, b in zip(self.trainable, self.bufs)}
        return [where[id(p)] for p in self.model.parameters() if id(p) in where]

    def _next_args(self, updates: List[_Update]) -> Optional[List[Any]]:
        """Each call's arguments for this step (after a planned one): its step
        counted on, its group's options read again where they changed; the
        plan's rows updated to them. Returns what to commit on success (None:
        nothing changed but the step counts)."""
        opt = self.opt
        counts = opt._counts_steps
        pending: Optional[List[Any]] = None
        for i, u in enumerate(updates):
            seen = tuple(u.group.values())
            if seen == u.seen:
                if counts:
                    self.sp.hyper[i, _STEP] = u.step + 1
                continue
            args = opt._kernel_args(u.group, u.step + 1 if counts else 1, False)
            self.sp.hyper[i] = _hyper_row(args)
            if pending is None:
                pending = [None] * len(updates)
            pending[i] = (args, seen)
        return pending

    # -- one step ----------------------------------------------------------------------
    def step(self, owner: CompiledStep, x: NDArray[Any], y: Any) -> Optional[Tensor]:
        """Run the step on (x, y); None when the parameters moved (the
        caller plans again)."""
        # the gradients go to the plan's buffers, as p.grad (zero_grad and backward)
        for p, a, buf in self.slots:
            if p._data is not a:
                return None
            if buf is not None:
                g = p.grad
                if g is None or g._data is not buf:
                    p.grad = _make(buf)
                elif getrefcount(g) > 3:        # held (besides p.grad and g): it keeps its values
                    g._data = buf.copy()
                    p.grad = _make(buf)
        for p in self.unused:
            if p.grad is not None:
                p.grad = None
        M = x.shape[0] if x.ndim else 0
        if M < 1 or not x.flags.c_contiguous:
            return owner._eager(_make(x), y, None)
        t = y._data if isinstance(y, Tensor) else y
        if type(t) is np.ndarray and t.flags.c_contiguous and (
                (self.labels and t.dtype == np.int64 and t.shape == (M,)) or
                (self.plain_targets and t.dtype == self.chain.dtype and t.shape[0] == M and
                 t.shape[1:] == self.chain.out_shape and
                 not (isinstance(y, Tensor) and y.requires_grad))):
            labels, target, weight, pos_weight, cols = \
                (t, None, None, None, 0) if self.labels else (None, t, None, None, self.cols or M)
        else:
            got = self._targets(y, M)
            if got is None:
                return owner._eager(_make(x), y, None)
            labels, target, weight, pos_weight, cols = got
        seeds = _dropout_seeds(self.ndropout)
        opt = self.opt
        snapshot = pending = None
        updates = self.updates
        # the update's calls still hold: no eager step, state load or group
        # change since the last planned step
        fast = updates is not None and opt._version == self.version and \
            opt.state is self.state_obj and len(opt.param_groups) == len(self.groups)
        if fast:
            for group, (g0, params, n) in zip(opt.param_groups, self.groups):
                if group is not g0 or group["params"] is not params or len(params) != n:
                    fast = False
                    break
        if fast:
            pending = self._next_args(cast(List[_Update], updates))
        else:
            snapshot = {p: dict(st) for p, st in opt.state.items()}
            self._prepare()
        sp = self.sp
        # with reduction 'none', each gradient is scaled as the backward of the
        # losses' mean (1/count, in the dtype, as Tensor.mean's) or sum scales it
        scale = 1.0
        if self.none and owner.backward_of == "mean":
            scale = float(self.chain.dtype.type(1.0 / (M * self.per_row)))
        check, max_norm = owner.check_finite, owner.max_norm or 0.0
        if self.split:
            st = sp.run(x, labels, target, weight, pos_weight, cols, seeds, _FWD | _LOSS | _BWD,
                        None, check, max_norm, scale)
            if st == 0:
                for ddp in _ddp_modules(self.model):
                    ddp._set_pending(True)
                _ag._run_post_backward_hooks()
                opt._check_finite()
                st = sp.run(x, labels, target, weight, pos_weight, cols, seeds, _UPD, None,
                            check, max_norm, scale)
        else:
            st = sp.run(x, labels, target, weight, pos_weight, cols, seeds, _ALL, None, check,
                        max_norm, scale)
        if st != 0:
            if snapshot is not None:            # the state as before this step
                opt.state.clear()
                opt.state.update(snapshot)
                self.updates = None
            self._fail(st, labels)
        if not fast or pending is not None or opt._counts_steps:
            self._commit(fast, pending)
        opt._version += 1                       # a step, as Optimizer.step counts one
        self.version = opt._version
        owner._out = (self, M)
        owner.correct = sp.correct if labels is not None and self.cols > 1 else None
        if self.none:
            return _make(sp.rows(M).reshape((M,) + (() if self.labels else
                                                    self.chain.out_shape)).copy())
        return _make(np.array(sp.loss, self.chain.dtype))

    def _commit(self, fast: bool, pending: Optional[List[Any]]) -> None:
        """After a planned step: the state the optimizer's step leaves (step
        counts), and each call's arguments for the next one."""
        opt = self.opt
        counts = opt._counts_steps
        hyper = self.sp.hyper
        for i, u in enumerate(cast(List[_Update], self.updates)):
            if fast and counts:
                u.step += 1
                step = u.step
                for p in u.params:
                    opt.state[p]["step"] = step
            if pending is not None and pending[i] is not None:
                u.args, u.seen = pending[i]
            if u.args.get("first"):             # SGD's first momentum step is behind
                u.args["first"] = False
                hyper[i, _FIRST] = 0

    def _fail(self, st: int, labels: Optional[NDArray[Any]]) -> None:
        sp = self.sp
        if st == _C.PLAN_BAD_LABEL:
            bad = int(sp.bad_row)
            C = self.chain.out_shape[-1]
            raise ValueError(f"target[{bad}] = {int(cast(Any, labels)[bad])} is out of range: "
                             f"class indices must be in [0, {C}) or "
                             f"ignore_index={self.loss['ignore_index']}")
        if st == _C.PLAN_NONFINITE:
            raise NonFiniteLoss(float(np.array(sp.loss, dtype=self.chain.dtype)))
        raise RuntimeError("fastnn: another thread is running this step")

    def _targets(self, y: Any, M: int) -> Optional[Tuple[Any, Any, Any, Any, int]]:
        """(labels, target, weight, pos_weight, loss_cols) for the plan from
        y, or None when y is not what the plan takes (the eager step then
        raises or converts as it does)."""
        if isinstance(y, Tensor) and y.requires_grad:
            return None
        t = _unwrap(y)
        if type(t) is not np.ndarray:
            return None
        loss, dtype = self.loss, self.chain.dtype
        out_shape = (M,) + self.chain.out_shape
        if self.labels:
            if t.dtype.kind in "iu" and t.ndim == 1 and t.shape[0] == M:
                return np.ascontiguousarray(t, dtype=np.int64), None, None, None, 0
            if t.dtype == dtype and t.shape == out_shape:
                return None, np.ascontiguousarray(t), None, None, 0
            return None
        if t.shape != out_shape:
            return None
        if t.dtype != dtype:
            if t.dtype.kind not in "iub":
                return None
            t = t.astype(dtype)
        t = np.ascontiguousarray(t)
        weight = pos_weight = None
        cols = out_shape[-1] if len(out_shape) > 1 else M
        if loss["kind"] == "bce_with_logits" and (loss["weight"] is not None or
                                                 loss["pos_weight"] is not None):
            cached = self.bw_cache.get(out_shape)
            if cached is None:
                try:
                    w = loss["weight"]
                    weight = None if w is None else np.ascontiguousarray(
                        np.broadcast_to(np.asarray(w, dtype=dtype), out_shape))
                    pw = loss["pos_weight"]
                    pos_weight = None if pw is None else np.ascontiguousarray(
                        np.broadcast_to(np.asarray(pw, dtype=dtype), (cols,)))
                except ValueError:
                    return None
                cached = self.bw_cache[out_shape] = (weight, pos_weight)
            weight, pos_weight = cached
        return None, t, weight, pos_weight, cols


def _hyper_row(args: Dict[str, Any]) -> List[float]:
    """An optimizer call's keyword arguments as a row of StepPlan.hyper."""
    return [float(args.get(k, _DEFAULTS[k])) for k in _C.HYPER_COLUMNS]


_DEFAULTS = {"lr": 0.0, "weight_decay": 0.0, "eps": 0.0, "momentum": 0.0, "dampening": 0.0,
             "beta1": 0.9, "beta2": 0.999, "alpha": 0.99, "lr_decay": 0.0, "step": 1,
             "nesterov": False, "maximize": False, "decoupled": False, "first": False}


def compile_step(model: Module, loss_fn: Callable[[Any, Any], Any], optimizer: Optimizer, *,
                 max_norm: Optional[float] = None, check_finite: bool = True,
                 warn: bool = True) -> CompiledStep:
    """A training step of `model` in one C call: ``step(X, y)``.

    ``step(X, y)`` does what ``optimizer.zero_grad(); loss = loss_fn(model(X),
    y); loss.backward(); optimizer.step()`` does (with
    ``clip_grad_norm_(model.parameters(), max_norm)`` before the update when
    max_norm is given), bit for bit, and returns the loss; ``p.grad`` holds
    the step's gradients afterwards, as after the eager step. The step is
    planned on its first call (see fastnn.plan) and runs eagerly, saying why
    (``step.reason``, and a warning on first use), when the model cannot be.

    Parameters
    ----------
    model : Module
        The model (the mode it is in is the one trained: call train()).
    loss_fn : callable
        A loss module (nn.CrossEntropyLoss(), nn.MSELoss(), ...) or function.
    optimizer : Optimizer
        fastnn's SGD, Adam, AdamW, Adagrad or RMSprop over the model's
        parameters (any groups and options; schedulers work).
    max_norm : float, optional
        Clip the gradients' joint 2-norm to this before each update.
    check_finite : bool
        Raise FloatingPointError, with nothing updated, on a NaN or infinite
        loss.
    warn : bool
        Warn on first use when the step runs eagerly.

    Returns
    -------
    CompiledStep
        ``step(X, y) -> Tensor`` (the loss, 0-d); ``step.reason``,
        ``step.correct``, ``step.output``.
    """
    return CompiledStep(model, loss_fn, optimizer, max_norm=max_norm, check_finite=check_finite,
                        warn=warn)
