"""The demo: the chapters' MLP (784-256-10, ReLU, SGD lr 0.1, batch 256) on
Fashion-MNIST, with per-epoch metrics, the final test accuracy and the
training curves saved as a PNG. Without the data set it says where it looked
and how to install it, then trains on synthetic data of the same shape."""
import time

import numpy as np

import fastnn as fnn
from fastnn import data, datasets, distributed, nn, optim, train


def synthetic_images(n_train=60000, n_test=10000, seed=0):
    """Ten classes of 28×28 uint8 'images' shaped like Fashion-MNIST: a
    random prototype per class (bright pixels on a dark background, as the
    garments are) plus Gaussian noise. A stand-in, not a benchmark."""
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, (10, 28, 28)) * (rng.random((10, 28, 28)) < 0.5)

    def draw(n):
        y = rng.integers(0, 10, n)
        X = protos[y] * 0.6 + rng.normal(0, 50, (n, 28, 28))
        return np.clip(X, 0, 255).astype(np.uint8), y.astype(np.int64)
    return draw(n_train), draw(n_test)


def run(epochs=10, root=None, threads=None, out="fastnn-demo.png", seed=0, progress=True):
    """Train and report. Started by ``mpiexec -n K`` (or ``srun``), it trains
    data-parallel: K ranks, each on 256 / K samples of every batch of 256
    (DistributedDataParallel, DistributedSampler); rank 0 alone prints,
    shows progress and draws the curves."""
    parallel = distributed._launched_size() > 1
    if parallel:
        distributed.init()
    world, rank = (distributed.get_world_size(), distributed.get_rank()) if parallel else (1, 0)
    say = print if rank == 0 else (lambda *a, **k: None)
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
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
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
