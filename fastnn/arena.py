"""The parameter arena: every nn.Parameter's values live in a large buffer
per dtype (a chunk), one after another in the order the parameters were made,
and their gradients in a second buffer of the same layout (llm.c's
params_memory / grads_memory). A model's parameters are therefore one
contiguous span, so an optimizer updates a whole parameter group in one
kernel call over the span, zero_grad is one fill, and a data-parallel
all-reduce or a checkpoint can take the span in one piece.

Each parameter starts on a 64-byte boundary; the few elements between two
parameters are padding, zero in both buffers, which the span's calls update
harmlessly (a zero gradient leaves a zero value zero). Space is not reused
within a chunk: a chunk whose parameters are all gone is freed when a new
chunk is made (at most one chunk per dtype outlives its parameters). Nothing
here knows about tensors: the functions take and return numpy arrays.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

ALIGN_BYTES = 64
CHUNK_BYTES = 4 << 20        # a new chunk holds at least this much (zero pages until used)


class Chunk:
    """One buffer of parameter values (`data`) and its gradient twin
    (`grad`, made on first use), filled from the front (`used` elements)."""
    __slots__ = ("data", "grad", "used", "__weakref__")
    data: npt.NDArray[Any]
    grad: Optional[npt.NDArray[Any]]
    used: int

    def __init__(self, size: int, dtype: npt.DTypeLike) -> None:
        self.data = _aligned_zeros(size, dtype)
        self.grad = None
        self.used = 0

    def grads(self) -> npt.NDArray[Any]:
        """The gradient buffer, made (zeroed) on first use.

        Returns
        -------
        numpy.ndarray
            1-D, `data`'s size and dtype, 64-byte aligned.
        """
        if self.grad is None:
            self.grad = _aligned_zeros(self.data.size, self.data.dtype)
        return self.grad


def _aligned_zeros(size: int, dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """A zeroed 1-D array of `size` elements whose first element is on an
    ALIGN_BYTES boundary (numpy's own arrays are 16-byte aligned: a vector
    load that straddles two cache lines costs two). Views of it have the
    byte buffer underneath as their base."""
    dtype = np.dtype(dtype)
    raw = np.zeros(size * dtype.itemsize + ALIGN_BYTES, dtype=np.uint8)
    lead = -raw.ctypes.data % ALIGN_BYTES
    return raw[lead:lead + size * dtype.itemsize].view(dtype)


_current: dict[np.dtype[Any], Chunk] = {}   # dtype -> the chunk new parameters go to
_chunks: dict[int, Chunk] = {}   # id(chunk.data.base) -> chunk: the owner of a parameter's memory


def _align(n: int, itemsize: int) -> int:
    step = max(ALIGN_BYTES // itemsize, 1)
    return (n + step - 1) // step * step


def allocate(shape: tuple[int, ...], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """A zeroed array of `shape` and `dtype` placed in the arena, right after
    the previous parameter of that dtype.

    Parameters
    ----------
    shape : tuple of int
        The array's shape.
    dtype : numpy dtype
        Its dtype (float32 or float64 for parameters).

    Returns
    -------
    numpy.ndarray
        `shape`, `dtype`, zeros, C-contiguous, its first element on a
        64-byte boundary: a view of the chunk's buffer.
    """
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    chunk = _current.get(dtype)
    start = _align(chunk.used, dtype.itemsize) if chunk is not None else 0
    if chunk is None or start + n > chunk.data.size:
        _current.pop(dtype, None)
        _forget_dead_chunks()
        size = max(CHUNK_BYTES // dtype.itemsize, _align(n, dtype.itemsize))
        chunk = Chunk(size, dtype)
        _current[dtype] = chunk
        _chunks[id(chunk.data.base)] = chunk
        start = 0
    chunk.used = start + n
    return chunk.data[start:start + n].reshape(shape)


def _forget_dead_chunks() -> None:
    """Drop the chunks no parameter array refers to any more (their memory
    is freed then): the registry and the chunk are all that hold them."""
    for key, chunk in list(_chunks.items()):
        if chunk is not _current.get(chunk.data.dtype) and sys.getrefcount(chunk.data.base) <= 2:
            del _chunks[key]


def locate(array: npt.NDArray[Any]) -> Optional[tuple[Chunk, int]]:
    """(chunk, offset) of an array allocate() made, or None for any other
    array (or a view that is not a whole parameter's contiguous block).

    Parameters
    ----------
    array : numpy.ndarray
        Any array.

    Returns
    -------
    tuple of (Chunk, int) or None
        The chunk and the offset of the array's first element in
        ``chunk.data``, in elements.
    """
    base = array.base
    if base is None or not array.flags.c_contiguous:
        return None
    chunk = _chunks.get(id(base))
    if chunk is None or chunk.data.base is not base:
        return None
    offset = (array.ctypes.data - chunk.data.ctypes.data) // array.itemsize
    if not 0 <= offset < chunk.data.size:
        return None
    return chunk, offset


def grad_view(array: npt.NDArray[Any]) -> Optional[npt.NDArray[Any]]:
    """The gradient array that shadows parameter array `array` in its
    chunk's gradient buffer, or None if `array` is not in the arena.

    Parameters
    ----------
    array : numpy.ndarray
        A parameter array (any other array gives None).

    Returns
    -------
    numpy.ndarray or None
        `array`'s shape and dtype, a view of the chunk's gradient buffer.
    """
    where = locate(array)
    if where is None:
        return None
    chunk, offset = where
    return chunk.grads()[offset:offset + array.size].reshape(array.shape)


def span(arrays: Sequence[npt.NDArray[Any]]) -> Optional[tuple[Chunk, int, int]]:
    """(chunk, start, stop) if `arrays` (parameter arrays, in order) lie one
    after another in one chunk, separated by alignment padding only; else
    None. Then chunk.data[start:stop] holds them all.

    Parameters
    ----------
    arrays : sequence of numpy.ndarray
        Parameter arrays, in the order they should lie in.

    Returns
    -------
    tuple of (Chunk, int, int) or None
        The chunk and the span's bounds in ``chunk.data``, in elements; None
        for an empty sequence too.
    """
    if not arrays:
        return None
    where = locate(arrays[0])
    if where is None:
        return None
    chunk, start = where
    end = start + arrays[0].size
    itemsize = chunk.data.itemsize
    for a in arrays[1:]:
        w = locate(a)
        if w is None or w[0] is not chunk or w[1] != _align(end, itemsize):
            return None
        end = w[1] + a.size
    return chunk, start, end
