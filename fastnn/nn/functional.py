"""fastnn.nn.functional: the layers and losses as functions on tensors, as
torch.nn.functional has them. Each heavy op is one fused kernel and one
autograd node: linear (+ bias + activation), linear_chain (several Linear
layers), cross_entropy (softmax, loss and gradient in one pass), the
pointwise losses, dropout."""
from __future__ import annotations

from sys import getrefcount
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple,
                    Union, cast)

import numpy as np

from .. import _C, _record
from .. import tensor_ops as _t
from ..autograd import WRITTEN, Node, _state as _ag_state, needs_grad, rebase_in_place
from ..tensor import Tensor
from ..tensor_base import _FLOATS, default_generator  # noqa: F401

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from ..autograd import Sink, _Written

    # what a node returns for an input: a gradient array, WRITTEN (the kernel
    # wrote the leaf's buffer) or None (no gradient)
    _Grad = Union[NDArray[Any], _Written, None]

_make = Tensor._make

# activations the Linear kernel can apply in its epilogue (and differentiate
# from its output)
FUSABLE = ("relu", "leaky_relu", "sigmoid", "tanh")


def _arr(x: object, name: str) -> NDArray[Any]:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{name} must be a fastnn.Tensor, got {type(x).__name__}")


# ---- linear -------------------------------------------------------------------

class LinearBackward(Node):
    """One call of the fused backward kernel: grad_x (times the derivative of
    the activation below, if any) and the weight and bias gradients. When the
    engine hands buffers for the weight's and the bias's gradient (their
    .grad, or their homes in the parameter arena), the kernel adds into them
    or fills them in the same call; otherwise it returns new arrays, which
    the engine adopts as .grad (no copy) or adds in.

    Parameters
    ----------
    inputs : tuple of Tensor or None
        (input, weight, bias), None where no gradient is wanted.
    """
    TORCH_NAME = "AddmmBackward0"
    __slots__ = ("x", "w", "y", "act", "slope")
    writes_leaf_grads = True

    x: NDArray[Any]
    w: NDArray[Any]
    y: Optional[NDArray[Any]]
    act: Optional[str]
    slope: float

    def backward(self, g: NDArray[Any],
                 sinks: Sequence[Optional[Sink]]) -> Tuple[Optional[NDArray[Any]], _Grad, _Grad]:
        """The gradients of (input, weight, bias) from the output's `g`.

        Parameters
        ----------
        g : ndarray
            The gradient of the output, ``(*, out_features)``.
        sinks : sequence of (buffer, accumulate) or None
            Per input, the buffer the engine hands for a leaf's gradient.

        Returns
        -------
        tuple
            Per input: an array, WRITTEN (its buffer was written) or None.
        """
        x_in, w_in, b_in = self.inputs
        sw, sb = sinks[1], sinks[2]
        if sw is not None and sw[0] is not None and (b_in is None or (
                sb is not None and sb[0] is not None and sb[1] == sw[1])):
            # buffers for both gradients: the kernel fills them or adds into them
            # the condition checked sb[0] wherever the bias is an input
            gb_buf = (cast("NDArray[Any]", sb[0]) if sb is not None
                      else np.empty(self.w.shape[0], self.w.dtype))
            gx = _C.linear_backward_into(g, self.x, self.w, self.y, self.act, self.slope,
                                         x_in is not None, sw[0], gb_buf, sw[1])
            return gx, WRITTEN, (WRITTEN if b_in is not None else None)
        gx, gw, gb = _C.linear_backward(g, self.x, self.w, self.y, self.act, self.slope,
                                        x_in is not None)
        return gx, (gw if w_in is not None else None), (gb if b_in is not None else None)


def linear_array(X: NDArray[Any], W: NDArray[Any], B: Optional[NDArray[Any]],
                 activation: Optional[str] = None, negative_slope: float = 0.01) -> NDArray[Any]:
    """The kernel of linear on arrays (no autograd): X ``(*, in)`` @ W.T + B,
    then the activation; a feature-count mismatch is named as linear's.

    Parameters
    ----------
    X : ndarray
        ``(*, in_features)``, float32 or float64.
    W : ndarray
        (out_features, in_features), X's dtype.
    B : ndarray or None
        (out_features,), X's dtype.
    activation : str, optional
        None or one of FUSABLE.
    negative_slope : float, default 0.01
        The slope of leaky_relu.

    Returns
    -------
    ndarray
        ``(*, out_features)``, X's dtype.

    Raises
    ------
    ValueError
        If the shapes or dtypes do not match.
    """
    try:
        return _C.linear(X, W, B, activation, negative_slope)
    except ValueError:
        if W.ndim == 2 and X.ndim >= 1 and X.shape[-1] != W.shape[1]:
            raise ValueError(f"linear: input has {X.shape[-1]} features (shape {X.shape}) but "
                             f"weight {W.shape} expects {W.shape[1]}") from None
        raise


def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None,
           activation: Optional[str] = None, negative_slope: float = 0.01) -> Tensor:
    """act(input @ weight.T + bias) as one kernel call and one autograd node.

    input ``(*, in_features)``, weight (out_features, in_features), bias
    (out_features,); activation None or one of 'relu', 'leaky_relu',
    'sigmoid', 'tanh' (a fastnn extension of torch's linear).

    Parameters
    ----------
    input : Tensor
        ``(*, in_features)``, float32 or float64.
    weight : Tensor
        (out_features, in_features), input's dtype.
    bias : Tensor, optional
        (out_features,), input's dtype.
    activation : {None, "relu", "leaky_relu", "sigmoid", "tanh"}
        Applied to the result in the same kernel call.
    negative_slope : float, default 0.01
        The slope of "leaky_relu" for negative values.

    Returns
    -------
    Tensor
        ``(*, out_features)``, input's dtype.

    Raises
    ------
    TypeError
        If an operand is not a fastnn.Tensor.
    ValueError
        If the shapes do not match (a feature-count mismatch names both
        shapes) or the dtypes differ.
    """
    X = input._data if isinstance(input, Tensor) else _arr(input, "input")
    W = weight._data if isinstance(weight, Tensor) else _arr(weight, "weight")
    B = None if bias is None else (bias._data if isinstance(bias, Tensor) else _arr(bias, "bias"))
    y = linear_array(X, W, B, activation, negative_slope)
    gx = gw = gb = None
    if _ag_state["enabled"]:
        gx = input if isinstance(input, Tensor) and input.requires_grad else None
        gw = weight if isinstance(weight, Tensor) and weight.requires_grad else None
        gb = bias if isinstance(bias, Tensor) and bias.requires_grad else None
    if gx is None and gw is None and gb is None:
        out = _make(y)
    else:
        node = LinearBackward((gx, gw, gb))
        node.x, node.w, node.act, node.slope = X, W, activation, negative_slope
        node.y = y if activation is not None else None
        out = _make(y, node)
    rec = _record.active[0]
    if rec is not None:
        rec.op("linear", input, out, weight=weight, bias=bias, activation=activation,
               negative_slope=negative_slope)
    return out


class LinearChainBackward(Node):
    """The backward of linear_chain in one kernel call, top layer first: every
    layer's weight and bias gradients and the input's. Inputs are (input,
    weight_0, bias_0, weight_1, bias_1, ...). Gradient buffers are used as
    LinearBackward uses them, layer by layer (the kernel fills or adds into
    a layer's buffers when the engine hands both, else new arrays are
    returned), so the gradients are bitwise those of the layers one by one.

    Parameters
    ----------
    inputs : tuple of Tensor or None
        (input, weight_0, bias_0, weight_1, bias_1, ...), None where no
        gradient is wanted.
    """
    TORCH_NAME = "AddmmBackward0"
    __slots__ = ("x", "ws", "ys", "acts", "slopes")
    writes_leaf_grads = True

    x: NDArray[Any]
    ws: List[NDArray[Any]]
    ys: List[NDArray[Any]]
    acts: List[Optional[str]]
    slopes: List[float]

    def backward(self, g: NDArray[Any], sinks: Sequence[Optional[Sink]]) -> List[_Grad]:
        """The gradients of (input, weight_0, bias_0, ...) from the output's `g`.

        Parameters
        ----------
        g : ndarray
            The gradient of the last layer's output, (M, out).
        sinks : sequence of (buffer, accumulate) or None
            Per input, the buffer the engine hands for a leaf's gradient.

        Returns
        -------
        list
            Per input: an array, WRITTEN (its buffer was written) or None.
        """
        inputs = self.inputs
        grads: List[_Grad] = [None] * len(inputs)
        gws: List[NDArray[Any]]
        gbs: List[NDArray[Any]]
        betas: List[bool]
        gws, gbs, betas = [], [], []
        for l, w in enumerate(self.ws):
            i = 1 + 2 * l
            w_in, b_in, sw, sb = inputs[i], inputs[i + 1], sinks[i], sinks[i + 1]
            if w_in is not None and sw is not None and sw[0] is not None and (b_in is None or (
                    sb is not None and sb[0] is not None and sb[1] == sw[1])):
                gws.append(sw[0])
                # with a bias input, the condition checked sb and sb[0]: mypy cannot see it
                gbs.append(sb[0] if b_in is not None  # type: ignore[index,arg-type]
                           else np.empty(w.shape[0], w.dtype))
                betas.append(sw[1])
                grads[i] = WRITTEN
                grads[i + 1] = WRITTEN if b_in is not None else None
            else:
                gw, gb = np.empty(w.shape, w.dtype), np.empty(w.shape[0], w.dtype)
                gws.append(gw)
                gbs.append(gb)
                betas.append(False)
                grads[i] = gw if w_in is not None else None
                grads[i + 1] = gb if b_in is not None else None
        x = self.x
        gx = np.empty(x.shape, x.dtype) if inputs[0] is not None else None
        _C.linear_chain_backward(np.ascontiguousarray(g), x, self.ws, self.ys, self.acts,
                                 self.slopes, betas, gws, gbs, gx)
        grads[0] = gx
        return grads

    def release(self) -> None:
        """Drop what backward needs; the hidden layers' outputs go back to the
        pool for the next step's forward (see _HiddenPool)."""
        ys: Optional[List[NDArray[Any]]] = self.ys
        self.freed = True
        # a released node is never read again (backward refuses a freed node)
        self.x = self.ys = self.ws = self.acts = self.slopes = None  # type: ignore[assignment]
        if ys is not None:
            _hidden_pool.give(ys)


class _HiddenPool:
    """The arrays of a chain's hidden-layer outputs, reused from one step to
    the next while the shapes repeat (the activations a training step would
    otherwise allocate anew). A chain node gives its arrays back when backward
    releases it; an array anything else still holds is not taken (it keeps
    its values, like a fresh array). At most `per_shape` arrays per (rows,
    features, dtype), and the pool forgets everything when it holds more
    than `shapes` shapes."""

    free: Dict[Tuple[int, int, np.dtype[Any]], List[NDArray[Any]]]

    def __init__(self, per_shape: int = 4, shapes: int = 64) -> None:
        self.free, self.per_shape, self.shapes = {}, per_shape, shapes

    def take(self, M: int, N: int, dtype: np.dtype[Any]) -> NDArray[Any]:
        stack = self.free.get((M, N, dtype))
        if stack:
            try:
                return stack.pop()
            except IndexError:                 # another thread took the last one
                pass
        return np.empty((M, N), dtype)

    def give(self, ys: List[NDArray[Any]]) -> None:
        free = self.free
        for i in range(len(ys) - 1):           # the last output is the caller's tensor
            a = ys[i]
            if getrefcount(a) > 3:             # held: the list, this name, the argument
                continue
            key = (a.shape[0], a.shape[1], a.dtype)
            stack = free.get(key)
            if stack is None:
                if len(free) >= self.shapes:
                    free.clear()
                stack = free[key] = []
            if len(stack) < self.per_shape:
                stack.append(a)


_hidden_pool = _HiddenPool()


def linear_chain(input: Tensor, weights: List[Tensor], biases: List[Optional[Tensor]],
                 activations: List[Optional[str]], negative_slopes: List[float]) -> Tensor:
    """Linear layers one after another as one kernel call and one node.

    Layer l computes ``activations[l](x @ weights[l].T + biases[l])``: the
    forward is one kernel call and the chain one autograd node
    (LinearChainBackward), with the values and gradients of calling linear()
    layer by layer, bit for bit. What nn.Sequential runs for consecutive
    fusable Linear(+activation) layers.

    input (M, in_features) Tensor; weights[l] (out_l, in_l) and biases[l]
    (out_l,) or None, Tensors; activations[l] None or one of FUSABLE;
    negative_slopes[l] >= 0 (read for leaky_relu). Returns the last layer's
    output (M, out). Falls back to linear() per layer when the chain cannot
    run as one call (an input that is not a 2-D C-contiguous array of the
    weights' dtype, a shape that does not chain, a tensor used twice).

    Parameters
    ----------
    input : Tensor
        (M, in_features), float32 or float64.
    weights : list of Tensor
        weights[l] is (out_l, in_l), input's dtype.
    biases : list of Tensor or None
        biases[l] is (out_l,) or None.
    activations : list of str or None
        activations[l] is None or one of FUSABLE.
    negative_slopes : list of float
        negative_slopes[l] >= 0, read for "leaky_relu".

    Returns
    -------
    Tensor
        The last layer's output, (M, out), input's dtype.
    """
    out = None
    if isinstance(input, Tensor) and len(weights) >= 2 and _distinct([input] + weights + biases):
        grads = [input if input.requires_grad else None]
        for w, b in zip(weights, biases):
            grads.append(w if w.requires_grad else None)
            grads.append(b if b is not None and b.requires_grad else None)
        out = chain_record(input, grads, [w._data for w in weights],
                           [None if b is None else b._data for b in biases], activations,
                           negative_slopes)
    if out is None:
        for w, b, act, slope in zip(weights, biases, activations, negative_slopes):
            input = linear(input, w, b, act, slope)
        return input
    return out


def _distinct(tensors: Iterable[Optional[Tensor]]) -> bool:
    """True if no tensor appears twice (None aside) and all are Tensors: a
    tensor used twice in a chain gets the sum of two gradients, which the
    layer-by-layer path adds up."""
    ids = set()
    for t in tensors:
        if t is not None:
            if not isinstance(t, Tensor) or id(t) in ids:
                return False
            ids.add(id(t))
    return True


def chain_record(input: Tensor, grads: List[Optional[Tensor]], weights: List[NDArray[Any]],
                 biases: List[Optional[NDArray[Any]]], activations: List[Optional[str]],
                 negative_slopes: List[float]) -> Optional[Tensor]:
    """The forward of a chain the caller has checked, recorded as one node.

    The caller has checked the chain (a Tensor input, no tensor twice): one
    kernel call on the arrays weights/biases, and one LinearChainBackward
    node over `grads` (the input and each layer's weight and bias, None
    where no gradient is wanted) while autograd records.

    Parameters
    ----------
    input : Tensor
        (M, in_features).
    grads : list of Tensor or None
        [input, weight_0, bias_0, weight_1, bias_1, ...], None where no
        gradient is wanted.
    weights : list of ndarray
        Each layer's weight array (out_l, in_l).
    biases : list of ndarray or None
        Each layer's bias array (out_l,) or None.
    activations : list of str or None
        Each layer's activation, None or one of FUSABLE.
    negative_slopes : list of float
        Each layer's slope for "leaky_relu".

    Returns
    -------
    Tensor or None
        The output tensor, or None when the arrays do not make a chain the
        kernel takes (the caller then runs linear() layer by layer).
    """
    X = input._data
    if X.ndim != 2:
        return None
    ys = _chain_arrays(X, weights, biases, activations, negative_slopes)
    if ys is None:
        return None
    y = ys[-1]
    if not _ag_state["enabled"] or all(g is None for g in grads):
        _hidden_pool.give(ys)
        return _make(y)
    node = LinearChainBackward(tuple(grads))
    node.x, node.ys, node.ws = X, ys, weights
    node.acts, node.slopes = activations, negative_slopes
    return _make(y, node)


def _chain_arrays(X: NDArray[Any], ws: List[NDArray[Any]], bs: List[Optional[NDArray[Any]]],
                  activations: List[Optional[str]],
                  slopes: List[float]) -> Optional[List[NDArray[Any]]]:
    """Every layer's output from one linear_chain_forward call on arrays, or
    None when the operands do not make a chain the kernel takes."""
    M, dtype, take = X.shape[0], X.dtype, _hidden_pool.take
    try:
        ys = [take(M, w.shape[0], dtype) for w in ws[:-1]]
        ys.append(np.empty((M, ws[-1].shape[0]), dtype))
        _C.linear_chain_forward(X, ws, bs, activations, slopes, ys)
    except (ValueError, TypeError, IndexError, AttributeError):
        return None
    return ys


def linear_chain_array(X: NDArray[Any], weights: List[NDArray[Any]],
                       biases: List[Optional[NDArray[Any]]], activations: List[Optional[str]],
                       negative_slopes: List[float]) -> NDArray[Any]:
    """linear_chain on arrays (no autograd); the last layer's output.

    One kernel call for two or more layers on a 2-D input, else linear_array
    layer by layer.

    Parameters
    ----------
    X : ndarray
        (M, in_features), float32 or float64.
    weights : list of ndarray
        weights[l] is (out_l, in_l), X's dtype.
    biases : list of ndarray or None
        biases[l] is (out_l,) or None.
    activations : list of str or None
        activations[l] is None or one of FUSABLE.
    negative_slopes : list of float
        negative_slopes[l], read for "leaky_relu".

    Returns
    -------
    ndarray
        The last layer's output, (M, out), X's dtype.
    """
    if len(weights) >= 2 and isinstance(X, np.ndarray) and X.ndim == 2:
        ys = _chain_arrays(X, weights, biases, activations, negative_slopes)
        if ys is not None:
            _hidden_pool.give(ys)
            return ys[-1]
    for w, b, act, slope in zip(weights, biases, activations, negative_slopes):
        X = linear_array(X, w, b, act, slope)
    return X


# ---- activations ----------------------------------------------------------------

def _in_place(input: Tensor, result: Tensor) -> Tensor:
    """inplace=True: ``result`` becomes ``input``'s value and ``input`` is
    returned, as in PyTorch. Under no_grad the array is overwritten. While
    autograd records, the tensor is rebased instead (it takes result's array
    and node): the gradients come out as PyTorch's, and nodes recorded
    earlier keep the values they saved. A leaf that requires grad is refused,
    as PyTorch refuses it."""
    if not isinstance(input, Tensor):
        raise TypeError(f"input must be a Tensor for inplace=True, got {type(input).__name__}")
    if result._node is not None:
        if input._node is None:
            raise RuntimeError("a leaf tensor that requires grad is being used in an in-place "
                               "operation (inplace=True); use inplace=False")
        return cast(Tensor, rebase_in_place(input, result))     # it returns `input`
    if not _ag_state["enabled"] and input._data.flags.writeable:
        np.copyto(input._data, result._data)
    else:
        input._data = result._data
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise.

    inplace=True writes the result into ``input`` and returns it.

    Parameters
    ----------
    input : Tensor
        Any shape; float32/float64 keep their dtype, other dtypes are
        computed in float32.
    inplace : bool, default False
        Write the result into `input` and return it (refused for a leaf that
        requires grad while autograd records).

    Returns
    -------
    Tensor
        input's shape.
    """
    out = _t.relu(input)
    if not inplace:
        return out
    result = _in_place(input, out)
    rec = _record.active[0]
    if rec is not None:
        rec.alias(out, result)
    return result


def sigmoid(input: Tensor) -> Tensor:
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
    return _t.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise.

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
    return _t.tanh(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope·x, elementwise.

    inplace=True writes the result into ``input`` and returns it.

    Parameters
    ----------
    input : Tensor
        Any shape; float32/float64 keep their dtype, other dtypes are
        computed in float32.
    negative_slope : float, default 0.01
        The slope for negative inputs.
    inplace : bool, default False
        Write the result into `input` and return it (refused for a leaf that
        requires grad while autograd records).

    Returns
    -------
    Tensor
        input's shape.
    """
    out = _t._unary(input, lambda A: _C.leaky_relu(A, negative_slope),
                    lambda g, x: _C.leaky_relu_backward(g, x, negative_slope), False)
    result = _in_place(input, out) if inplace else out
    rec = _record.active[0]
    if rec is not None:
        rec.op("leaky_relu", input, result, negative_slope=negative_slope)
    return result


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), elementwise (Φ the standard normal CDF).

    Parameters
    ----------
    input : Tensor
        Any shape; float32/float64 keep their dtype, other dtypes are
        computed in float32.
    approximate : {"none", "tanh"}, default "none"
        "none": the exact form with the error function; "tanh": PyTorch's
        tanh approximation.

    Returns
    -------
    Tensor
        input's shape.
    """
    out = _t._unary(input, lambda A: _C.gelu(A, approximate),
                    lambda g, x: _C.gelu_backward(g, x, approximate), False)
    rec = _record.active[0]
    if rec is not None:
        rec.op("gelu", input, out, approximate=approximate)
    return out


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta·x)) / beta, elementwise; x itself where beta·x > threshold.

    Parameters
    ----------
    input : Tensor
        Any shape; float32/float64 keep their dtype, other dtypes are
        computed in float32.
    beta : float, default 1.0
        The sharpness.
    threshold : float, default 20.0
        Above this value of beta·x the result is x.

    Returns
    -------
    Tensor
        input's shape.
    """
    out = _t._unary(input, lambda A: _C.softplus(A, beta, threshold),
                    lambda g, x: _C.softplus_backward(g, x, beta, threshold), False)
    rec = _record.active[0]
    if rec is not None:
        rec.op("softplus", input, out, beta=beta, threshold=threshold)
    return out


# softmax and log_softmax are differentiable ops of fastnn.tensor_ops (so that
# Tensor.softmax has them too); here under their nn.functional names
softmax, log_softmax = _t.softmax, _t.log_softmax


# ---- dropout --------------------------------------------------------------------

def check_real(value: object, name: str) -> float:
    """A module's real-valued hyperparameter (a slope, beta, delta, ...):
    TypeError naming it unless it is a real number; returned as float.

    Parameters
    ----------
    value : object
        The value given (bools and strings are refused).
    name : str
        The hyperparameter's name, for the messages.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If `value` is not an int or float (Python or numpy).
    ValueError
        If `value` is an int too large for a float.
    """
    if isinstance(value, (str, bytes, bool)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        # only a Python int overflows float()
        raise ValueError(f"{name} must be a finite number, got an int of "
                         f"{cast(int, value).bit_length()} "
                         "bits") from None


def _check_dropout_p(p: float) -> None:
    """p, the probability of an element being zeroed: a real number in [0, 1]."""
    check_real(p, "dropout probability p")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


class DropoutBackward(Node):
    """The node of dropout: the gradient through the mask, which is
    recomputed from the seed (not stored).

    Parameters
    ----------
    inputs : tuple of Tensor or None
        (input,), None where no gradient is wanted.
    """
    __slots__ = ("p", "seed")

    p: float
    seed: int

    def backward(self, g: NDArray[Any]) -> Tuple[NDArray[Any]]:
        """The input's gradient: `g` masked and scaled as the forward was.

        Parameters
        ----------
        g : ndarray
            The gradient of the output.

        Returns
        -------
        tuple of ndarray
            (the input's gradient,).
        """
        return (_C.dropout_backward(g, self.p, self.seed),)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p).

    The identity when not training. The mask comes from fastnn's generator
    (manual_seed) and is recomputed in backward, not stored. inplace=True
    writes the result into ``input`` and returns it.

    Parameters
    ----------
    input : Tensor
        float32 or float64, any shape.
    p : float, default 0.5
        The probability of an element being zeroed, in [0, 1].
    training : bool, default True
        False (or p = 0) returns `input` itself.
    inplace : bool, default False
        Write the result into `input` and return it.

    Returns
    -------
    Tensor
        input's shape and dtype.

    Raises
    ------
    TypeError
        If `p` is not a real number.
    ValueError
        If `p` is not in [0, 1].
    """
    _check_dropout_p(p)
    if not training or p == 0:
        return input
    X = _arr(input, "input")
    seed = int(default_generator().integers(0, 2 ** 63))
    y = _C.dropout(X, p, seed)
    if not needs_grad(input):
        out = _make(y)
    else:
        node = DropoutBackward((input,))
        node.p, node.seed = p, seed
        out = _make(y, node)
    result = _in_place(input, out) if inplace else out
    rec = _record.active[0]
    if rec is not None:
        rec.op("dropout", input, result, p=p, seed=seed)
    return result


# ---- losses ---------------------------------------------------------------------

class LossBackward(Node):
    """Loss nodes: the kernel already computed d(loss)/d(input) (`grad`);
    backward scales it by the incoming gradient (a scalar, or per row or per
    element for reduction='none'). The target's gradient, where it has one,
    is the negative of the input's (pointwise losses only).

    Parameters
    ----------
    inputs : tuple of Tensor or None
        (input, target), None where no gradient is wanted.
    """
    __slots__ = ("grad", "rows")

    grad: NDArray[Any]
    rows: bool

    def backward(self, g: NDArray[Any]) -> Tuple[NDArray[Any], Optional[NDArray[Any]]]:
        """The gradients of (input, target) from the loss's gradient `g`.

        Parameters
        ----------
        g : ndarray
            The gradient of the loss: 0-d (or one element), per row or per
            element for reduction='none'.

        Returns
        -------
        tuple
            (the input's gradient, the target's or None).
        """
        if g.ndim == 0 or g.size == 1:
            gi = self.grad * g.reshape(())
        elif self.rows:
            gi = self.grad * g[:, None]
        else:
            gi = self.grad * g
        return gi, (-gi if self.inputs[1] is not None else None)


def _loss_result(value: ArrayLike, grad: Optional[NDArray[Any]], input: object, target: object,
                 rows: bool = False) -> Tensor:
    loss = np.asarray(value)
    if grad is None:
        return _make(loss)
    node = LossBackward((input if isinstance(input, Tensor) and input.requires_grad else None,
                         target if isinstance(target, Tensor) and target.requires_grad else None))
    node.grad, node.rows = grad, rows
    return _make(loss, node)


def cross_entropy(input: Tensor, target: Union[Tensor, ArrayLike], weight: Optional[Tensor] = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits input (N, C) against class indices
    (N,) or probabilities (N, C), with PyTorch's arguments and definitions.
    Forward computes the gradient too, in the same pass.

    Parameters
    ----------
    input : Tensor
        The logits, (N, C), float32 or float64.
    target : Tensor or array_like
        Class indices (N,) of an integer dtype, in [0, C) or
        `ignore_index`; or class probabilities (N, C) of input's dtype.
    weight : Tensor, optional
        (C,) class weights, input's dtype.
    ignore_index : int, default -100
        Rows whose target is this index add nothing (class indices only).
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each row, (N,); "sum": their sum; "mean": their
        sum divided by the summed weights ``weight[target]`` of the rows not
        ignored (1 per row without weight; NaN if every row is ignored), or
        by N for probabilities.
    label_smoothing : float, default 0.0
        In [0, 1]: the target mixed with the uniform distribution.

    Returns
    -------
    Tensor
        A 0-d tensor of input's dtype ("mean", "sum") or (N,) ("none").

    Raises
    ------
    ValueError
        If the shapes do not match, a class index is out of range,
        `reduction` is unknown or `label_smoothing` is not in [0, 1].
    TypeError
        If an operand is not a tensor or array of a fitting dtype.
    """
    X = _arr(input, "input")
    T = _arr(target, "target") if isinstance(target, Tensor) else np.asarray(target)
    Wt = None if weight is None else _arr(weight, "weight")
    need = needs_grad(input)
    loss, grad = _C.softmax_cross_entropy(X, T, reduction=reduction, label_smoothing=label_smoothing,
                                          weight=Wt, ignore_index=ignore_index, need_grad=need)
    out = _loss_result(loss, grad, input, None, rows=True)
    rec = _record.active[0]
    if rec is not None:
        rec.loss("cross_entropy", input, target, out, weight=Wt, ignore_index=ignore_index,
                 reduction=reduction, label_smoothing=label_smoothing)
    return out


def _pointwise(fn: Callable[..., Tuple[ArrayLike, Optional[NDArray[Any]]]], kind: str,
               input: Tensor, target: Union[Tensor, ArrayLike], **kw: Any) -> Tensor:
    X = _arr(input, "input")
    T = _arr(target, "target") if isinstance(target, Tensor) else np.asarray(target)
    if isinstance(T, np.ndarray) and T.dtype != X.dtype and T.dtype.kind in "iub":
        T = T.astype(X.dtype)       # integer targets of a float loss
    need = needs_grad(input, target)
    loss, grad = fn(X, T, need_grad=need, **kw)
    out = _loss_result(loss, grad, input, target)
    rec = _record.active[0]
    if rec is not None:
        rec.loss(kind, input, target, out, **kw)
    return out


def mse_loss(input: Tensor, target: Union[Tensor, ArrayLike], reduction: str = "mean") -> Tensor:
    """(input − target)², reduced; input and target of one shape.

    Parameters
    ----------
    input : Tensor
        float32 or float64, any shape.
    target : Tensor or array_like
        input's shape (no broadcasting); integer targets are cast to
        input's dtype. Gets a gradient too when it requires one.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.

    Returns
    -------
    Tensor
        A 0-d tensor of input's dtype ("mean", "sum") or input's shape
        ("none").
    """
    return _pointwise(_C.mse_loss, "mse", input, target, reduction=reduction)


def l1_loss(input: Tensor, target: Union[Tensor, ArrayLike], reduction: str = "mean") -> Tensor:
    """|input − target|, reduced; input and target of one shape.

    The gradient is sign(input − target) (0 where they are equal).

    Parameters
    ----------
    input : Tensor
        float32 or float64, any shape.
    target : Tensor or array_like
        input's shape (no broadcasting); integer targets are cast to
        input's dtype. Gets a gradient too when it requires one.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.

    Returns
    -------
    Tensor
        A 0-d tensor of input's dtype ("mean", "sum") or input's shape
        ("none").
    """
    return _pointwise(_C.l1_loss, "l1", input, target, reduction=reduction)


def huber_loss(input: Tensor, target: Union[Tensor, ArrayLike], reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """Huber loss, reduced: quadratic below delta, linear above.

    Per element, with d = |input − target|: 0.5·d² if d < delta, else
    delta·(d − 0.5·delta) (as torch.nn.functional.huber_loss).

    Parameters
    ----------
    input : Tensor
        float32 or float64, any shape.
    target : Tensor or array_like
        input's shape (no broadcasting); integer targets are cast to
        input's dtype. Gets a gradient too when it requires one.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.
    delta : float, default 1.0
        Where the loss turns linear; > 0.

    Returns
    -------
    Tensor
        A 0-d tensor of input's dtype ("mean", "sum") or input's shape
        ("none").
    """
    return _pointwise(_C.huber_loss, "huber", input, target, reduction=reduction, delta=delta)


def binary_cross_entropy_with_logits(input: Tensor, target: Union[Tensor, ArrayLike],
                                     weight: Optional[Tensor] = None, reduction: str = "mean",
                                     pos_weight: Optional[Tensor] = None) -> Tensor:
    """Binary cross-entropy of sigmoid(input) against target, from the logits.

    Computed from the logits without overflow, as PyTorch's function of that
    name: per element −w·(pos_weight·t·log σ(x) + (1 − t)·log(1 − σ(x))).
    Only input gets a gradient.

    Parameters
    ----------
    input : Tensor
        The logits, float32 or float64, any shape.
    target : Tensor or array_like
        input's shape, values in [0, 1]; integer targets are cast to
        input's dtype.
    weight : Tensor, optional
        Broadcasts to input: each element's weight.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the loss of each element (input's shape); "sum": their sum;
        "mean": their mean.
    pos_weight : Tensor, optional
        Broadcasts to input's last dimension: the weight of the positive
        term, per class.

    Returns
    -------
    Tensor
        A 0-d tensor of input's dtype ("mean", "sum") or input's shape
        ("none").
    """
    w = None if weight is None else _arr(weight, "weight")
    pw = None if pos_weight is None else _arr(pos_weight, "pos_weight")
    X = _arr(input, "input")
    T = _arr(target, "target") if isinstance(target, Tensor) else np.asarray(target)
    if T.dtype != X.dtype and T.dtype.kind in "iub":
        T = T.astype(X.dtype)
    loss, grad = _C.binary_cross_entropy_with_logits(X, T, weight=w, reduction=reduction,
                                                     pos_weight=pw, need_grad=needs_grad(input))
    out = _loss_result(loss, grad, input, None)
    rec = _record.active[0]
    if rec is not None:
        rec.loss("bce_with_logits", input, target, out, weight=w, reduction=reduction,
                 pos_weight=pw)
    return out
