"""Define-by-run reverse-mode autograd: each differentiable op records one
Node holding what its backward needs; Tensor.backward() walks the nodes in
reverse topological order once.

A Node subclass implements ``backward(grad)`` returning one gradient (a numpy
array or None) per entry of ``inputs``; the engine (run_backward) alone puts
gradients into ``.grad``: those reaching a leaf tensor that requires grad are
added into it (accumulating across calls, as in PyTorch); non-leaf tensors
keep theirs only after ``retain_grad()``. A node whose kernel can write a
leaf's gradient in place (Linear's) says so with ``writes_leaf_grads`` and is
handed the buffers by the engine.

This module imports nothing from fastnn: tensors reach it as objects with
``_data``, ``grad``, ``requires_grad``, ``_node``, ``_retain``, ``_make`` and
``_grad_home`` (where a parameter's gradient lives in the arena). The one
import of fastnn.tensor_base below is for the type checker only (under
``TYPE_CHECKING``, never executed).
"""
from __future__ import annotations

import functools
import itertools
import sys
import weakref
from heapq import heappop, heappush
from sys import getrefcount
from typing import (TYPE_CHECKING, Any, Callable, ClassVar, Dict, Iterable, List, Optional,
                    Sequence, Tuple, TypeVar, cast)

import numpy as np

if TYPE_CHECKING:
    from typing import Literal

    import numpy.typing as npt

    from .tensor_base import TensorBase

    # where a node's kernel may write a leaf's gradient: (buffer or None, accumulate)
    Sink = Tuple[Optional[npt.NDArray[Any]], bool]

_F = TypeVar("_F", bound=Callable[..., Any])
_M = TypeVar("_M", bound="_GradMode")

_state: Dict[str, bool] = {"enabled": True}


def is_grad_enabled() -> bool:
    """Whether ops record the graph now, as torch.is_grad_enabled.

    Returns
    -------
    bool
        False inside ``no_grad`` (unless an ``enable_grad`` inside it turned
        recording back on), True otherwise.
    """
    return _state["enabled"]


class _GradMode:
    """The context manager and decorator behind no_grad and enable_grad: sets
    recording to ``_value`` on entry and restores the previous mode on exit."""
    _value: ClassVar[bool] = True
    _prev: bool

    def __enter__(self: _M) -> _M:
        self._prev = _state["enabled"]
        _state["enabled"] = self._value
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        _state["enabled"] = self._prev
        return False

    def __call__(self, fn: _F) -> _F:
        """Use as a decorator: ``fn`` runs inside this mode.

        Parameters
        ----------
        fn : callable
            Any function.

        Returns
        -------
        callable
            A wrapper of ``fn`` (same name and docstring) that enters a new
            instance of this mode for each call.
        """
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)
        return cast("_F", wrapper)


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no graph.

    As ``torch.no_grad``, e.g. for evaluation or a hand-written SGD step;
    results made inside do not require grad. ``no_grad()`` decorates a
    function too (``@fastnn.no_grad()``); the previous mode comes back on exit.
    """
    _value = False


class enable_grad(_GradMode):
    """Context manager and decorator turning recording back on.

    As ``torch.enable_grad``: inside a ``no_grad`` block, ops record the graph
    again; the previous mode comes back on exit.
    """
    _value = True


_sequence = itertools.count()


class Node:
    """One recorded op. ``inputs``: the input tensors that need a gradient
    (None in the places of those that do not). ``seq`` numbers the nodes in
    the order they were recorded: a tensor's producer always comes before its
    consumers, except after an in-place op rebased the tensor (see
    ``rebase_in_place``)."""
    __slots__ = ("inputs", "freed", "seq")
    inputs: Tuple[Optional[TensorBase], ...]
    freed: bool
    seq: int
    # True: backward(grad, sinks) gets, per input, None or a leaf's gradient
    # buffer (buffer, accumulate) to write into, and returns WRITTEN for it
    writes_leaf_grads: ClassVar[bool] = False

    def __init__(self, inputs: Tuple[Any, ...]) -> None:
        self.inputs = inputs
        self.freed = False
        self.seq = next(_sequence)

    def backward(self, *args: Any, **kwargs: Any) -> Sequence[Any]:  # pragma: no cover
        """The gradients of the node's inputs (every op overrides it).

        ``backward(grad)``: grad is the gradient of the node's output (an
        array of its shape and dtype); returns one gradient per entry of
        ``inputs``, an array shaped like that input or None. A class with
        ``writes_leaf_grads`` takes ``backward(grad, sinks)`` and may return
        WRITTEN for an input whose sink it wrote.

        Parameters
        ----------
        *args : Any
            ``grad`` (numpy.ndarray, the output's shape and dtype), then, with
            ``writes_leaf_grads``, ``sinks``: per input, None or a leaf's
            gradient buffer ``(buffer or None, accumulate)``.
        **kwargs : Any
            Not used by the engine.

        Returns
        -------
        sequence
            Per entry of ``inputs``: a numpy.ndarray, None, or WRITTEN.
        """
        raise NotImplementedError

    def release(self) -> None:
        """Drop what backward needs (after a backward without retain_graph).
        Each subclass gets its own (see __init_subclass__)."""
        self.freed = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "release" not in cls.__dict__:
            setattr(cls, "release", _release_for(cls.__slots__))  # noqa: B010 - a method is made

    @property
    def name(self) -> str:
        """The node's class name (``MulBackward``)."""
        return type(self).__name__

    # PyTorch's name for the node of the same op, shown in a tensor's repr
    # (grad_fn=<MulBackward0>); a class sets it where the names differ
    TORCH_NAME: ClassVar[Optional[str]] = None

    @property
    def torch_name(self) -> str:
        """PyTorch's name for this node (``MulBackward0``), as a repr shows it."""
        return self.TORCH_NAME or self.name + "0"


def _release_for(names: Iterable[str]) -> Callable[[Node], None]:
    """A node class's release(): freed, then each of its own slots (what
    its backward saved) set to None, written out as one assignment each (a
    loop of setattr costs several times more, once per node per backward)."""
    body = "".join(f"    self.{name} = None\n" for name in names)
    namespace: Dict[str, Any] = {}
    exec(f"def release(self):\n    self.freed = True\n{body}", namespace)
    release: Callable[[Node], None] = namespace["release"]
    release.__doc__ = Node.release.__doc__
    return release


def needs_grad(*tensors: object) -> bool:
    """True if recording is on and any tensor requires grad.

    Parameters
    ----------
    *tensors : object
        Operands of an op: tensors, or anything else (None, numbers, arrays),
        which never requires grad.

    Returns
    -------
    bool
        Whether the op must record a node.
    """
    if not _state["enabled"]:
        return False
    for t in tensors:
        if t is not None and getattr(t, "requires_grad", False):
            return True
    return False


def rebase_in_place(tensor: TensorBase, result: TensorBase) -> TensorBase:
    """Make ``result`` (just computed from ``tensor`` by one recorded node)
    the new value of ``tensor``, as an in-place op does: ``tensor`` takes
    result's array and node, and that node now reads a stand-in for the
    value ``tensor`` had. Nodes recorded earlier that consumed ``tensor`` keep
    receiving the old value's gradient (see ``_producer``); the old array is
    not overwritten, so what they saved stays intact.

    Parameters
    ----------
    tensor : Tensor
        The tensor the in-place op changes (not a leaf that requires grad).
    result : Tensor
        The op's out-of-place result, made from ``tensor`` by one recorded
        node; tensor's shape.

    Returns
    -------
    Tensor
        ``tensor``, now holding result's values and node.
    """
    node = cast("Node", result._node)
    before = type(tensor)._make(tensor._data, tensor._node)
    node.inputs = tuple(before if t is tensor else t for t in node.inputs)
    tensor._data = result._data
    tensor._node = node
    tensor.requires_grad = True
    return tensor


def _producer(t: TensorBase, consumer: Node) -> TensorBase:
    """The tensor whose producer gets `consumer`'s gradient for its input
    `t`: t itself, or, when t was rebased in place after `consumer` recorded
    it, the stand-in for the value consumer saw."""
    n = t._node
    while n is not None and n.seq > consumer.seq:
        t = cast("TensorBase", n.inputs[0])     # a rebased node's first input: the stand-in
        n = t._node
    return t


def zero_grads(params: Iterable[TensorBase], set_to_none: bool = True) -> None:
    """Module.zero_grad and Optimizer.zero_grad: drop each tensor's .grad
    (set_to_none) or fill it with zeros. A dropped .grad that lives in the
    parameter arena (where the next backward writes) and that someone still
    holds gets a copy of its values first, so it keeps them as in PyTorch.

    Parameters
    ----------
    params : iterable of Tensor
        The tensors whose ``.grad`` to clear.
    set_to_none : bool
        True: set ``.grad`` to None; False: fill it with zeros in place.
    """
    for p in params:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
            if sys.getrefcount(g) > 2 and g._data is p._grad_home():   # held: g and the argument
                g._data = g._data.copy()
        else:
            g._data[...] = 0


# ---- the engine -----------------------------------------------------------------
# Only the engine puts gradients into .grad. A node returns one gradient per
# input. A node whose kernel can write a leaf's gradient itself (Linear's)
# sets writes_leaf_grads and is handed, per input, None or a sink for that
# leaf (see _leaf_sink); for a sink it returns WRITTEN (it wrote the buffer)
# or an array: a new one the engine adopts as .grad when the sink had no
# buffer, else one the engine adds in as usual.

class _Written:
    """The type of WRITTEN, what a node returns for a gradient it wrote into
    the buffer the engine handed it."""

    def __repr__(self) -> str:
        return "WRITTEN"


WRITTEN = _Written()


def _free_home(t: TensorBase) -> Optional[npt.NDArray[Any]]:
    """t's gradient home in the parameter arena if nothing else holds that
    array (a .grad or a view of it kept from an earlier step must not
    change), else None."""
    home = t._grad_home()
    if home is not None and sys.getrefcount(home) > 3:    # held: t, this name, the argument
        return None
    return home


def _leaf_sink(t: TensorBase) -> Optional[Sink]:
    """(buffer, accumulate) for leaf t: t.grad's array to add into; when t
    has no .grad yet, its free gradient home in the parameter arena to fill
    (accumulate False; it becomes t.grad), or (None, False) otherwise (the
    node returns a new array, which becomes t.grad without a copy). None
    when t.grad cannot take a kernel's output (another shape, dtype or
    layout)."""
    grad = t.grad
    if grad is None:
        home = _free_home(t)
        return _NO_BUFFER if home is None else (home, False)
    a = grad._data
    data = t._data
    if a.shape == data.shape and a.dtype == data.dtype and a.flags.c_contiguous \
            and a.flags.writeable:
        return (a, True)
    return None


_NO_BUFFER: Sink = (None, False)


def _accumulate_leaf(t: TensorBase, g: npt.NDArray[Any]) -> None:
    """Add gradient g (an array broadcastable to t) into t.grad; a first
    gradient goes to t's free home in the parameter arena when it has one."""
    if t.grad is None:
        grad = _free_home(t)
        if grad is None:
            data = t._data
            grad = np.empty(data.shape, dtype=data.dtype)
        grad[...] = g
        t.grad = t._make(grad)
    else:
        t.grad._data += g


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time ({node.name} was already "
        "freed): call backward(retain_graph=True) the first time if you need to backward twice")


# Callables run after every backward pass, in the order registered (held
# weakly: a hook whose owner is gone drops out). DistributedDataParallel
# averages its gradients across processes in one.
_post_backward_hooks: List[Tuple[weakref.ref[Any], str]] = []


def register_post_backward_hook(owner: object, method_name: str) -> None:
    """Run ``getattr(owner, method_name)()`` after every backward pass while
    ``owner`` lives.

    Parameters
    ----------
    owner : object
        Held weakly: once it is gone the hook drops out.
    method_name : str
        The name of the method of ``owner`` to call, with no arguments.
    """
    _post_backward_hooks.append((weakref.ref(owner), method_name))


def _run_post_backward_hooks() -> None:
    for entry in list(_post_backward_hooks):
        owner = entry[0]()
        if owner is None:
            _post_backward_hooks.remove(entry)
        else:
            getattr(owner, entry[1])()


def run_backward(root: TensorBase, grad: npt.NDArray[Any], retain_graph: bool = False) -> None:
    """Backpropagate ``grad`` from ``root``, then run the post-backward
    hooks (see register_post_backward_hook).

    Parameters
    ----------
    root : Tensor
        The tensor to backpropagate from (it requires grad).
    grad : numpy.ndarray
        The gradient of the result with respect to root: root's shape and dtype.
    retain_graph : bool
        Keep the nodes' saved values (else each node is released once run).

    Raises
    ------
    RuntimeError
        If a node was already released by an earlier backward.
    """
    _walk(root, grad, retain_graph)
    if _post_backward_hooks:
        _run_post_backward_hooks()


def _walk(root: TensorBase, grad: npt.NDArray[Any], retain_graph: bool) -> None:
    """Backpropagate ``grad`` (an array shaped like root) from ``root``.

    Nodes run from the most recently recorded down (a heap on ``seq``): a
    node's producers were recorded before it, so when a node runs, every node
    that consumes its output has already run and sent it its gradient (the
    sum of them, in ``pending``). After an in-place rebase the edges are read
    through ``_producer``, which keeps that order true."""
    if root._node is None:
        if root.requires_grad:
            _accumulate_leaf(root, grad)
        return
    pending: Dict[Node, npt.NDArray[Any]] = {root._node: grad}
    heap: List[Tuple[int, Node]] = [(-root._node.seq, root._node)]
    while heap:
        node = heappop(heap)[1]
        g = pending.pop(node)
        if node.freed:
            raise _freed_error(node)
        if node.writes_leaf_grads:
            # leaves are never rebased (in-place ops refuse them): no _producer
            sinks: Any = []           # per input: None or a Sink (see _leaf_sink)
            for t in node.inputs:
                if t is None or t._node is not None or not t.requires_grad:
                    sinks.append(None)
                elif t.grad is None:             # _leaf_sink's first case, inlined
                    home = t._grad_home()
                    sinks.append(_NO_BUFFER if home is None or getrefcount(home) > 3
                                 else (home, False))
                else:
                    sinks.append(_leaf_sink(t))
            grads = node.backward(g, sinks)
        else:
            sinks = None
            grads = node.backward(g)
        i = -1
        for t, gi in zip(node.inputs, grads):
            i += 1
            if t is None or gi is None:
                continue
            if gi is WRITTEN:                       # the node filled or added into the sink
                buf, added = sinks[i]
                if not added:
                    t.grad = t._make(buf)
                continue
            n = t._node
            if n is not None and n.seq > node.seq:
                t = _producer(t, node)
                n = t._node
            if n is None:
                sink = sinks[i] if sinks is not None else None
                if sink is _NO_BUFFER:
                    t.grad = t._make(gi)            # a new array from the kernel: adopted
                elif sink is not None and not sink[1]:
                    sink[0][...] = gi               # the node did not use its home: fill it
                    t.grad = t._make(sink[0])
                elif t.requires_grad:
                    _accumulate_leaf(t, gi)
                continue
            if t._retain:
                _accumulate_leaf(t, gi)
            prev = pending.get(n)
            if prev is None:
                pending[n] = gi
                heappush(heap, (-n.seq, n))
            else:
                pending[n] = prev + gi
        if not retain_graph:
            node.release()
