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
``_grad_home`` (where a parameter's gradient lives in the arena).
"""
import functools
import itertools
import sys
import weakref
from heapq import heappop, heappush
from sys import getrefcount

import numpy as np

_state = {"enabled": True}


def is_grad_enabled():
    """True unless inside ``no_grad``."""
    return _state["enabled"]


class _GradMode:
    _value = True

    def __enter__(self):
        self._prev = _state["enabled"]
        _state["enabled"] = self._value
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self._prev
        return False

    def __call__(self, fn):
        """Use as a decorator: ``fn`` runs inside this mode."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no graph (as
    ``torch.no_grad``), e.g. for evaluation or a hand-written SGD step."""
    _value = False


class enable_grad(_GradMode):
    """Context manager and decorator turning recording back on."""
    _value = True


_sequence = itertools.count()


class Node:
    """One recorded op. ``inputs``: the input tensors that need a gradient
    (None in the places of those that do not). ``seq`` numbers the nodes in
    the order they were recorded: a tensor's producer always comes before its
    consumers, except after an in-place op rebased the tensor (see
    ``rebase_in_place``)."""
    __slots__ = ("inputs", "freed", "seq")
    # True: backward(grad, sinks) gets, per input, None or a leaf's gradient
    # buffer (buffer, accumulate) to write into, and returns WRITTEN for it
    writes_leaf_grads = False

    def __init__(self, inputs):
        self.inputs = inputs
        self.freed = False
        self.seq = next(_sequence)

    def backward(self, grad):  # pragma: no cover - every op overrides it
        raise NotImplementedError

    def release(self):
        """Drop what backward needs (after a backward without retain_graph).
        Each subclass gets its own (see __init_subclass__)."""
        self.freed = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "release" not in cls.__dict__:
            cls.release = _release_for(cls.__slots__)

    @property
    def name(self):
        return type(self).__name__

    # PyTorch's name for the node of the same op, shown in a tensor's repr
    # (grad_fn=<MulBackward0>); a class sets it where the names differ
    TORCH_NAME = None

    @property
    def torch_name(self):
        return self.TORCH_NAME or self.name + "0"


def _release_for(names):
    """A node class's release(): freed, then each of its own slots (what
    its backward saved) set to None, written out as one assignment each (a
    loop of setattr costs several times more, once per node per backward)."""
    body = "".join(f"    self.{name} = None\n" for name in names)
    namespace = {}
    exec(f"def release(self):\n    self.freed = True\n{body}", namespace)
    release = namespace["release"]
    release.__doc__ = Node.release.__doc__
    return release


def needs_grad(*tensors):
    """True if recording is on and any tensor requires grad."""
    if not _state["enabled"]:
        return False
    for t in tensors:
        if t is not None and getattr(t, "requires_grad", False):
            return True
    return False


def rebase_in_place(tensor, result):
    """Make ``result`` (just computed from ``tensor`` by one recorded node)
    the new value of ``tensor``, as an in-place op does: ``tensor`` takes
    result's array and node, and that node now reads a stand-in for the
    value ``tensor`` had. Nodes recorded earlier that consumed ``tensor`` keep
    receiving the old value's gradient (see ``_producer``); the old array is
    not overwritten, so what they saved stays intact."""
    node = result._node
    before = type(tensor)._make(tensor._data, tensor._node)
    node.inputs = tuple(before if t is tensor else t for t in node.inputs)
    tensor._data = result._data
    tensor._node = node
    tensor.requires_grad = True
    return tensor


def _producer(t, consumer):
    """The tensor whose producer gets `consumer`'s gradient for its input
    `t`: t itself, or, when t was rebased in place after `consumer` recorded
    it, the stand-in for the value consumer saw."""
    n = t._node
    while n is not None and n.seq > consumer.seq:
        t = n.inputs[0]
        n = t._node
    return t


def zero_grads(params, set_to_none=True):
    """Module.zero_grad and Optimizer.zero_grad: drop each tensor's .grad
    (set_to_none) or fill it with zeros. A dropped .grad that lives in the
    parameter arena (where the next backward writes) and that someone still
    holds gets a copy of its values first, so it keeps them as in PyTorch."""
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
    def __repr__(self):
        return "WRITTEN"


WRITTEN = _Written()


def _free_home(t):
    """t's gradient home in the parameter arena if nothing else holds that
    array (a .grad or a view of it kept from an earlier step must not
    change), else None."""
    home = t._grad_home()
    if home is not None and sys.getrefcount(home) > 3:    # held: t, this name, the argument
        return None
    return home


def _leaf_sink(t):
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


_NO_BUFFER = (None, False)


def _accumulate_leaf(t, g):
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


def _freed_error(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time ({node.name} was already "
        "freed): call backward(retain_graph=True) the first time if you need to backward twice")


# Callables run after every backward pass, in the order registered (held
# weakly: a hook whose owner is gone drops out). DistributedDataParallel
# averages its gradients across processes in one.
_post_backward_hooks = []


def register_post_backward_hook(owner, method_name):
    """Run ``getattr(owner, method_name)()`` after every backward pass while
    ``owner`` lives."""
    _post_backward_hooks.append((weakref.ref(owner), method_name))


def _run_post_backward_hooks():
    for entry in list(_post_backward_hooks):
        owner = entry[0]()
        if owner is None:
            _post_backward_hooks.remove(entry)
        else:
            getattr(owner, entry[1])()


def run_backward(root, grad, retain_graph=False):
    """Backpropagate ``grad`` from ``root``, then run the post-backward
    hooks (see register_post_backward_hook)."""
    _walk(root, grad, retain_graph)
    if _post_backward_hooks:
        _run_post_backward_hooks()


def _walk(root, grad, retain_graph):
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
    pending = {root._node: grad}
    heap = [(-root._node.seq, root._node)]
    while heap:
        node = heappop(heap)[1]
        g = pending.pop(node)
        if node.freed:
            raise _freed_error(node)
        if node.writes_leaf_grads:
            # leaves are never rebased (in-place ops refuse them): no _producer
            sinks = []
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
