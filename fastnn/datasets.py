"""fastnn.datasets: Fashion-MNIST from its standard IDX files on disk (never
downloaded), and the chapters' synthetic data sets.

load_fashion_mnist(root) looks in `root`, then $FASTNN_DATA, then
/usr/share/datasets/fashion-mnist (where Debian's dataset-fashion-mnist
package installs the files), and returns Keras-style arrays: uint8 images
N×28×28 and int64 labels.
"""
from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union, cast

import numpy as np

from .tensor import Tensor, default_generator

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike, NDArray

    _Path = Union[str, "os.PathLike[str]"]
    #: (images, labels): uint8 (N, 28, 28) and int64 (N,).
    _Part = tuple[NDArray[np.uint8], NDArray[np.int64]]
    #: A seed: an int (numpy's integers too) or None (fastnn's generator).
    _Seed = Union[int, np.integer[Any], None]

FASHION_MNIST_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                         "sneaker", "bag", "ankle boot"]
FASHION_MNIST_FILES = {"train_images": "train-images-idx3-ubyte.gz",
                       "train_labels": "train-labels-idx1-ubyte.gz",
                       "test_images": "t10k-images-idx3-ubyte.gz",
                       "test_labels": "t10k-labels-idx1-ubyte.gz"}
DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
HOW_TO_GET = ("install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or "
              "put the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
              "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (from the Fashion-MNIST "
              "project) in a folder and pass root= or set FASTNN_DATA")


class DatasetNotFoundError(FileNotFoundError):
    """The data set's files are not where fastnn looked."""


def get_fashion_mnist_labels(labels: ArrayLike) -> list[str]:
    """Class names for numeric labels (as d2l's function of that name).

    Parameters
    ----------
    labels : array_like of int
        Class numbers in [0, 10), any shape (read flattened).

    Returns
    -------
    list of str
        One name per label ("t-shirt", "trouser", ...).
    """
    return [FASHION_MNIST_CLASSES[int(i)] for i in np.asarray(labels).ravel()]


def read_idx(path: _Path, magic: int, ndim: int) -> NDArray[np.uint8]:
    """Read one gzipped IDX file: big-endian magic, ndim dimensions, bytes.

    The header is read and checked first; then exactly the bytes it declares
    are decompressed, in blocks (memory stays bounded by the declared data,
    whatever the archive would expand to), and anything after them is an
    error. Raises ValueError naming the file on a wrong magic, a bad size or
    a corrupt archive.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.gz`` file.
    magic : int
        The magic number expected (0x803 for images, 0x801 for labels).
    ndim : int
        The number of dimensions its header declares.

    Returns
    -------
    numpy.ndarray
        uint8, of the shape the header declares.

    Raises
    ------
    ValueError
        On a wrong magic, a bad size or a corrupt archive (names the file).
    """
    head = 4 + 4 * ndim
    try:
        with gzip.open(path, "rb") as f:
            header = f.read(head)
            if len(header) < head:
                raise ValueError(f"{path}: truncated ({len(header)} bytes, the header alone is {head})")
            got = struct.unpack(">I", header[:4])[0]
            if got != magic:
                raise ValueError(f"{path}: wrong magic number {got:#010x}, expected {magic:#010x} "
                                 f"(an IDX file of {ndim} dimension(s) of unsigned bytes)")
            dims = struct.unpack(">" + "I" * ndim, header[4:])
            size = math.prod(dims)                    # a Python int: cannot overflow
            if size > np.iinfo(np.intp).max:
                raise ValueError(f"{path}: its header announces {dims} = {size} bytes, more than "
                                 f"this machine can address; the file is damaged")
            data = bytearray()
            while len(data) < size:
                block = f.read(min(size - len(data), 1 << 20))
                if not block:
                    break
                data += block
            extra = f.read(1)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: not a readable gzip file ({e}); the file is damaged: "
                         f"{HOW_TO_GET}") from None
    if len(data) != size or extra:
        found = f"more than {size}" if extra else str(len(data))
        raise ValueError(f"{path}: holds {found} data bytes but its header announces "
                         f"{dims} = {size}; the file is truncated or damaged")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims).copy()


def fashion_mnist_dir(root: Optional[_Path] = None) -> _Path:
    """The folder holding Fashion-MNIST's four files.

    Looks in root, then $FASTNN_DATA, then the Debian package's folder.
    Raises DatasetNotFoundError (where it looked, how to install) when none
    has them.

    Parameters
    ----------
    root : str or os.PathLike, optional
        A folder to look in first.

    Returns
    -------
    str or os.PathLike
        The first folder that holds the four gzipped IDX files.

    Raises
    ------
    DatasetNotFoundError
        When no folder holds the files (the message says where it looked and
        how to install them).
    """
    tried = []
    for d in (root, os.environ.get("FASTNN_DATA"), DEFAULT_DIR):
        if not d:
            continue
        tried.append(d)
        if all(os.path.isfile(os.path.join(d, f)) for f in FASHION_MNIST_FILES.values()):
            return d
    missing = "; ".join(str(os.fspath(d)) for d in tried) if tried else "(no folder)"
    raise DatasetNotFoundError(f"Fashion-MNIST not found (looked in: {missing}): {HOW_TO_GET}")


def load_fashion_mnist(root: Optional[_Path] = None) -> tuple[_Part, _Part]:
    """Fashion-MNIST's training and test parts from the IDX files on disk.

    ((X_train, y_train), (X_test, y_test)): uint8 images (60000×28×28 and
    10000×28×28) and int64 labels in [0, 10). Looks in root, then
    $FASTNN_DATA, then the Debian package's folder; never downloads. Checks
    magic numbers, sizes and that images and labels agree in count.

    Parameters
    ----------
    root : str or os.PathLike, optional
        A folder holding the four gzipped IDX files.

    Returns
    -------
    ((X_train, y_train), (X_test, y_test))
        uint8 images (60000, 28, 28) and (10000, 28, 28); int64 labels in [0, 10).

    Raises
    ------
    DatasetNotFoundError
        When no folder holds the files (the message says where it looked and
        how to install them).
    ValueError
        When a file is damaged, or images and labels disagree (names the file).
    """
    d = fashion_mnist_dir(root)
    out = []
    for split in ("train", "test"):
        img_path = os.path.join(d, FASHION_MNIST_FILES[f"{split}_images"])
        lab_path = os.path.join(d, FASHION_MNIST_FILES[f"{split}_labels"])
        X = read_idx(img_path, 0x00000803, 3)
        y = read_idx(lab_path, 0x00000801, 1).astype(np.int64)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"{img_path} has {X.shape[0]} images but {lab_path} has "
                             f"{y.shape[0]} labels")
        if X.shape[1:] != (28, 28):
            raise ValueError(f"{img_path}: images are {X.shape[1:]}, expected 28×28")
        if y.size and y.max() >= 10:
            raise ValueError(f"{lab_path}: label {int(y.max())} is not a Fashion-MNIST class (0-9)")
        out.append((X, y))
    return cast("tuple[_Part, _Part]", tuple(out))      # the two parts, train and test


def save_fashion_mnist(folder: _Path, train: tuple[ArrayLike, ArrayLike],
                       test: tuple[ArrayLike, ArrayLike]) -> None:
    """Write a data set as the four gzipped IDX files of Fashion-MNIST.

    Writes ((X_train, y_train), (X_test, y_test)) -- uint8 images N×28×28
    and labels in [0, 10) -- as the four gzipped IDX files of Fashion-MNIST
    in folder (created if needed): what load_fashion_mnist(folder) reads
    back. For stand-in data sets in tests and benchmarks.

    Parameters
    ----------
    folder : str or os.PathLike
        Where to write (created if needed).
    train, test : (images, labels)
        uint8 images (N, 28, 28) and N labels in [0, 10) (any integer dtype).

    Raises
    ------
    ValueError
        When images are not uint8 N×28×28 or labels not N classes in [0, 10).
    """
    os.makedirs(folder, exist_ok=True)
    for split, (X, y) in (("train", train), ("test", test)):
        X, y = np.asarray(X), np.asarray(y)
        if X.dtype != np.uint8 or X.ndim != 3 or X.shape[1:] != (28, 28):
            raise ValueError(f"{split} images must be uint8 N×28×28, got {X.dtype} {X.shape}")
        if y.shape != (X.shape[0],) or (y.size and not 0 <= y.min() <= y.max() < 10):
            raise ValueError(f"{split} labels must be {X.shape[0]} classes in [0, 10)")
        for kind, magic, a in (("images", 0x803, X), ("labels", 0x801, y.astype(np.uint8))):
            header = struct.pack(">I" + "I" * a.ndim, magic, *a.shape)
            with gzip.open(os.path.join(folder, FASHION_MNIST_FILES[f"{split}_{kind}"]), "wb") as f:
                f.write(header + np.ascontiguousarray(a).tobytes())


def _rng(seed: _Seed) -> np.random.Generator:
    return np.random.default_rng(seed) if seed is not None else default_generator()


def synthetic_linear(w: Union[Tensor, ArrayLike], b: float, n: int, noise: float = 0.01,
                     seed: _Seed = None,
                     dtype: DTypeLike = np.float32) -> tuple[Tensor, Tensor]:
    """The linear-regression chapter's data: X ~ N(0, 1) and y = X w + b + noise.

    X ~ N(0, 1) of shape (n, len(w)), y = X w + b + N(0, noise²) of shape
    (n, 1). Returns Tensors (X, y).

    Parameters
    ----------
    w : Tensor or array_like
        The true weights (flattened), d of them.
    b : float
        The true bias.
    n : int
        The number of samples.
    noise : float
        The standard deviation of the noise on y.
    seed : int, optional
        Seeds a generator of its own (else fastnn's, fastnn.manual_seed).
    dtype : numpy dtype
        Of X and y (float32).

    Returns
    -------
    (X, y)
        Tensors of shape (n, d) and (n, 1).
    """
    w = np.asarray(w._data if isinstance(w, Tensor) else w, dtype=np.float64).ravel()
    rng = _rng(seed)
    X = rng.normal(0, 1, (n, w.size))
    y = X @ w + b + rng.normal(0, noise, n)
    return Tensor._make(X.astype(dtype)), Tensor._make(y.reshape(-1, 1).astype(dtype))


def polynomial_data(n_train: int = 100, n_test: int = 100, max_degree: int = 20,
                    true_w: Sequence[float] = (5, 1.2, -3.4, 5.6), noise: float = 0.1,
                    seed: _Seed = None, dtype: DTypeLike = np.float32
                    ) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """The polynomial-fitting chapter's data: features x^i / i! of x ~ N(0, 1).

    x ~ N(0, 1), features x^i / i! for i < max_degree, labels = features · w
    + N(0, noise²) with w zero beyond true_w. Returns (w, x, features,
    labels) as arrays.

    Parameters
    ----------
    n_train, n_test : int
        The numbers of training and test samples (the first n_train rows
        are for training).
    max_degree : int
        The number of features (degrees 0 to max_degree - 1).
    true_w : sequence of float
        The first weights; the others are zero.
    noise : float
        The standard deviation of the noise on the labels.
    seed : int, optional
        Seeds a generator of its own (else fastnn's, fastnn.manual_seed).
    dtype : numpy dtype
        Of the arrays returned (float32).

    Returns
    -------
    (w, x, features, labels)
        numpy arrays of shape (max_degree,), (N, 1), (N, max_degree) and
        (N,), N = n_train + n_test.
    """
    rng = _rng(seed)
    w = np.zeros(max_degree)
    w[: len(true_w)] = true_w
    x = rng.normal(size=(n_train + n_test, 1))
    rng.shuffle(x)
    feats = np.power(x, np.arange(max_degree).reshape(1, -1))
    feats /= np.array([math.gamma(i + 1) for i in range(max_degree)])
    labels = feats @ w + rng.normal(scale=noise, size=n_train + n_test)
    return (w.astype(dtype), x.astype(dtype), feats.astype(dtype), labels.astype(dtype))


def xor(dtype: DTypeLike = np.float32) -> tuple[Tensor, Tensor]:
    """The four XOR points and their labels (X (4, 2), y (4,) int64).

    Parameters
    ----------
    dtype : numpy dtype
        Of X (float32).

    Returns
    -------
    (X, y)
        Tensors: X (4, 2) of 0s and 1s, y (4,) int64 labels (0, 1, 1, 0).
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return Tensor._make(X), Tensor._make(np.array([0, 1, 1, 0], dtype=np.int64))


def high_dim_linear(n_train: int = 20, n_test: int = 100, num_inputs: int = 200,
                    seed: _Seed = None, dtype: DTypeLike = np.float32
                    ) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """The weight-decay chapter's data: y = 0.05 + Σ 0.01·x_i + N(0, 0.01²).

    With 200 inputs and only 20 training samples. Returns ((X_train,
    y_train), (X_test, y_test)) as Tensors.

    Parameters
    ----------
    n_train, n_test : int
        The numbers of training and test samples.
    num_inputs : int
        The number of inputs d.
    seed : int, optional
        Seeds a generator of its own (else fastnn's, fastnn.manual_seed).
    dtype : numpy dtype
        Of X and y (float32).

    Returns
    -------
    ((X_train, y_train), (X_test, y_test))
        Tensors: X (n, d), y (n, 1).
    """
    rng = _rng(seed)
    w = np.full(num_inputs, 0.01)
    tr = synthetic_linear(w, 0.05, n_train, 0.01, seed=rng.integers(1 << 62), dtype=dtype)
    te = synthetic_linear(w, 0.05, n_test, 0.01, seed=rng.integers(1 << 62), dtype=dtype)
    return tr, te
