"""fastnn.onnx: write a trained model as an ONNX file, for inference
servers and runtimes (onnxruntime, ...).

``export(model, example_input, path)`` runs the model once on the example
input (in eval mode, without recording) and writes the layers it went
through as ONNX nodes, the parameters as initializers, with the ``onnx``
package's helpers (``pip install onnx``, or the extra ``onnx``), then checks the file
with ``onnx.checker``.

Exportable: Linear, ReLU, LeakyReLU, Sigmoid, Tanh, GELU (both forms),
Softplus, Softmax, LogSoftmax, Flatten, Identity, Dropout (eval mode:
nothing), Sequential, and any Module whose forward calls its layers as a
chain (each call's input is the previous call's output; the first takes
the model's input, the last gives its output). Anything else -- a layer of
another kind, arithmetic between layers in a forward -- raises ValueError
naming the first layer that cannot be written.
"""
from __future__ import annotations

import math
import types
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, TypeVar, Union, cast

import numpy as np

from . import _dist
from .autograd import no_grad
from .nn import layers
from .nn.module import Module
from .tensor import Tensor, tensor

if TYPE_CHECKING:
    import os
    from typing import TypeGuard

    from numpy.typing import NDArray

    #: One exported layer: (its dotted name, the layer, its input, its output).
    _Step = tuple[str, Module, Tensor, Tensor]

_M = TypeVar("_M", bound=Module)
_Writer = Callable[["_Graph", Any, str, str, "tuple[int, ...]"], str]

__all__ = ["export", "DEFAULT_OPSET", "EXPORTABLE"]

DEFAULT_OPSET = 17                 # GELU is written with Erf/Tanh below opset 20
MIN_OPSET = 13                     # Softmax over one axis, as PyTorch's dim


def _onnx() -> tuple[types.ModuleType, types.ModuleType, types.ModuleType]:
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError(f"fastnn.onnx needs the onnx package: pip install onnx "
                          f"({_dist.extra_hint('onnx')})") from None
    return onnx, helper, numpy_helper


# ---- which layers the model runs, in order --------------------------------------------

def _keeps_forward(module: Module, cls: type[_M]) -> TypeGuard[_M]:
    """module is a cls whose forward is cls's own (a subclass that changes
    forward is a different computation)."""
    return isinstance(module, cls) and type(module).forward is cls.forward


def _leaf_kind(module: Module) -> Optional[type[Module]]:
    """The exportable layer class module is (keeping that class's forward), or None."""
    for cls in _WRITERS:
        if _keeps_forward(module, cls):
            return cls
    return None


class _CallRecorder:
    """Records the calls a module's forward makes to Modules, one level
    down (Module.__call__ is wrapped for the duration)."""

    calls: list[tuple[Module, tuple[Any, ...], dict[str, Any], Any]]
    depth: int
    original: Callable[..., Any]

    def __init__(self) -> None:
        self.calls, self.depth = [], 0

    def __enter__(self) -> _CallRecorder:
        recorder, original = self, Module.__call__
        self.original = original

        def recording_call(module: Module, *args: Any, **kwargs: Any) -> Any:
            recorder.depth += 1
            try:
                out = original(module, *args, **kwargs)
            finally:
                recorder.depth -= 1
            if recorder.depth == 1:
                recorder.calls.append((module, args, kwargs, out))
            return out
        # (type: ignore: the wrapping of Module.__call__ is deliberate, undone on exit)
        Module.__call__ = recording_call        # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        Module.__call__ = self.original         # type: ignore[method-assign]


def _layer_steps(module: Module, x: Tensor, name: str) -> tuple[list[_Step], Tensor]:
    """[(name, layer, input, output)] of the exportable layers the module
    runs on x, in order, and its output."""
    kind = _leaf_kind(module)
    if kind is not None:
        y = module(x)
        return [(name, module, x, y)], y
    if type(module) is layers.Sequential or _keeps_forward(module, layers.Sequential):
        steps: list[_Step] = []
        for child_name, child in module._modules.items():
            # (a child registered as None is not a layer: it fails in _traced_steps)
            more, x = _layer_steps(cast(Module, child), x,
                                   f"{name}.{child_name}" if name else child_name)
            steps += more
        return steps, x
    return _traced_steps(module, x, name)


def _traced_steps(module: Module, x: Tensor, name: str) -> tuple[list[_Step], Tensor]:
    label = f"'{name}' ({type(module).__name__})" if name else type(module).__name__
    if not module._modules:
        raise ValueError(f"fastnn.onnx.export: cannot export layer {label}: exportable layers "
                         f"are {', '.join(EXPORTABLE)} and Modules whose forward calls them "
                         f"in a chain")
    rec = _CallRecorder()
    with rec:
        rec.depth = 1                   # the module itself sits at depth 1; its calls below
        y = type(module).forward(module, x)
    names = {id(m): n for n, m in module._modules.items()}
    steps: list[_Step] = []
    current, previous = x, x                # previous: the recorded output of the last call
    for called, args, kwargs, out in rec.calls:
        child = names.get(id(called))
        where = f"{name}.{child}" if name and child else (child or type(called).__name__)
        if child is None:
            raise ValueError(f"fastnn.onnx.export: {label} calls {type(called).__name__}, which "
                             f"is not one of its layers; cannot export")
        if kwargs or len(args) != 1 or args[0] is not previous:
            raise ValueError(f"fastnn.onnx.export: cannot export {label}: its forward is not a "
                             f"chain of its layers (layer '{where}' does not take the previous "
                             f"layer's output as its only argument)")
        more, current = _layer_steps(called, current, where)
        steps += more
        previous = out
    if y is not previous:
        after = f"after layer '{steps[-1][0]}'" if steps else "with no layer"
        raise ValueError(f"fastnn.onnx.export: cannot export {label}: its forward computes "
                         f"more than a chain of its layers (its output is not the last "
                         f"layer's output; arithmetic {after})")
    return steps, y


# ---- ONNX nodes of each layer ------------------------------------------------------

class _Graph:
    """Nodes and initializers, with fresh value names."""

    nodes: list[Any]                   # onnx NodeProtos
    initializers: list[Any]            # onnx TensorProtos
    params: dict[tuple[int, bool], str]
    count: int

    def __init__(self, helper: Any, numpy_helper: Any, dtype: np.dtype[Any], opset: int) -> None:
        self.helper, self.numpy_helper, self.dtype, self.opset = helper, numpy_helper, dtype, opset
        self.nodes, self.initializers, self.params, self.count = [], [], {}, 0

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def node(self, op: str, inputs: list[str], hint: str, **attrs: Any) -> str:
        out = self.fresh(hint)
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def constant(self, value: float, hint: str) -> str:
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(value, self.dtype), name))
        return name

    def parameter(self, array: NDArray[Any], name: str, transpose: bool = False) -> str:
        key = (id(array), transpose)
        if key not in self.params:
            data = np.ascontiguousarray(array.T if transpose else array)
            self.initializers.append(self.numpy_helper.from_array(data, name))
            self.params[key] = name
        return self.params[key]


def _linear(g: _Graph, layer: layers.Linear, x: str, name: str, rank: int) -> str:
    w = layer.weight.detach().numpy()
    b = None if layer.bias is None else layer.bias.detach().numpy()
    if rank == 2:
        inputs = [x, g.parameter(w, f"{name}.weight")]
        if b is not None:
            inputs.append(g.parameter(b, f"{name}.bias"))
        return g.node("Gemm", inputs, name, transB=1)
    y = g.node("MatMul", [x, g.parameter(w, f"{name}.weight_t", transpose=True)], name)
    return y if b is None else g.node("Add", [y, g.parameter(b, f"{name}.bias")], name)


def _gelu(g: _Graph, layer: layers.GELU, x: str, name: str) -> str:
    if g.opset >= 20:
        return g.node("Gelu", [x], name, approximate=layer.approximate)
    if layer.approximate == "tanh":        # ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        cube = g.node("Mul", [g.node("Mul", [x, x], name), x], name)
        inner = g.node("Add", [x, g.node("Mul", [cube, g.constant(0.044715, "c")], name)], name)
        t = g.node("Tanh", [g.node("Mul", [inner, g.constant(math.sqrt(2 / math.pi), "c")], name)],
                   name)
    else:                                  # ½x(1 + erf(x/√2))
        t = g.node("Erf", [g.node("Mul", [x, g.constant(1 / math.sqrt(2), "c")], name)], name)
    one_plus = g.node("Add", [t, g.constant(1.0, "one")], name)
    return g.node("Mul", [g.node("Mul", [x, one_plus], name), g.constant(0.5, "half")], name)


def _softplus(g: _Graph, layer: layers.Softplus, x: str, name: str) -> str:
    """PyTorch's: log(1 + exp(βx))/β, and x itself where βx > threshold."""
    beta, threshold = float(layer.beta), float(layer.threshold)
    bx = x if beta == 1 else g.node("Mul", [x, g.constant(beta, "beta")], name)
    sp = g.node("Softplus", [bx], name)
    sp = sp if beta == 1 else g.node("Div", [sp, g.constant(beta, "beta")], name)
    above = g.node("Greater", [bx, g.constant(threshold, "threshold")], name)
    return g.node("Where", [above, x, sp], name)


def _flatten(g: _Graph, layer: layers.Flatten, x: str, name: str, in_shape: tuple[int, ...]) -> str:
    rank = len(in_shape)
    start, end = layer.start_dim % max(rank, 1), layer.end_dim % max(rank, 1)
    if start == 1 and end == rank - 1:
        return g.node("Flatten", [x], name, axis=1)
    # Reshape: dims before start kept (0 copies the batch dim), start..end
    # merged into -1, the others as the example had them
    shape = [0 if i == 0 else in_shape[i] for i in range(start)] + [-1] + \
        [in_shape[i] for i in range(end + 1, rank)]
    target = g.fresh(f"{name}_shape")
    g.initializers.append(g.numpy_helper.from_array(np.asarray(shape, np.int64), target))
    return g.node("Reshape", [x, target], name)


def _same(op: str) -> _Writer:
    """A layer written as one ONNX node of the same name, no attributes."""
    return lambda g, layer, x, name, shape: g.node(op, [x], name)


def _softmax(g: _Graph, layer: layers.Softmax, x: str, name: str, shape: tuple[int, ...]) -> str:
    op = "LogSoftmax" if isinstance(layer, layers.LogSoftmax) else "Softmax"
    return g.node(op, [x], name, axis=-1 if layer.dim is None else int(layer.dim))


def _passes(g: _Graph, layer: Module, x: str, name: str, shape: tuple[int, ...]) -> str:
    return x                              # Identity, and Dropout in eval mode


# The exportable layers and how each is written: (graph, layer, its input's
# value name, the layer's name, its input's shape) -> its output's value name.
# LogSoftmax before Softmax (a subclass); a subclass that changes forward is
# none of these.
_WRITERS: dict[type[Module], _Writer] = {
    layers.Linear: lambda g, layer, x, name, shape: _linear(g, layer, x, name, len(shape)),
    layers.ReLU: _same("Relu"),
    layers.LeakyReLU: lambda g, layer, x, name, shape: g.node(
        "LeakyRelu", [x], name, alpha=float(layer.negative_slope)),
    layers.Sigmoid: _same("Sigmoid"),
    layers.Tanh: _same("Tanh"),
    layers.GELU: lambda g, layer, x, name, shape: _gelu(g, layer, x, name),
    layers.Softplus: lambda g, layer, x, name, shape: _softplus(g, layer, x, name),
    layers.LogSoftmax: _softmax,
    layers.Softmax: _softmax,
    layers.Flatten: lambda g, layer, x, name, shape: _flatten(g, layer, x, name, shape),
    layers.Identity: _passes,
    layers.Dropout: _passes,
}

#: The names of the layers export writes (and Sequential, walked layer by layer).
EXPORTABLE = tuple(cls.__name__ for cls in _WRITERS) + ("Sequential",)


# ---- export ---------------------------------------------------------------------

def _names(names: Optional[Sequence[str]], default: str, what: str) -> list[str]:
    if names is None:
        return [default]
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or len(names) != 1 \
            or not isinstance(names[0], str) or not names[0]:
        raise ValueError(f"{what} must be a list of one non-empty name (the model has one "
                         f"{what.split('_')[0]}), got {names!r}")
    return list(names)


def export(model: Module, example_input: Union[Tensor, NDArray[Any]],
           path: Union[str, os.PathLike[str]], input_names: Optional[Sequence[str]] = None,
           output_names: Optional[Sequence[str]] = None, dynamic_batch: bool = True,
           opset: Optional[int] = None) -> Any:
    """Write ``model`` as an ONNX file at ``path`` and return the ONNX ModelProto.

    The ModelProto is checked with ``onnx.checker``. The model runs once on
    the example input (in eval mode, without recording; each module's mode
    is restored afterwards) and the layers it went through are written as
    ONNX nodes, the parameters as initializers.

    Parameters
    ----------
    model : fastnn.nn.Module
        Built from the layers in ``EXPORTABLE`` (Sequential, or a Module whose
        forward calls its layers in a chain).
    example_input : Tensor or numpy.ndarray
        One batch, float32 or float64 (the file's element type), shape
        (batch, ...). The model runs on it once, in eval mode, without recording.
    path : str or os.PathLike
        Where to write the ``.onnx`` file.
    input_names, output_names : list of one str, optional
        The graph's input and output names (default ``["input"]``, ``["output"]``).
    dynamic_batch : bool
        True: the first dimension is named ``batch`` and any batch size runs;
        False: the example's batch size is fixed in the file.
    opset : int, optional
        The ONNX operator set (default 17; at least 13, at most the installed
        onnx's newest). GELU is one node from 20 on, Erf/Tanh arithmetic below.

    Returns
    -------
    onnx.ModelProto
        The model written, checked with ``onnx.checker`` (full check).

    Raises
    ------
    ValueError
        Naming the first layer that cannot be exported; also for a bad
        opset or input/output names.
    TypeError
        For a model that is not a Module or an input that is not a float array.
    ImportError
        When the onnx package is missing.
    """
    onnx, helper, numpy_helper = _onnx()
    if not isinstance(model, Module):
        raise TypeError(f"model must be a fastnn.nn.Module, got {type(model).__name__}")
    x = example_input if isinstance(example_input, Tensor) else tensor(example_input)
    if x.dtype not in (np.float32, np.float64) or x.ndim < 1:
        raise TypeError(f"example_input must be a float32 or float64 batch (batch, ...), got "
                        f"{x.dtype} of shape {tuple(x.shape)}")
    input_names = _names(input_names, "input", "input_names")
    output_names = _names(output_names, "output", "output_names")
    latest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset is None else opset
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= latest:
        raise ValueError(f"opset must be an int in [{MIN_OPSET}, {latest}] (the installed onnx's "
                         f"newest), got {opset!r}")
    modes = OrderedDict((m, m.training) for m in model.modules())
    model.eval()
    try:
        with no_grad():
            steps, y = _layer_steps(model, x, "")
    finally:
        for m, training in modes.items():
            m.training = training
    dtype = np.dtype(x.dtype)
    g = _Graph(helper, numpy_helper, dtype, opset)
    value = input_names[0]
    for name, layer, inp, _ in steps:
        kind = _leaf_kind(layer)
        assert kind is not None                        # _layer_steps recorded only these
        value = _WRITERS[kind](g, layer, value, name or type(layer).__name__, tuple(inp.shape))
    g.nodes.append(helper.make_node("Identity", [value], output_names, name="output"))
    elem = helper.np_dtype_to_tensor_dtype(dtype)

    def io(name: str, shape: Sequence[int]) -> Any:
        dims = ["batch" if dynamic_batch and i == 0 else int(d) for i, d in enumerate(shape)]
        return helper.make_tensor_value_info(name, elem, dims)
    graph = helper.make_graph(g.nodes, type(model).__name__, [io(input_names[0], x.shape)],
                              [io(output_names[0], y.shape)], g.initializers)
    proto = helper.make_model(graph, producer_name="fastnn",
                              opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = min(proto.ir_version, 10)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, path)
    return proto
