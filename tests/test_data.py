"""fastnn.data and fastnn.datasets: loaders, splits, IDX files written by the
tests (valid, truncated, wrong magic, disagreeing counts, damaged), and the
synthetic sets."""
import gzip
import os
import struct

import numpy as np
import pytest

import fastnn as fnn
from fastnn import data, datasets


def write_idx(path, array, magic=None, dims=None, cut=0, raw_gzip=True):
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else 0x800 + array.ndim
    dims = dims if dims is not None else array.shape
    body = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims) + array.tobytes()
    if cut:
        body = body[:-cut]
    with (gzip.open(path, "wb") if raw_gzip else open(path, "wb")) as f:
        f.write(body)


def make_fashion(folder, n_train=12, n_test=5, seed=0, **damage):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    parts = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        X = rng.integers(0, 256, (n, 28, 28))
        y = rng.integers(0, 10, n)
        write_idx(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), X)
        write_idx(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), y)
        parts[split] = (X, y)
    return parts


def test_load_fashion_mnist_from_root(tmp_path):
    parts = make_fashion(str(tmp_path))
    (X, y), (Xt, yt) = datasets.load_fashion_mnist(str(tmp_path))
    assert X.dtype == np.uint8 and X.shape == (12, 28, 28) and y.dtype == np.int64
    np.testing.assert_array_equal(X, parts["train"][0])
    np.testing.assert_array_equal(yt, parts["t10k"][1])
    assert datasets.get_fashion_mnist_labels([0, 9]) == ["t-shirt", "ankle boot"]


def test_load_fashion_mnist_from_environment(tmp_path, monkeypatch):
    make_fashion(str(tmp_path))
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path))
    (X, _), _ = datasets.load_fashion_mnist(os.path.join(str(tmp_path), "nowhere"))
    assert X.shape[0] == 12


def test_save_fashion_mnist_writes_what_load_reads(tmp_path, monkeypatch):
    """save_fashion_mnist writes the four IDX files (read back bit for bit,
    found through fashion_mnist_dir) and refuses arrays of the wrong kind."""
    rng = np.random.default_rng(1)
    train = (rng.integers(0, 256, (7, 28, 28)).astype(np.uint8), rng.integers(0, 10, 7))
    test = (rng.integers(0, 256, (3, 28, 28)).astype(np.uint8), rng.integers(0, 10, 3))
    folder = str(tmp_path / "made")
    datasets.save_fashion_mnist(folder, train, test)
    monkeypatch.setenv("FASTNN_DATA", folder)
    assert datasets.fashion_mnist_dir() == folder
    for (X, y), (X2, y2) in zip((train, test), datasets.load_fashion_mnist()):
        np.testing.assert_array_equal(X, X2)
        np.testing.assert_array_equal(y, y2)
    with pytest.raises(ValueError, match="train images must be uint8"):
        datasets.save_fashion_mnist(folder, (train[0].astype(np.float32), train[1]), test)
    with pytest.raises(ValueError, match="test labels must be 3 classes"):
        datasets.save_fashion_mnist(folder, train, (test[0], np.array([0, 1, 10])))


def test_missing_data_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTNN_DATA", raising=False)
    monkeypatch.setattr(datasets, "DEFAULT_DIR", str(tmp_path / "none"))
    with pytest.raises(datasets.DatasetNotFoundError, match="apt-get install dataset-fashion-mnist") as e:
        datasets.load_fashion_mnist(str(tmp_path))
    assert str(tmp_path) in str(e.value)
    with pytest.raises(datasets.DatasetNotFoundError, match=str(tmp_path)):      # a pathlib.Path too
        datasets.load_fashion_mnist(tmp_path)


@pytest.mark.parametrize("damage,pattern", [
    ("truncated", "truncated or damaged"),
    ("magic", "wrong magic number"),
    ("counts", "images but .* labels"),
    ("not_gzip", "not a readable gzip file"),
    ("label_range", "not a Fashion-MNIST class"),
])
def test_damaged_files_are_reported(tmp_path, damage, pattern):
    folder = str(tmp_path)
    make_fashion(folder)
    img = os.path.join(folder, "train-images-idx3-ubyte.gz")
    lab = os.path.join(folder, "train-labels-idx1-ubyte.gz")
    rng = np.random.default_rng(1)
    if damage == "truncated":
        write_idx(img, rng.integers(0, 256, (12, 28, 28)), cut=100)
    elif damage == "magic":
        write_idx(img, rng.integers(0, 256, (12, 28, 28)), magic=0x801)
    elif damage == "counts":
        write_idx(lab, rng.integers(0, 10, 11))
    elif damage == "not_gzip":
        write_idx(img, rng.integers(0, 256, (12, 28, 28)), raw_gzip=False)
    else:
        write_idx(lab, np.full(12, 12))
    with pytest.raises(ValueError, match=pattern):
        datasets.load_fashion_mnist(folder)


def test_dataloader_covers_every_sample_once_and_is_reproducible():
    X = np.arange(103, dtype=np.float32).reshape(103, 1)
    y = np.arange(103)
    dl = data.DataLoader((X, y), batch_size=10, shuffle=True, seed=7)
    assert len(dl) == 11
    epochs = []
    for _ in range(2):
        seen = []
        for xb, yb in dl:
            assert isinstance(xb, fnn.Tensor) and xb.dtype == fnn.float32 and yb.dtype == fnn.int64
            np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())   # rows stay paired
            seen.extend(yb.numpy().tolist())
        assert sorted(seen) == list(range(103))
        epochs.append(seen)
    assert epochs[0] != epochs[1]                       # a new order each epoch
    again = [yb.numpy().tolist() for _, yb in data.DataLoader((X, y), batch_size=10, shuffle=True, seed=7)]
    assert sum(again, []) == epochs[0]                  # the same seed, the same batches


def test_dataloader_options():
    X = np.arange(25, dtype=np.float64).reshape(25, 1)
    batches = list(data.DataLoader(X, batch_size=10, drop_last=True))
    assert len(batches) == 2 and isinstance(batches[0], fnn.Tensor)
    assert batches[0].dtype == fnn.float64
    np.testing.assert_array_equal(batches[1].numpy()[:, 0], np.arange(10, 20))
    assert len(data.DataLoader(X, batch_size=10)) == 3
    imgs = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    xb, = [b for b in data.DataLoader((imgs,), batch_size=20)]
    xb = xb[0]
    assert xb.dtype == fnn.float32
    np.testing.assert_allclose(xb.numpy(), imgs / 255, rtol=1e-6)
    fnn.manual_seed(3)
    a = [b.numpy().tolist() for b in data.DataLoader(X, batch_size=5, shuffle=True)]
    fnn.manual_seed(3)
    b = [b.numpy().tolist() for b in data.DataLoader(X, batch_size=5, shuffle=True)]
    assert a == b
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        data.DataLoader(X, batch_size=0)
    with pytest.raises(ValueError, match="share the first dimension"):
        data.TensorDataset(np.zeros(3), np.zeros(4))


def test_random_split_and_train_test_split():
    X = np.arange(50, dtype=np.float32).reshape(50, 1)
    y = np.arange(50)
    a, b = data.random_split((X, y), [40, 10], seed=0)
    assert len(a) == 40 and len(b) == 10
    assert sorted(np.concatenate([a.arrays[1], b.arrays[1]]).tolist()) == list(range(50))
    parts = data.random_split((X, y), [0.7, 0.3], seed=0)
    assert [len(p) for p in parts] == [35, 15]
    with pytest.raises(ValueError, match="sum to the dataset size"):
        data.random_split((X, y), [10, 10])
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.2, seed=1)
    assert len(Xte) == 10 and len(Xtr) == 40
    np.testing.assert_array_equal(Xtr[:, 0], ytr)


def test_kfold_partitions():
    folds = list(data.KFold(n_splits=4, shuffle=True, seed=0).split(np.zeros(10)))
    assert len(folds) == 4
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(10))
    assert [len(t) for _, t in folds] == [3, 3, 2, 2]
    for train, test in folds:
        assert set(train).isdisjoint(test) and len(train) + len(test) == 10
    plain = list(data.KFold(3).split(6))
    assert [t.tolist() for _, t in plain] == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(ValueError, match="n_splits must be"):
        data.KFold(1)


def test_kfold_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.model_selection", reason="scikit-learn is not installed")
    ours = [(tr.tolist(), te.tolist()) for tr, te in data.KFold(5).split(np.zeros(23))]
    theirs = [(tr.tolist(), te.tolist()) for tr, te in sk.KFold(5).split(np.zeros(23))]
    assert ours == theirs


def test_synthetic_sets():
    X, y = datasets.synthetic_linear([2, -3.4], 4.2, 1000, seed=0)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    w = np.linalg.lstsq(np.c_[X.numpy(), np.ones(1000)], y.numpy()[:, 0], rcond=None)[0]
    np.testing.assert_allclose(w, [2, -3.4, 4.2], atol=0.01)
    true_w, x, feats, labels = datasets.polynomial_data(seed=0)
    assert feats.shape == (200, 20) and labels.shape == (200,)
    np.testing.assert_allclose(feats[:, 2], x[:, 0] ** 2 / 2, rtol=1e-5)
    X, y = datasets.xor()
    assert y.numpy().tolist() == [0, 1, 1, 0]
    (Xtr, ytr), (Xte, yte) = datasets.high_dim_linear(seed=0)
    assert Xtr.shape == (20, 200) and Xte.shape == (100, 200)


def test_loader_reuses_batch_arrays_but_never_a_kept_batch():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (50, 6), dtype=np.uint8)
    y = rng.integers(0, 10, 50)
    dl = data.DataLoader((X, y), batch_size=4, shuffle=True, seed=1)
    order = np.random.default_rng(1).permutation(50)
    kept, addresses = [], set()
    for i, (xb, yb) in enumerate(dl):
        idx = order[4 * i:4 * i + 4]
        np.testing.assert_allclose(xb.numpy(), X[idx] / 255.0, rtol=1e-6)
        np.testing.assert_array_equal(yb.numpy(), y[idx])
        addresses.add(xb.numpy().ctypes.data)
        if i in (2, 7):
            kept.append((xb, xb.numpy().copy(), yb, yb.numpy().copy()))
    assert len(addresses) <= 3 + len(kept) + 1       # a pool, the kept ones, the last short batch
    for xb, xv, yb, yv in kept:
        np.testing.assert_array_equal(xb.numpy(), xv)
        np.testing.assert_array_equal(yb.numpy(), yv)
