"""fastnn.nn.parallel.DistributedDataParallel: one model trained by several
processes (see fastnn.distributed), each on its share of every batch."""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence, Tuple, Union, cast

import numpy as np

from .. import arena
from .. import distributed as dist
from ..autograd import is_grad_enabled, register_post_backward_hook
from .module import Module

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from ..tensor import Tensor
    from .module import Parameter


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training, as PyTorch's DDP: at
    construction every rank takes rank 0's parameter values; ``forward``
    calls the module; after each backward pass that follows a forward with
    autograd recording, every parameter's gradient is averaged across the
    ranks, so each rank's optimizer step is the same. ``.module`` is the
    wrapped model.

    The average is one all-reduce per dtype over the parameters' gradients
    where they lie one after another in the parameter arena (a model's
    parameters do, unless one was replaced by ``p.data = t`` with another
    shape), else over a flat copy of them. A parameter that got no gradient
    on this rank takes part with zeros (its ``.grad`` is then zeros, not
    None), so every rank sends the same layout. The reduction order is fixed
    (fastnn.distributed.all_reduce): every rank ends with the same bits.

    Decided: ``state_dict()`` and ``load_state_dict()`` use the wrapped
    model's keys, without PyTorch's ``module.`` prefix, so a checkpoint
    loads into the bare model; ``load_state_dict`` also accepts keys with
    the prefix. ``named_parameters()`` keeps the prefix, as PyTorch's.
    The devices, process group and bucket arguments are accepted for
    PyTorch's signature; only the CPU and the whole world are supported.

    Constructing it initialises fastnn.distributed (``dist.init()``) if
    that has not been done, and checks that every rank built the same model
    (parameter names, shapes and dtypes).

    Parameters
    ----------
    module : Module
        The model to wrap (the same on every rank).
    device_ids : None or []
        Accepted for PyTorch's signature; fastnn runs on the CPU.
    output_device : None
        Accepted for PyTorch's signature; fastnn runs on the CPU.
    dim : int, default 0
        Accepted for PyTorch's signature (the batch is split by the caller,
        e.g. a DistributedSampler); not used.
    broadcast_buffers : bool, default True
        Accepted for PyTorch's signature; fastnn's modules have no buffers.
    process_group : None
        Accepted for PyTorch's signature; the whole world takes part.
    bucket_cap_mb : float, optional
        Accepted for PyTorch's signature; not used (one all-reduce per
        dtype).
    find_unused_parameters : bool, default False
        Accepted for PyTorch's signature; a parameter without a gradient
        always takes part with zeros.
    check_reduction : bool, default False
        Accepted for PyTorch's signature; not used.
    gradient_as_bucket_view : bool, default False
        Accepted for PyTorch's signature; not used.
    static_graph : bool, default False
        Accepted for PyTorch's signature; not used.

    Attributes
    ----------
    module : Module
        The wrapped model.

    Raises
    ------
    TypeError
        If `module` is not a fastnn.nn.Module.
    ValueError
        If a device or process group is given, or the ranks' models differ.

    Notes
    -----
    forward takes and returns what the wrapped module's forward does.
    """

    def __init__(self, module: Module, device_ids: Optional[Sequence[Any]] = None,
                 output_device: Optional[Any] = None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: Optional[Any] = None,
                 bucket_cap_mb: Optional[float] = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"module must be a fastnn.nn.Module, got {type(module).__name__}")
        if device_ids not in (None, []) or output_device is not None:
            raise ValueError("device_ids and output_device: fastnn runs on the CPU; leave them None")
        if process_group is not None:
            raise ValueError("process_group: fastnn's DistributedDataParallel spans the whole "
                             "world (fastnn.distributed.init()); leave it None")
        if not dist.is_initialized():
            dist.init()
        self.module = module
        self._set_pending(False)
        self._check_same_model()
        self._broadcast_parameters()
        register_post_backward_hook(self, "_average_gradients")

    # ---- construction -----------------------------------------------------------
    def _params(self) -> List[Parameter]:
        return [p for p in self.module.parameters() if p.requires_grad]

    def _check_same_model(self) -> None:
        layout = [(name, p._data.shape, p._data.dtype.str)
                  for name, p in self.module.named_parameters()]
        seen = dist.all_gather_object(layout)
        for rank, other in enumerate(seen):
            if other != seen[0]:
                raise ValueError(f"DistributedDataParallel: rank {rank}'s model differs from rank "
                                 f"0's (parameter names, shapes or dtypes); every rank must build "
                                 f"the same model")

    def _broadcast_parameters(self) -> None:
        for p in self.module.parameters():
            dist.broadcast(p._data, src=0)

    # ---- the forward and the gradients -----------------------------------------
    def _set_pending(self, value: bool) -> None:
        """Whether the next backward's gradients are to be averaged (a flag
        of its own, set without Module.__setattr__: setting it is no edit of
        the model that fastnn.plan would have to plan anew)."""
        object.__setattr__(self, "_pending", value)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the wrapped module; gradients are averaged after the next backward.

        Parameters
        ----------
        *args, **kwargs
            Passed to the wrapped module.

        Returns
        -------
        Any
            What the wrapped module returns.
        """
        if is_grad_enabled():
            self._set_pending(True)
        return self.module(*args, **kwargs)

    def _average_gradients(self) -> None:
        """The post-backward hook: average every parameter's gradient across
        the ranks (after the first backward that follows a forward)."""
        if not self._pending:
            return
        self._set_pending(False)
        if dist.get_world_size() == 1:
            return
        groups: OrderedDict[np.dtype[Any], List[Parameter]] = OrderedDict()
        for p in self._params():
            groups.setdefault(p._data.dtype, []).append(p)
        for params in groups.values():
            self._average_group(params)

    def _average_group(self, params: List[Parameter]) -> None:
        for p in params:
            if p.grad is None:          # no gradient here: zeros, so every rank sends the same
                p.grad = p._make(np.zeros(p._data.shape, p._data.dtype))
        # from here on every p.grad is a Tensor (the casts say so to mypy)
        where = arena.span([p._data for p in params])
        # the span's length (padding included) depends on where the arena put
        # the parameters: the span is used only when it is the same on every rank
        length = where[2] - where[1] if where is not None else -1
        lengths = dist.all_gather_object(length)          # every rank calls it
        if where is not None and all(n == length for n in lengths):
            chunk, start, stop = where
            grads = chunk.grads()[start:stop]
            strays = [p for p in params if cast("Tensor", p.grad)._data is not p._grad_home()]
            for p in strays:             # a .grad that is not in its home: in and out again
                cast("NDArray[Any]", p._grad_home())[...] = cast("Tensor", p.grad)._data
            dist._reduce_in_place(grads, "mean")
            for p in strays:
                cast("Tensor", p.grad)._data[...] = p._grad_home()
            return
        flat = np.concatenate([cast("Tensor", p.grad)._data.reshape(-1) for p in params])
        dist._reduce_in_place(flat, "mean")
        at = 0
        for p in params:
            g = cast("Tensor", p.grad)._data
            g[...] = flat[at:at + g.size].reshape(g.shape)
            at += g.size

    # ---- state: the wrapped model's keys ---------------------------------------
    def state_dict(self, prefix: str = "") -> OrderedDict[str, Tensor]:
        """The wrapped model's state_dict, without a ``module.`` prefix.

        Parameters
        ----------
        prefix : str, default ""
            Put before every key (with a ``"."``).

        Returns
        -------
        OrderedDict[str, Tensor]
            As the wrapped model's ``state_dict(prefix)``.
        """
        return self.module.state_dict(prefix)

    def load_state_dict(self, state_dict: Mapping[str, Union[Tensor, ArrayLike]],
                        strict: bool = True) -> Tuple[List[str], List[str]]:
        """Load into the wrapped model; keys may carry PyTorch's ``module.`` prefix.

        When every key starts with ``module.`` the prefix is dropped; then as
        Module.load_state_dict.

        Parameters
        ----------
        state_dict : Mapping[str, Tensor or array_like]
            Parameter names to values.
        strict : bool, default True
            Whether missing or unexpected keys are an error.

        Returns
        -------
        missing_keys : list[str]
            The model's parameters that `state_dict` has no value for.
        unexpected_keys : list[str]
            The keys of `state_dict` that name no parameter.

        Raises
        ------
        TypeError
            If `state_dict` is not a mapping.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        if state_dict and all(isinstance(k, str) and k.startswith("module.") for k in state_dict):
            state_dict = OrderedDict((k[len("module."):], v) for k, v in state_dict.items())
        return self.module.load_state_dict(state_dict, strict)
