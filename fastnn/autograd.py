"""Define-by-run reverse-mode autograd: each differentiable op records one
Node holding what its backward needs; Tensor.backward() walks the nodes in
reverse topological order once.

A Node subclass implements ``backward(grad)`` returning one gradient (a numpy
array or None) per entry of ``inputs``. Gradients reaching a leaf tensor that
requires grad are added into its ``.grad`` (accumulating across calls, as in
PyTorch); non-leaf tensors keep theirs only after ``retain_grad()``.
"""
import functools
import itertools

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

    def __init__(self, inputs):
        self.inputs = inputs
        self.freed = False
        self.seq = next(_sequence)

    def backward(self, grad):  # pragma: no cover - every op overrides it
        raise NotImplementedError

    def release(self):
        """Drop what backward needs (after a backward without retain_graph)."""
        self.freed = True
        for name in type(self).__slots__:
            setattr(self, name, None)

    @property
    def name(self):
        return type(self).__name__


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


def _topological(root_node):
    """Nodes reachable from root_node, each after every node that consumes
    its output (so that its incoming gradient is complete when it runs)."""
    order, seen = [], {id(root_node)}
    stack = [root_node]
    # iterative post-order: a node is emitted after all of its inputs' nodes
    while stack:
        node = stack[-1]
        pushed = False
        for t in node.inputs:
            if t is not None:
                n = t._node
                if n is not None and n.seq > node.seq:
                    n = _producer(t, node)._node
                if n is not None and id(n) not in seen:
                    seen.add(id(n))
                    stack.append(n)
                    pushed = True
                    break
        if not pushed:
            order.append(stack.pop())
    order.reverse()
    return order


def _accumulate_leaf(tensor, g):
    data = tensor._data
    if g.shape != data.shape:
        g = np.broadcast_to(g, data.shape)
    if tensor.grad is None:
        grad = np.empty(data.shape, dtype=data.dtype)
        grad[...] = g
        tensor.grad = type(tensor)._make.__func__(_tensor_type(), grad)
    else:
        tensor.grad._data += g


def zero_grads(params, set_to_none=True):
    """Module.zero_grad and Optimizer.zero_grad: drop each tensor's .grad
    (set_to_none) or fill it with zeros."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad._data[...] = 0


def _tensor_type():
    from .tensor import Tensor
    globals()["_tensor_type"] = lambda: Tensor
    return Tensor


def _chain(root_node):
    """The nodes from root_node down, if the graph is a single chain (each
    node's output feeds exactly one later node and each node has at most one
    input that came from a node); else None. MLPs built from Sequential are
    chains, and walking one needs no topological sort."""
    chain = []
    node = root_node
    while node is not None:
        nxt = None
        for t in node.inputs:
            if t is not None and t._node is not None:
                if nxt is not None:
                    return None
                nxt = t._node if t._node.seq < node.seq else _producer(t, node)._node
        chain.append(node)
        node = nxt
    return chain


def _freed_error(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time ({node.name} was already "
        "freed): call backward(retain_graph=True) the first time if you need to backward twice")


def _deliver(node, grads):
    """Add the gradients for leaves (and retained tensors) into .grad; return
    [(producing node, gradient)] for the inputs that came from nodes."""
    onward = []
    for t, gi in zip(node.inputs, grads):
        if t is None or gi is None:
            continue
        if t._node is not None and t._node.seq > node.seq:
            t = _producer(t, node)
        if t._node is None:
            if t.requires_grad:
                _accumulate_leaf(t, gi)
            continue
        if t._retain:
            _accumulate_leaf(t, gi)
        onward.append((t._node, gi))
    return onward


def run_backward(root, grad, retain_graph=False):
    """Backpropagate ``grad`` (an array shaped like root) from ``root``."""
    if root._node is None:
        if root.requires_grad:
            _accumulate_leaf(root, grad)
        return
    chain = _chain(root._node)
    if chain is not None:
        g = grad
        for node in chain:
            if node.freed:
                raise _freed_error(node)
            onward = _deliver(node, node.backward(g))
            g = onward[0][1] if onward else None
            if not retain_graph:
                node.release()
            if g is None:
                break
        return
    order = _topological(root._node)
    pending = {id(root._node): grad}
    for node in order:
        g = pending.pop(id(node), None)
        if g is None:
            continue
        if node.freed:
            raise _freed_error(node)
        for producer, gi in _deliver(node, node.backward(g)):
            key = id(producer)
            if key in pending:
                pending[key] = pending[key] + gi
            else:
                pending[key] = gi
        if not retain_graph:
            node.release()
