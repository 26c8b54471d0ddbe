"""fastnn.distributed: several processes training one model, over MPI.

PyTorch's names (``init``, ``get_rank``, ``get_world_size``, ``all_reduce``,
``broadcast``, ``barrier``, ``all_gather_object``), with MPI (mpi4py) as the
engine: start the script with ``mpiexec -n K python script.py`` (``srun`` on
a Slurm cluster), or as usual for a world of one. mpi4py is an optional extra
(``pip install mpi4py mpich``, or the extra ``mpi``, brings mpi4py and the MPICH wheel, whose
``mpiexec`` lands in the environment); importing fastnn never needs it, and a
world of one runs without it.

Decisions (where PyTorch's ``torch.distributed`` differs or is silent):

- ``init()`` takes no backend or address: MPI's launcher already started the
  processes and told them who they are. Called twice, it does nothing.
- ``all_reduce`` sums in a fixed order: a ring (reduce-scatter then
  all-gather, 2(K-1)/K of the array sent and received per rank) of MPI
  send/receive pairs in which the order of the additions depends only on the
  ranks, never on which message arrives first. Every rank ends with the same
  bits, and so does every run with the same K.
- Before it moves data, each collective on arrays checks that every rank
  passed the same shape and dtype (a small exchange); a mismatch raises
  ValueError on every rank instead of hanging or mixing up memory.
- An exception that escapes a rank's script in a world of more than one
  prints its traceback, prefixed with the rank, and aborts the whole world
  (``MPI_Abort``): the other ranks, waiting in a collective, would otherwise
  hang.
- Threads: when neither FASTNN_NUM_THREADS nor OMP_NUM_THREADS is set, each
  rank takes an equal share of the machine's usable CPUs (at least one), so
  K ranks on one machine do not oversubscribe it.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Literal, Optional, TypeVar, Union

import numpy as np

from . import _dist
from ._config import set_num_threads, usable_cpus
from .tensor_base import TensorBase

if TYPE_CHECKING:
    from types import TracebackType
    from typing import TypedDict

    from numpy.typing import NDArray

    class _World(TypedDict):
        initialized: bool
        comm: Any                  # mpi4py's MPI.Intracomm (untyped), None in a world of one
        rank: int
        size: int

#: An array the collectives work on in place: a numpy array or a Tensor (its array).
_A = TypeVar("_A", bound=Union[TensorBase, "NDArray[Any]"])
_T = TypeVar("_T")

# what a launcher tells its processes about the world (MPICH/Intel MPI's
# hydra, Open MPI, MVAPICH, Slurm's srun)
_LAUNCHER_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE",
                  "SLURM_STEP_NUM_TASKS")
_OPS = ("sum", "mean", "max")

_world: _World = {"initialized": False, "comm": None, "rank": 0, "size": 1}


def _launched_size() -> int:
    """The number of processes a launcher started this one among (1 when
    none did)."""
    for name in _LAUNCHER_SIZE:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 1:
            return int(value)
    return 1


def init() -> None:
    """Join the world of processes ``mpiexec`` (or ``srun``) started.

    After it, ``get_rank()`` is this process's number in [0,
    get_world_size()). Without a launcher the world is this process alone
    (mpi4py is then not needed). Called twice, it does nothing. In a world of
    more than one, an exception that escapes a rank's script aborts every
    rank, and each rank takes its share of the machine's CPUs unless
    FASTNN_NUM_THREADS or OMP_NUM_THREADS is set (see the module's notes).

    Raises
    ------
    ImportError
        Saying how to install it, when a launcher started several processes
        and mpi4py is missing.
    """
    if _world["initialized"]:
        return
    try:
        from mpi4py import MPI
    except ImportError:
        if _launched_size() > 1:
            raise ImportError("fastnn.distributed needs mpi4py and an MPI library: pip install "
                              f"mpi4py mpich ({_dist.extra_hint('mpi')})") from None
        _world.update({"initialized": True, "comm": None, "rank": 0, "size": 1})
        return
    comm = MPI.COMM_WORLD
    _world.update({"initialized": True, "comm": comm, "rank": comm.Get_rank(),
                   "size": comm.Get_size()})
    if _world["size"] > 1:
        _abort_on_uncaught_exception(comm)
        _share_threads(comm)


def is_initialized() -> bool:
    """True once init() ran."""
    return _world["initialized"]


def _require_init(name: str) -> None:
    if not _world["initialized"]:
        raise RuntimeError(f"fastnn.distributed.{name}: call fastnn.distributed.init() first")


def get_rank() -> int:
    """This process's number in the world, 0 to get_world_size() - 1.

    Raises
    ------
    RuntimeError
        Before init().
    """
    _require_init("get_rank")
    return _world["rank"]


def get_world_size() -> int:
    """How many processes train together.

    Raises
    ------
    RuntimeError
        Before init().
    """
    _require_init("get_world_size")
    return _world["size"]


def barrier() -> None:
    """Wait until every rank reached this call.

    Raises
    ------
    RuntimeError
        Before init().
    """
    _require_init("barrier")
    if _world["size"] > 1:
        _world["comm"].Barrier()


def _abort_on_uncaught_exception(comm: Any) -> None:
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException,
             tb: Optional[TracebackType]) -> None:
        sys.stderr.write(f"[fastnn rank {_world['rank']} of {_world['size']}] uncaught "
                         f"{kind.__name__}: aborting every rank\n")
        previous(kind, value, tb)
        sys.stderr.flush()
        sys.stdout.flush()
        comm.Abort(1)
    sys.excepthook = hook


def _share_threads(comm: Any) -> None:
    if os.environ.get("FASTNN_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        return
    from mpi4py import MPI
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)      # the ranks on this machine
    per_rank = max(1, usable_cpus() // local.Get_size())
    local.Free()
    set_num_threads(per_rank)


# ---- collectives on arrays ------------------------------------------------------

def _buffer(array: object, name: str = "array") -> NDArray[Any]:
    """The numpy array behind `array` (a numpy array or a Tensor), checked
    for use as an in-place MPI buffer."""
    a = array._data if isinstance(array, TensorBase) else array
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or a fastnn.Tensor, got "
                        f"{type(array).__name__}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {a.dtype}")
    if not a.flags.c_contiguous or not a.flags.writeable:
        raise ValueError(f"{name} must be C-contiguous and writeable (it is changed in place)")
    return a


def _same_everywhere(a: NDArray[Any], what: str) -> None:
    """Raise ValueError on every rank unless every rank passed an array of
    the same shape and dtype."""
    seen = _world["comm"].allgather((a.shape, a.dtype.str))
    if any(s != seen[0] for s in seen):
        detail = ", ".join(f"rank {r}: shape {s} dtype {np.dtype(d)}" for r, (s, d) in enumerate(seen))
        raise ValueError(f"{what}: every rank must pass an array of the same shape and dtype; "
                         f"got {detail}")


def _ring_bounds(n: int, k: int) -> list[int]:
    """Where the array of n elements is cut into k consecutive pieces."""
    return [n * i // k for i in range(k + 1)]


def _ring_all_reduce(flat: NDArray[Any],
                     combine: Callable[[NDArray[Any], NDArray[Any]], None]) -> None:
    """flat (1-D, contiguous) becomes the combination of every rank's flat:
    reduce-scatter around the ring, then all-gather. Piece c is combined in
    the order rank c, c+1, ..., c-1: fixed by the ranks alone, so every rank
    gets the same bits."""
    comm, rank, k = _world["comm"], _world["rank"], _world["size"]
    right, left = (rank + 1) % k, (rank - 1) % k
    cut = _ring_bounds(flat.size, k)
    piece: Callable[[int], NDArray[Any]] = lambda c: flat[cut[c % k]:cut[c % k + 1]]  # noqa: E731
    recv = np.empty(cut[1] - cut[0] + 1, flat.dtype)
    for step in range(k - 1):            # after it, rank r holds piece r+1 combined
        send, into = piece(rank - step), piece(rank - step - 1)
        got = recv[:into.size]
        comm.Sendrecv(send, dest=right, recvbuf=got, source=left)
        combine(into, got)
    for step in range(k - 1):            # pass the combined pieces around
        send, into = piece(rank + 1 - step), piece(rank - step)
        comm.Sendrecv(send, dest=right, recvbuf=into, source=left)


def _add_into(into: NDArray[Any], got: NDArray[Any]) -> None:
    np.add(got, into, out=into)          # got + into: the earlier ranks' sum first


def _max_into(into: NDArray[Any], got: NDArray[Any]) -> None:
    np.maximum(got, into, out=into)


def all_reduce(array: _A, op: Literal["sum", "mean", "max"] = "sum") -> _A:
    """Combine ``array`` across ranks, in place.

    ``array`` is a numpy array or Tensor, the same shape and dtype on every
    rank, C-contiguous; op 'sum', 'mean' (the sum over the world size; float
    arrays only) or 'max'. Returns the array. The order of the additions is
    fixed (see the module's notes): every rank gets the same bits, run after
    run.

    Parameters
    ----------
    array : numpy.ndarray or Tensor
        Any shape; a numeric dtype (bool, int, uint, float); C-contiguous
        and writeable. The same shape and dtype on every rank.
    op : {"sum", "mean", "max"}
        How the ranks' values combine, element by element.

    Returns
    -------
    numpy.ndarray or Tensor
        ``array`` itself, holding the combination.

    Raises
    ------
    RuntimeError
        Before init().
    ValueError
        When op is unknown, the array is not C-contiguous and writeable, or
        the ranks' shapes or dtypes differ (raised on every rank).
    TypeError
        When array is not a numpy array or Tensor of numbers, or op='mean'
        is asked of a non-float array.
    """
    _require_init("all_reduce")
    if op not in _OPS:
        raise ValueError(f"op must be one of {', '.join(map(repr, _OPS))}, got {op!r}")
    a = _buffer(array)
    if op == "mean" and a.dtype.kind != "f":
        raise TypeError(f"op='mean' needs a float array, got dtype {a.dtype}")
    if _world["size"] == 1:
        return array
    _same_everywhere(a, "all_reduce")
    _reduce_in_place(a, op)
    return array


def _reduce_in_place(a: NDArray[Any], op: str) -> None:
    """all_reduce's work on a checked array (callers that checked the
    layout of every rank once, like DistributedDataParallel, call this)."""
    if _world["size"] == 1 or a.size == 0:
        return
    flat = a.reshape(-1)
    _ring_all_reduce(flat, _max_into if op == "max" else _add_into)
    if op == "mean":
        np.divide(flat, _world["size"], out=flat)


def broadcast(array: _A, src: int = 0) -> _A:
    """Copy rank ``src``'s ``array`` into every rank's ``array``.

    In place, the same shape and dtype everywhere. Returns the array.

    Parameters
    ----------
    array : numpy.ndarray or Tensor
        Any shape; a numeric dtype; C-contiguous and writeable. The same
        shape and dtype on every rank.
    src : int
        The rank whose values every rank gets, in [0, get_world_size()).

    Returns
    -------
    numpy.ndarray or Tensor
        ``array`` itself, holding rank src's values.

    Raises
    ------
    RuntimeError
        Before init().
    ValueError
        When src is not a rank, the array is not C-contiguous and writeable,
        or the ranks' shapes or dtypes differ.
    TypeError
        When array is not a numpy array or Tensor of numbers.
    """
    _require_init("broadcast")
    a = _buffer(array)
    k = _world["size"]
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < k:
        raise ValueError(f"src must be a rank in [0, {k - 1}], got {src!r}")
    if k > 1:
        _same_everywhere(a, "broadcast")
        _world["comm"].Bcast(a, root=int(src))
    return array


def all_gather_object(obj: _T) -> list[_T]:
    """A list of every rank's ``obj`` (picklable), in rank order.

    (PyTorch's version fills a list passed in; this one returns it.)

    Parameters
    ----------
    obj : object
        Any picklable object.

    Returns
    -------
    list
        get_world_size() objects: rank r's at index r.

    Raises
    ------
    RuntimeError
        Before init().
    """
    _require_init("all_gather_object")
    if _world["size"] == 1:
        return [obj]
    gathered: list[_T] = _world["comm"].allgather(obj)
    return gathered
