"""The demo: the chapters' MLP (784-256-10, ReLU, SGD lr 0.1, batch 256) on
Fashion-MNIST, with per-epoch metrics, the final test accuracy and the
training curves saved as a PNG. Without the data set it says where it looked
and how to install it, then trains on synthetic data of the same shape."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Optional, Union

import numpy as np

import fastnn as fnn
from fastnn import data, datasets, distributed, nn, optim, train

if TYPE_CHECKING:
    import os

    from numpy.typing import NDArray

    _Part = tuple[NDArray[np.uint8], NDArray[np.int64]]


def synthetic_images(n_train: int = 60000, n_test: int = 10000,
                     seed: int = 0) -> tuple[_Part, _Part]:
    """Ten classes of 28×28 uint8 'images' shaped like Fashion-MNIST.

    A random prototype per class (bright pixels on a dark background, as the
    garments are) plus Gaussian noise. A stand-in, not a benchmark.

    Parameters
    ----------
    n_train, n_test : int
        The numbers of training and test images.
    seed : int
        Seeds numpy's generator (the same seed, the same images).

    Returns
    -------
    ((X_train, y_train), (X_test, y_test))
        uint8 images (n_train, 28, 28) and (n_test, 28, 28); int64 labels in [0, 10).
    """
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, (10, 28, 28)) * (rng.random((10, 28, 28)) < 0.5)

    def draw(n: int) -> _Part:
        y = rng.integers(0, 10, n)
        X = protos[y] * 0.6 + rng.normal(0, 50, (n, 28, 28))
        return np.clip(X, 0, 255).astype(np.uint8), y.astype(np.int64)
    return draw(n_train), draw(n_test)


def run(epochs: int = 10, root: Optional[Union[str, os.PathLike[str]]] = None,
        threads: Optional[int] = None, out: Optional[str] = "fastnn-demo.png", seed: int = 0,
        progress: bool = True) -> train.History:
    """Train and report: the chapters' MLP on Fashion-MNIST (``python -m fastnn demo``).

    Started by ``mpiexec -n K`` (or ``srun``), it trains data-parallel: K
    ranks, each on 256 / K samples of every batch of 256
    (DistributedDataParallel, DistributedSampler); rank 0 alone prints,
    shows progress and draws the curves. Without the data set it says where
    it looked and how to install it, then trains on synthetic data of the
    same shape.

    Parameters
    ----------
    epochs : int
        The number of epochs.
    root : str or os.PathLike, optional
        The folder of Fashion-MNIST's files (see fastnn.datasets).
    threads : int, optional
        The number of threads (fastnn.set_num_threads).
    out : str, optional
        The PNG of the training curves ('' or None: none).
    seed : int
        Seeds the initialization and the shuffling.
    progress : bool
        Show a progress bar per epoch.

    Returns
    -------
    History
        What fastnn.train.fit returned.
    """
    parallel = distributed._launched_size() > 1
    if parallel:
        distributed.init()
    world, rank = (distributed.get_world_size(), distributed.get_rank()) if parallel else (1, 0)
    say: Callable[..., None] = print if rank == 0 else (lambda *a, **k: None)
    if threads:
        fnn.set_num_threads(threads)
    try:
        (X, y), (Xt, yt) = datasets.load_fashion_mnist(root)
        source = "Fashion-MNIST"
    except datasets.DatasetNotFoundError as e:
        say(f"note: {e}")
        say("note: training on synthetic data of the same shape instead")
        (X, y), (Xt, yt) = synthetic_images()
        source = "synthetic data (Fashion-MNIST not found)"
    ranks = f", {world} ranks (data-parallel over MPI)" if world > 1 else ""
    say(f"fastnn {fnn.__version__}: MLP 784-256-10 on {source}, {len(X)} train / {len(Xt)} test "
        f"images, {fnn.get_num_threads()} thread(s){' per rank' if world > 1 else ''}{ranks}, "
        f"SIMD {fnn.info()['simd']}")
    fnn.manual_seed(seed)
    net: nn.Module = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                                   nn.Linear(256, 10))
    net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) == nn.Linear else None)
    if world > 1:
        net = nn.parallel.DistributedDataParallel(net)
        sampler = data.DistributedSampler(len(X), shuffle=True, seed=seed)
        train_iter = data.DataLoader((X, y), batch_size=max(1, 256 // world), sampler=sampler)
    else:
        train_iter = data.DataLoader((X, y), batch_size=256, shuffle=True, seed=seed)
    opt = optim.SGD(net.parameters(), lr=0.1)
    test_iter = data.DataLoader((Xt, yt), batch_size=1024)
    start = time.perf_counter()
    history = train.fit(net, nn.CrossEntropyLoss(), opt, train_iter, epochs, val_data=test_iter,
                        progress=progress)
    total = time.perf_counter() - start
    acc = history["val_accuracy"][-1]
    say(f"test accuracy after {epochs} epochs: {100 * acc:.2f}%  "
        f"({total:.1f} s, {np.median(history['seconds']):.3f} s per epoch)")
    if out and rank == 0:
        try:
            from fastnn import plot
            plot.plot_history(history, out, title=f"MLP on {source.split(' ')[0]}")
            print(f"curves saved to {out}")
        except ImportError as e:
            print(f"note: curves not drawn ({e})")
    return history
