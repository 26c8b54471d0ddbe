"""fastnn.data: minibatches without per-sample Python.

DataLoader takes a TensorDataset, a tuple of arrays/tensors (e.g. ``(X, y)``)
or a single array; every batch is gathered in one kernel call per array
(fastnn.ops.gather_rows for float and uint8 data, numpy's take for labels).
uint8 arrays (images kept as bytes) come out as float32 scaled by ``scale``
(1/255 by default, as torchvision's ToTensor). Shuffling draws a permutation
per epoch from a seeded generator: the same seed gives the same batches, and
every sample appears once per epoch.
"""
from __future__ import annotations

import math
import numbers
import sys
from typing import (TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Iterator, Optional,
                    Sequence, Sized, Union, cast)

import numpy as np

from . import _C
from . import distributed as dist
from .tensor import Tensor, default_generator

if TYPE_CHECKING:
    from typing import Protocol

    from numpy.typing import DTypeLike, NDArray

    class _MapStyle(Protocol):
        """Anything with ``__getitem__(i)`` and ``__len__``: a map-style dataset."""

        def __getitem__(self, index: Any, /) -> Any: ...

        def __len__(self) -> int: ...

    class _Sampler(Protocol):
        """An iterable of sample indices with a length (e.g. DistributedSampler)."""

        def __iter__(self) -> Iterator[int]: ...

        def __len__(self) -> int: ...

    #: What DataLoader and random_split take as a dataset.
    _DataArg = Union[_MapStyle, Tensor, NDArray[Any], Sequence[Union[Tensor, NDArray[Any]]]]


def _array(x: object, name: str = "array") -> NDArray[Any]:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{name} must be a numpy array or a fastnn.Tensor, got {type(x).__name__}")


class Dataset:
    """A map-style dataset, as torch.utils.data.Dataset.

    Subclasses define ``__getitem__(i)`` (a sample: a tensor, array, number,
    or a tuple of them) and ``__len__``. DataLoader gathers a batch of such a
    dataset one sample at a time and stacks each field (PyTorch's default
    collation: Python floats become float64, ints int64); a TensorDataset (or
    a tuple of arrays) is gathered in one kernel call per array instead.

    Examples
    --------
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 10
    ...     def __getitem__(self, i):
    ...         return float(i), i * i
    >>> X, y = next(iter(DataLoader(Squares(), batch_size=4)))
    >>> X.dtype, y.dtype, tuple(y.shape)
    (dtype('float64'), dtype('int64'), (4,))
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Arrays or tensors sharing their first dimension; item i is the tuple of their i-th rows.

    A DataLoader over it gathers each batch in one kernel call per array.

    Parameters
    ----------
    *tensors : Tensor or numpy.ndarray
        One or more arrays of shape (N, ...), any dtype, with the same N.

    Attributes
    ----------
    arrays : list of numpy.ndarray
        The arrays (a Tensor's own array, not a copy).

    Raises
    ------
    ValueError
        When no array is given, or one is 0-d or has another number of rows.
    TypeError
        When an argument is neither a numpy array nor a Tensor.
    """

    def __init__(self, *tensors: Union[Tensor, NDArray[Any]]) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = [_array(t, f"tensors[{i}]") for i, t in enumerate(tensors)]
        n = self.arrays[0].shape[0] if self.arrays[0].ndim else None
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or a.shape[0] != n:
                raise ValueError(f"tensors[{i}] has {a.shape[0] if a.ndim else 0} rows but "
                                 f"tensors[0] has {n}: all must share the first dimension")

    def __len__(self) -> int:
        rows: int = self.arrays[0].shape[0]
        return rows

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor._make(a[index]) for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, as torch.utils.data.Subset.

    Of a TensorDataset (or another Subset of one) it keeps arrays too, so a
    DataLoader over it still gathers in one kernel call per array.

    Parameters
    ----------
    dataset : Dataset
        A map-style dataset (anything with ``__getitem__`` and ``__len__``).
    indices : iterable of int
        The positions in ``dataset`` of the subset's samples, in order.
    """

    def __init__(self, dataset: _MapStyle, indices: Iterable[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]
        self._arrays: Optional[list[NDArray[Any]]] = None

    @property
    def arrays(self) -> list[NDArray[Any]]:
        """The subset's rows of each of the dataset's arrays (taken on first use).

        Raises
        ------
        AttributeError
            When the dataset is a map-style dataset without arrays.
        """
        base = getattr(self.dataset, "arrays", None)
        if base is None:
            raise AttributeError("a Subset of a map-style dataset has no arrays")
        if self._arrays is None:
            idx = np.asarray(self.indices, dtype=np.int64)
            self._arrays = [np.take(a, idx, axis=0) for a in base]
        return self._arrays

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, tuple, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _as_dataset(data: Any) -> tuple[Any, bool]:
    """(the dataset, whether a batch is a single tensor rather than a tuple:
    a lone array given as the dataset)."""
    if isinstance(data, TensorDataset):
        return data, False
    if isinstance(data, (tuple, list)) and data and \
            all(isinstance(a, (np.ndarray, Tensor)) for a in data):
        return TensorDataset(*data), False
    if isinstance(data, (np.ndarray, Tensor)):
        return TensorDataset(data), True
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        return data, False                      # map-style: gathered sample by sample
    return TensorDataset(data), True


def _collate(samples: Sequence[Any]) -> Any:
    """Stack a batch of samples field by field, as PyTorch's default_collate:
    tensors and arrays stacked, Python ints as int64 and floats as float64,
    tuples field by field."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (Tensor, np.ndarray)):
        arrays = [s._data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"DataLoader: the samples of a batch must have one shape to be "
                             f"stacked, got {sorted(shapes)} (pass collate_fn= to batch them "
                             f"otherwise)")
        return Tensor._make(np.stack(arrays))
    if isinstance(first, bool):
        return Tensor._make(np.asarray(samples, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor._make(np.asarray(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._make(np.asarray(samples, dtype=np.float64))
    return list(samples)


def _generator(seed: Optional[int],
               generator: Optional[np.random.Generator]) -> Optional[np.random.Generator]:
    if generator is not None:
        return generator
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        return np.random.default_rng(int(seed))
    return None


class DataLoader:
    """Iterate over minibatches of `dataset`, as torch.utils.data.DataLoader.

    Batches are tuples of Tensors (a single Tensor when the dataset is one
    array). A TensorDataset, a tuple of arrays or a single array is gathered
    in one kernel call per array (fastnn.ops.gather_rows for float and uint8
    data, numpy's take for labels); a map-style dataset, or any dataset with
    a collate_fn, sample by sample.

    PyTorch's arguments, in its order: batch_size, shuffle, sampler (any
    iterable of sample indices with a length, e.g. DistributedSampler; it
    excludes shuffle), collate_fn (given, batches are gathered sample by
    sample and handed to it), drop_last, generator (a numpy Generator);
    num_workers, pin_memory, timeout, worker_init_fn,
    multiprocessing_context, prefetch_factor, persistent_workers,
    pin_memory_device and in_order are accepted and change nothing (a batch
    is one kernel call in this process); batch_sampler is not supported.
    fastnn's own: seed makes the shuffling reproducible (else fastnn's
    generator, fastnn.manual_seed, is used). scale: the factor for uint8 arrays (float32
    out, 1/255 by default); dtype: their output dtype.

    Parameters
    ----------
    dataset : TensorDataset, tuple of arrays, array, or Dataset
        A TensorDataset or a tuple/list of numpy arrays or Tensors sharing
        their first dimension N (e.g. ``(X, y)``: batches are tuples); a
        single array or Tensor (batches are single Tensors); or a map-style
        dataset (``__getitem__`` and ``__len__``), such as a Subset.
    batch_size : int
        Samples per batch (>= 1); the last batch may be smaller.
    shuffle : bool, optional
        A new permutation every epoch (see seed).
    sampler : iterable of int, optional
        The order of the samples (indices in [-N, N), with a length), e.g.
        a DistributedSampler; excludes shuffle.
    batch_sampler : None
        Not supported (raises NotImplementedError).
    num_workers : int
        Accepted (>= 0); changes nothing.
    collate_fn : callable, optional
        Called with the list of a batch's samples; returns the batch.
    pin_memory : bool
        Accepted; changes nothing.
    drop_last : bool
        Drop the last batch when it is smaller than batch_size.
    timeout : float
        Accepted; changes nothing.
    worker_init_fn : callable, optional
        Accepted; never called (no worker processes).
    multiprocessing_context : object, optional
        Accepted; changes nothing.
    generator : numpy.random.Generator, optional
        The generator of the shuffling.
    prefetch_factor : int, optional
        Accepted; changes nothing.
    persistent_workers : bool
        Accepted; changes nothing.
    pin_memory_device : str
        Accepted; changes nothing.
    in_order : bool
        Accepted; changes nothing.
    seed : int, optional
        fastnn's own: seeds a generator of this loader's own, so the same seed
        gives the same batches (else fastnn's generator, fastnn.manual_seed).
    scale : float
        fastnn's own: the factor uint8 arrays are multiplied by (1/255: images
        as bytes come out in [0, 1], as torchvision's ToTensor).
    dtype : numpy dtype
        fastnn's own: the dtype uint8 arrays come out as (float32).

    Raises
    ------
    NotImplementedError
        When batch_sampler is given.
    ValueError
        When batch_size is not a positive int, num_workers not an int >= 0,
        or both sampler and shuffle=True are given.
    TypeError
        When collate_fn is not callable, sampler not iterable, or seed not an int.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((10, 28, 28), np.uint8); y = np.arange(10)
    >>> loader = DataLoader((X, y), batch_size=4, shuffle=True, seed=0)
    >>> [tuple(b.shape) for b, _ in loader]
    [(4, 28, 28), (4, 28, 28), (2, 28, 28)]
    """

    dataset: Any
    sampler: Optional[_Sampler]
    collate_fn: Optional[Callable[[list[Any]], Any]]
    num_workers: int
    batch_size: int
    shuffle: bool
    drop_last: bool
    scale: float
    dtype: np.dtype[Any]
    _single: bool
    _gen: Optional[np.random.Generator]

    def __init__(self, dataset: _DataArg, batch_size: int = 1, shuffle: Optional[bool] = None,
                 sampler: Optional[_Sampler] = None,
                 batch_sampler: Optional[Iterable[Sequence[int]]] = None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[list[Any]], Any]] = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Optional[Callable[[int], None]] = None,
                 multiprocessing_context: object = None,
                 generator: Optional[np.random.Generator] = None, *,
                 prefetch_factor: Optional[int] = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: Optional[int] = None,
                 scale: float = 1.0 / 255, dtype: DTypeLike = np.float32) -> None:
        if batch_sampler is not None:
            raise NotImplementedError("batch_sampler is not supported: give batch_size (and a "
                                      "sampler for the order)")
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) or \
                num_workers < 0:
            raise ValueError(f"num_workers must be an int >= 0, got {num_workers!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        self.collate_fn = collate_fn
        self.num_workers = int(num_workers)      # accepted; batches are made in this process
        self.dataset, self._single = _as_dataset(dataset)
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler and shuffle=True exclude each other (the sampler decides "
                             "the order; DistributedSampler shuffles itself)")
        if sampler is not None and not hasattr(sampler, "__iter__"):
            raise TypeError(f"sampler must be an iterable of indices (e.g. DistributedSampler), "
                            f"got {type(sampler).__name__}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self._gen = _generator(seed, generator)
        self.scale = float(scale)
        self.dtype = np.dtype(dtype)

    def __len__(self) -> int:
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> NDArray[np.int64]:
        n = len(self.dataset)
        if self.sampler is not None:
            take = getattr(self.sampler, "indices", None)
            order = (np.asarray(take(), dtype=np.int64) if callable(take)
                     else np.fromiter(iter(self.sampler), dtype=np.int64))
            if order.size and (order.min() < -n or order.max() >= n):
                raise IndexError(f"sampler gave an index outside the dataset's {n} samples")
            return order % n if order.size else order
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        gen = self._gen if self._gen is not None else default_generator()
        return gen.permutation(n).astype(np.int64)

    def _gather(self, a: NDArray[Any], idx: NDArray[np.int64],
                out: Optional[NDArray[Any]] = None) -> NDArray[Any]:
        if a.dtype == np.uint8 and a.ndim >= 1:
            return _C.gather_rows(a, idx, out=out, scale=self.scale, dtype=self.dtype)
        if a.dtype in (np.float32, np.float64) and a.ndim >= 1:
            return _C.gather_rows(a, idx, out=out)
        return np.take(a, idx, axis=0, out=out)

    def __iter__(self) -> Iterator[Any]:
        """One epoch's batches (a new order each epoch when shuffling).

        Yields
        ------
        tuple of Tensor, Tensor, or collate_fn's result
            Over arrays: a tuple with one Tensor per array, of shape
            (B, ...) with B = batch_size (the last batch smaller unless
            drop_last); float arrays keep their dtype, uint8 ones become
            ``dtype`` times ``scale``, others (labels) keep theirs. A single
            Tensor when the dataset was one array. Over a map-style dataset,
            the samples stacked field by field (Python ints as int64, floats
            as float64), or what collate_fn returns.

        Raises
        ------
        ValueError
            When the samples of a map-style batch have different shapes
            (pass collate_fn to batch them otherwise).
        IndexError
            When the sampler gives an index outside the dataset.
        """
        order = self._order()
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        if self.collate_fn is not None or getattr(self.dataset, "arrays", None) is None:
            collate = self.collate_fn or _collate               # sample by sample
            for start in range(0, stop, bs):
                yield collate([self.dataset[int(i)] for i in order[start:start + bs]])
            return
        pools = [_BatchPool() for _ in self.dataset.arrays]
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            batch = []
            for a, pool in zip(self.dataset.arrays, pools):
                out = pool.take(len(idx))
                arr = self._gather(a, idx, out)
                if out is None:
                    pool.add(arr)
                batch.append(Tensor._make(arr))
            yield batch[0] if self._single else tuple(batch)


class DistributedSampler:
    """The indices of rank ``rank``'s share of ``dataset`` among ``num_replicas`` processes.

    As PyTorch's DistributedSampler: the order (shuffled with ``seed +
    epoch`` when ``shuffle``; call ``set_epoch`` at each epoch) is padded by
    repeating its start to a multiple of num_replicas (or cut to one, with
    drop_last), and rank r takes every num_replicas-th index from position
    r. K ranks at batch B thus see the global batches of one process at
    batch K·B.

    num_replicas and rank default to fastnn.distributed's world (initialized
    on first use). The shuffled order comes from numpy's generator seeded
    with seed + epoch, not PyTorch's: the same on every rank and every run,
    not PyTorch's permutation.

    Parameters
    ----------
    dataset : Dataset or int
        The dataset (anything with a length), or its number of samples.
    num_replicas : int, optional
        The number of processes sharing the data (>= 1); default the world size.
    rank : int, optional
        This process's share, in [0, num_replicas); default its rank.
    shuffle : bool
        A new permutation every epoch.
    seed : int
        The base of the shuffling's seed (seed + epoch); the same on every rank.
    drop_last : bool
        Cut the order to a multiple of num_replicas instead of padding it.

    Attributes
    ----------
    num_samples : int
        The number of indices each rank gets per epoch.
    total_size : int
        num_samples × num_replicas.

    Raises
    ------
    TypeError
        When num_replicas, rank or seed is not an int.
    ValueError
        When num_replicas < 1 or rank is outside [0, num_replicas).
    """

    def __init__(self, dataset: Union[Sized, int], num_replicas: Optional[int] = None,
                 rank: Optional[int] = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                dist.init()
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        for name, v in (("num_replicas", num_replicas), ("rank", rank), ("seed", seed)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
        if num_replicas < 1:
            raise ValueError(f"num_replicas must be >= 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank must be in [0, {num_replicas - 1}], got {rank}")
        self.n = len(cast(Sized, dataset)) if not isinstance(dataset, numbers.Integral) \
            else int(dataset)
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        if self.drop_last and self.n % self.num_replicas:
            self.num_samples = math.ceil((self.n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(self.n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose shuffled order the next iteration gives.

        Parameters
        ----------
        epoch : int
            The epoch number (the shuffling is seeded with seed + epoch).

        Raises
        ------
        TypeError
            When epoch is not an int.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral):
            raise TypeError(f"epoch must be an int, got {type(epoch).__name__}")
        self.epoch = int(epoch)

    def indices(self) -> NDArray[np.int64]:
        """This rank's indices for the current epoch (an int64 array).

        Returns
        -------
        numpy.ndarray
            int64, shape (num_samples,).
        """
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(self.n)
        else:
            order = np.arange(self.n)
        if self.total_size > self.n:               # pad by repeating the start
            reps = math.ceil((self.total_size - self.n) / max(self.n, 1))
            order = np.concatenate([order] + [order] * reps)[:self.total_size]
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class _BatchPool:
    """The arrays one DataLoader iteration gathers an array's batches into:
    reused once nothing else holds them (a loop's variable lets go of a batch
    only when the next one arrives, so a few take turns), so a batch that
    someone kept is never written again."""
    SIZE: ClassVar[int] = 3

    def __init__(self) -> None:
        self.arrays: list[NDArray[Any]] = []

    def take(self, rows: int) -> Optional[NDArray[Any]]:
        """A pooled array of `rows` rows that no one else holds, or None."""
        for buf in self.arrays:
            if buf.shape[0] == rows and sys.getrefcount(buf) <= 3:   # the list, buf, the argument
                return buf
        return None

    def add(self, arr: NDArray[Any]) -> None:
        if len(self.arrays) < self.SIZE:
            self.arrays.append(arr)


def _lengths(n: int, lengths: Sequence[float]) -> list[int]:
    if all(isinstance(x, float) and 0 <= x <= 1 for x in lengths) and math.isclose(sum(lengths), 1.0):
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):          # spread the remainder, as PyTorch does
            sizes[i % len(sizes)] += 1
        return sizes
    sizes = [int(x) for x in lengths]
    if sum(sizes) != n or min(sizes) < 0:
        raise ValueError(f"lengths {list(lengths)} must be non-negative and sum to the dataset "
                         f"size {n} (or be fractions summing to 1)")
    return sizes


def random_split(dataset: _DataArg, lengths: Sequence[float], seed: Optional[int] = None,
                 generator: Optional[np.random.Generator] = None) -> list[Subset]:
    """Split a dataset into non-overlapping random parts of the given lengths.

    The lengths are counts, or fractions summing to 1. Returns Subsets, as
    PyTorch (of a TensorDataset, or of a tuple of arrays, they gather as
    fast as one).

    Parameters
    ----------
    dataset : TensorDataset, tuple of arrays, array, or Dataset
        What to split (as DataLoader takes it).
    lengths : sequence of int or float
        The parts' sizes, summing to the dataset's size; or fractions summing
        to 1 (the remainder spread one by one over the first parts, as PyTorch).
    seed : int, optional
        fastnn's own: seeds the permutation.
    generator : numpy.random.Generator, optional
        The permutation's generator (default fastnn's, fastnn.manual_seed).

    Returns
    -------
    list of Subset
        One per length, in order.

    Raises
    ------
    ValueError
        When the lengths are negative or do not sum to the dataset's size (or 1).
    """
    ds, _ = _as_dataset(dataset)
    sizes = _lengths(len(ds), list(lengths))
    gen = _generator(seed, generator) or default_generator()
    perm = gen.permutation(len(ds))
    parts, start = [], 0
    for size in sizes:
        parts.append(Subset(ds, perm[start:start + size]))
        start += size
    return parts


def train_test_split(*arrays: Union[Tensor, NDArray[Any]], test_size: float = 0.25,
                     shuffle: bool = True,
                     seed: Optional[int] = None) -> list[Union[Tensor, NDArray[Any]]]:
    """Split arrays into random train and test rows, as scikit-learn's.

    Returns [a_train, a_test, b_train, b_test, ...]; test_size a fraction or
    a count.

    Parameters
    ----------
    *arrays : Tensor or numpy.ndarray
        Arrays of shape (N, ...) with the same N.
    test_size : float or int
        A fraction (a float: ceil(test_size·N) rows) or a number of rows (an int).
    shuffle : bool
        Permute the rows first (else the first rows are the test part).
    seed : int, optional
        Seeds the permutation (numpy's generator).

    Returns
    -------
    list of Tensor or numpy.ndarray
        Two per input, train rows then test rows, each of the kind of its input.

    Raises
    ------
    ValueError
        When no array is given, the arrays differ in rows, or the split
        leaves no train or no test row.
    TypeError
        When an argument is neither a numpy array nor a Tensor.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    arrs = [_array(a, f"arrays[{i}]") for i, a in enumerate(arrays)]
    n = arrs[0].shape[0]
    if any(a.shape[0] != n for a in arrs):
        raise ValueError("all arrays must have the same number of rows")
    n_test = int(math.ceil(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size} leaves no train or no test rows out of {n}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    test, train = order[:n_test], order[n_test:]
    out = []
    for a, orig in zip(arrs, arrays):
        wrap = (lambda x: Tensor._make(x)) if isinstance(orig, Tensor) else (lambda x: x)
        out += [wrap(np.take(a, train, axis=0)), wrap(np.take(a, test, axis=0))]
    return out


class KFold:
    """K-fold cross-validation indices, as scikit-learn's KFold.

    split(X) yields (train_index, test_index) with the first n % k folds one
    larger.

    Parameters
    ----------
    n_splits : int
        The number of folds k (>= 2).
    shuffle : bool
        Permute the samples before cutting the folds.
    seed : int, optional
        Seeds the permutation (numpy's generator).

    Raises
    ------
    ValueError
        When n_splits is not an int >= 2.
    """

    n_splits: int
    shuffle: bool
    seed: Optional[int]

    def __init__(self, n_splits: int = 5, shuffle: bool = False,
                 seed: Optional[int] = None) -> None:
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 2:
            raise ValueError(f"n_splits must be an int >= 2, got {n_splits!r}")
        self.n_splits, self.shuffle, self.seed = int(n_splits), bool(shuffle), seed

    def get_n_splits(self, X: object = None) -> int:
        """The number of folds (X is ignored, as scikit-learn's)."""
        return self.n_splits

    def split(self, X: Union[Sized, int]) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64]]]:
        """The folds: the indices of the samples in training and in test, k times.

        Parameters
        ----------
        X : array, dataset or int
            The data (anything with a length) or its number of samples n.

        Yields
        ------
        (train_index, test_index)
            int64 arrays: the other samples, and the fold's n // k (+1 for
            the first n % k folds) samples.

        Raises
        ------
        ValueError
            When n_splits exceeds the number of samples.
        """
        n = len(cast(Sized, X)) if not isinstance(X, numbers.Integral) else int(X)
        if self.n_splits > n:
            raise ValueError(f"cannot have n_splits={self.n_splits} greater than the number of samples {n}")
        order = np.random.default_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            test = order[start:start + size]
            train = np.concatenate([order[:start], order[start + size:]])
            yield train, test
            start += size
