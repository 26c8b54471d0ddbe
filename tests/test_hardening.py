"""Regression tests for hostile input: each test here failed before its fix.

Many dimensions, misaligned buffers, huge Python ints, the thread count from
other Python threads, inplace=True, checkpoint saves killed with SIGKILL,
damaged save files and IDX files that lie about their size."""
import gzip
import io
import os
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc

import numpy as np
import pytest

import fastnn as fnn
from fastnn import datasets, nn, ops
from fastnn.nn import functional as F

from conftest import two_threads_available


def misaligned(n, dtype=np.float32, fill=None):
    """A C-contiguous array of n elements at an odd byte offset (numpy's
    ALIGNED flag is off; np.ascontiguousarray keeps it as it is)."""
    dtype = np.dtype(dtype)
    raw = np.zeros(n * dtype.itemsize + 1, np.uint8)[1:]
    a = raw.view(dtype)
    a[...] = np.arange(n) - n / 2 if fill is None else fill
    assert a.flags.c_contiguous and not a.flags.aligned
    return a


# ---- 1. many dimensions -------------------------------------------------------

@pytest.mark.parametrize("ndim", [8, 9, 33, 36, 48, 64])
def test_linear_with_many_dimensions(ndim):
    """x of up to numpy's 64 dims; a fixed 32-entry buffer overflowed at 36."""
    x = np.full((1,) * (ndim - 1) + (2,), 0.5)
    w = np.ones((65, 2))
    y = ops.linear(x, w, np.zeros(65), activation="relu")
    assert y.shape == (1,) * (ndim - 1) + (65,)
    np.testing.assert_array_equal(y, np.ones_like(y))
    gx, gw, gb = ops.linear_backward(np.ones_like(y), x, w, saved=y, activation="relu")
    assert gx.shape == x.shape and gw.shape == w.shape and gb.shape == (65,)


# ---- 2. misaligned memory -----------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_misaligned_inputs_are_realigned(dtype):
    """Every kernel entry point gets aligned memory: results equal those
    from aligned copies (and the sanitizer job sees no misaligned load)."""
    x = misaligned(6 * 7, dtype).reshape(6, 7)
    xa = np.array(x)                               # an aligned copy
    w = misaligned(5 * 7, dtype, fill=np.linspace(-1, 1, 35)).reshape(5, 7)
    b = misaligned(5, dtype, fill=0.25)
    np.testing.assert_array_equal(ops.linear(x, w, b, activation="tanh"),
                                  ops.linear(xa, np.array(w), np.array(b), activation="tanh"))
    np.testing.assert_array_equal(ops.matmul(x, w, transpose_b=True), ops.matmul(xa, np.array(w).T))
    for fn in (ops.relu, ops.sigmoid, ops.tanh, ops.gelu, ops.softplus, ops.softmax, ops.log_softmax):
        np.testing.assert_array_equal(fn(x), fn(xa))
    np.testing.assert_array_equal(ops.relu_backward(x, x), ops.relu_backward(xa, xa))
    np.testing.assert_array_equal(ops.dropout(x, 0.5, 3), ops.dropout(xa, 0.5, 3))
    t = misaligned(6, np.int64, fill=[0, 1, 2, 3, 4, 0])
    loss, grad = ops.softmax_cross_entropy(x, t)
    loss_a, grad_a = ops.softmax_cross_entropy(xa, np.array(t))
    assert loss == loss_a
    np.testing.assert_array_equal(grad, grad_a)
    assert ops.count_correct(x, t) == ops.count_correct(xa, np.array(t))
    np.testing.assert_array_equal(ops.argmax(x), ops.argmax(xa))
    assert ops.sum_squares([x]) == ops.sum_squares([xa])
    src = misaligned(4 * 7, dtype).reshape(4, 7)
    np.testing.assert_array_equal(ops.gather_rows(src, t[:3]), np.array(src)[np.array(t[:3])])
    for fn in (ops.mse_loss, ops.l1_loss, ops.huber_loss, ops.binary_cross_entropy_with_logits):
        got, want = fn(x, x[::-1].copy()), fn(xa, xa[::-1].copy())
        assert got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])


def test_misaligned_out_is_refused():
    x = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="out must be C-contiguous and aligned"):
        ops.relu(x, out=misaligned(12).reshape(3, 4))


# ---- 7. huge Python ints ------------------------------------------------------

@pytest.mark.parametrize("call,name", [
    (lambda: ops.softmax(np.zeros((2, 3)), dim=2 ** 64), "dim"),
    (lambda: ops.log_softmax(np.zeros((2, 3)), dim=-2 ** 70), "dim"),
    (lambda: ops.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(2, np.int64),
                                       ignore_index=2 ** 64), "ignore_index"),
    (lambda: ops.dropout(np.zeros(3), 0.5, seed=2 ** 64), "seed"),
    (lambda: ops.dropout(np.zeros(3), 0.5, seed=1, offset=-1), "offset"),
    (lambda: ops.dropout(np.zeros(3), 2 ** 2000, seed=1), "p"),
    (lambda: ops.linear(np.zeros((2, 3)), np.zeros((4, 3)), negative_slope=2 ** 2000), "negative_slope"),
    (lambda: fnn._C.optim_step("sgd", np.zeros(3), np.zeros(3), lr=0.1, step=2 ** 64), "step"),
    (lambda: fnn._C.optim_step("sgd", np.zeros(3), np.zeros(3), lr=2 ** 1100), "lr"),
    (lambda: ops.dropout_mask((2 ** 40, 2 ** 40), 0.5, 1), "shape"),
])
def test_huge_ints_name_the_argument(call, name):
    """ValueError naming the argument, never 'OverflowError: Python int too
    large to convert to C long'."""
    with pytest.raises(ValueError) as info:
        call()
    assert name in str(info.value)


# ---- 6. the thread count is process-wide --------------------------------------

def in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_set_num_threads_from_any_thread_is_seen_by_all(restore_threads):
    if not two_threads_available():
        pytest.skip("needs 2 usable CPUs")
    fnn.set_num_threads(1)
    assert in_thread(fnn.get_num_threads) == 1          # set in main, seen in a worker
    in_thread(lambda: fnn.set_num_threads(2))
    assert fnn.get_num_threads() == 2                   # set in a worker, seen in main
    in_thread(lambda: fnn.set_num_threads(1))
    assert fnn.get_num_threads() == 1


def test_threadpoolctl_still_caps_the_calling_thread(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed")
    if not two_threads_available():
        pytest.skip("needs 2 usable CPUs")
    fnn.set_num_threads(2)
    with threadpoolctl.threadpool_limits(1):
        assert fnn.get_num_threads() == 1
    assert fnn.get_num_threads() == 2


# ---- 8. inplace=True ----------------------------------------------------------

def test_inplace_outside_autograd_overwrites_the_input():
    x = fnn.tensor([[-1.0, 2.0], [3.0, -4.0]])
    buffer = x.numpy()
    with fnn.no_grad():
        assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(buffer, [[0, 2], [3, 0]])
    y = fnn.tensor([-2.0, 2.0])
    assert nn.LeakyReLU(0.5, inplace=True)(y) is y
    np.testing.assert_array_equal(y.numpy(), [-1.0, 2.0])
    fnn.manual_seed(0)
    z = fnn.ones(1000)
    assert nn.Dropout(0.5, inplace=True)(z) is z
    assert set(np.unique(z.numpy())) == {0.0, 2.0}


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    w = fnn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        F.relu(w, inplace=True)


def test_inplace_in_the_graph_gives_pytorchs_gradients():
    """The tensor takes the new value; an earlier consumer of it still gets
    the old value's gradient (the case PyTorch handles with version counters)."""
    rng = np.random.default_rng(7)
    x0, w0 = rng.standard_normal((4, 5)), rng.standard_normal((5, 5))

    def run(lib, functional):
        w = lib.tensor(w0, requires_grad=True)
        h = lib.tensor(x0) @ w
        early = h * 3                            # consumes h before the in-place op
        assert functional.relu(h, inplace=True) is h
        ((h * h).sum() + early.sum()).backward()
        return w.grad.numpy().copy(), h.detach().numpy().copy()

    grad, value = run(fnn, F)
    np.testing.assert_array_equal(value, np.maximum(x0 @ w0, 0))
    want = 3 * x0.T @ np.ones((4, 5)) + x0.T @ (2 * np.maximum(x0 @ w0, 0))
    np.testing.assert_allclose(grad, want, rtol=1e-12, atol=1e-12)
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    tgrad, tvalue = run(torch, torch.nn.functional)
    np.testing.assert_allclose(grad, tgrad, rtol=1e-12, atol=1e-12)


def test_inplace_modules_say_so():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.Dropout(0.3, inplace=True)) == "Dropout(p=0.3, inplace=True)"


# ---- 3. checkpoints: kill -9 in the middle of a save ---------------------------

SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    import fastnn
    path = sys.argv[1]
    step = int(sys.argv[2])
    big = np.empty(3_000_000, np.float32)       # 12 MB: a save takes a while
    print("ready", flush=True)
    while True:
        step += 1
        big.fill(step)
        fastnn.save({"step": step, "weights": big, "tail": np.full(7, step)}, path)
""")


@pytest.mark.slow
def test_kill_during_save_never_loses_the_checkpoint(tmp_path):
    """A process saving in a loop is killed with SIGKILL at random moments,
    40 times: the checkpoint always loads whole and consistent, and the next
    save removes the temporary files the killed writers left."""
    path = str(tmp_path / "ckpt.npz")
    fnn.save({"step": 0, "weights": np.zeros(3_000_000, np.float32), "tail": np.zeros(7)}, path)
    rng = np.random.default_rng(1)
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    last = 0
    litter_seen = 0
    for kill in range(40):
        p = subprocess.Popen([sys.executable, str(script), path, str(last)],
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.3))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        ckpt = fnn.load(path)                    # never a half-written file
        step = ckpt["step"]
        assert step >= last
        assert np.all(ckpt["weights"].numpy() == step) and np.all(ckpt["tail"].numpy() == step)
        last = step
        litter_seen += len([f for f in os.listdir(tmp_path) if f.endswith(".tmp")])
    assert last > 0, "no save ever completed: the kills came too early to test anything"
    assert litter_seen > 0, "no kill landed mid-save: the test saw no temporary file"
    fnn.save({"step": last}, str(tmp_path / "other.npz"))    # the next save in that folder
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".fastnn-save-{dead}-0123456789ab.tmp"
    stale.write_bytes(b"half a checkpoint")
    alive = tmp_path / f".fastnn-save-{os.getppid()}-0123456789ab.tmp"   # a live writer's
    alive.write_bytes(b"being written")
    fnn.save({"a": 1}, str(tmp_path / "x.npz"))
    assert not stale.exists() and alive.exists()


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        fnn.save({"a": 1}, str(tmp_path / "a.npz"))
        os.umask(0o077)
        fnn.save({"a": 1}, str(tmp_path / "b.npz"))
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "a.npz").st_mode & 0o777 == 0o644
    assert os.stat(tmp_path / "b.npz").st_mode & 0o777 == 0o600


# ---- 4. damaged and hostile save files -----------------------------------------

def npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def damaged_files():
    """Hand-made files that are not (whole) fastnn save files."""
    return {
        "empty": b"",
        "text": b"weights = [1, 2, 3]\n" * 20,
        "deep nesting": npz_bytes(__fastnn_meta__=np.array("[" * 50000 + "]" * 50000)),
        "nesting past the limit": npz_bytes(__fastnn_meta__=np.array('{"__tuple__": ' * 300 + "1"
                                                                     + "}" * 300)),
        "missing array": npz_bytes(__fastnn_meta__=np.array('{"__array__": "a9"}')),
        "bad dict entry": npz_bytes(__fastnn_meta__=np.array('{"__dict__": [[1]]}')),
        "unknown object": npz_bytes(__fastnn_meta__=np.array('{"x": 1}')),
        "description not text": npz_bytes(__fastnn_meta__=np.array(5)),
        "no description": npz_bytes(a=np.ones(3)),
        "complex array": npz_bytes(a0=np.ones(2, complex), __fastnn_meta__=np.array('{"__array__": "a0"}')),
        "not json": npz_bytes(__fastnn_meta__=np.array("{not json")),
        "bad float": npz_bytes(__fastnn_meta__=np.array('{"__float__": "many"}')),
    }


@pytest.mark.parametrize("kind", sorted(damaged_files()))
def test_damaged_save_files_raise_valueerror_naming_the_file(tmp_path, kind):
    path = tmp_path / "bad.npz"
    path.write_bytes(damaged_files()[kind])
    with pytest.raises(ValueError, match="bad.npz is not a fastnn save file"):
        fnn.load(str(path))


def test_truncated_and_bit_flipped_saves(tmp_path):
    """Every truncation point and a sweep of single-bit flips: a ValueError
    naming the file, or (a flip in a spot nothing reads) the intact content."""
    path = str(tmp_path / "good.npz")
    fnn.save({"w": fnn.arange(16, dtype=fnn.float32), "step": 3}, path)
    data = open(path, "rb").read()
    bad = str(tmp_path / "bad.npz")
    cuts = list(range(0, len(data), 7))
    flips = [(i, 1 << (i % 8)) for i in range(0, len(data), 3)]
    for cut in cuts:
        open(bad, "wb").write(data[:cut])
        with pytest.raises(ValueError, match="bad.npz"):
            fnn.load(bad)
    for i, bit in flips:
        flipped = bytearray(data)
        flipped[i] ^= bit
        open(bad, "wb").write(bytes(flipped))
        try:
            back = fnn.load(bad)
        except ValueError as e:
            assert "bad.npz" in str(e)
        else:
            assert back["step"] == 3
            np.testing.assert_array_equal(back["w"].numpy(), np.arange(16))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        fnn.load(str(tmp_path / "none.npz"))


# ---- 5. IDX files that lie about their size ------------------------------------

def write_gz(path, payload):
    with gzip.open(path, "wb") as f:
        f.write(payload)
    return str(path)


def test_idx_reads_no_more_than_the_header_declares(tmp_path):
    """A small gzip whose header announces one image and whose body goes on
    for 300 MB of zeros: refused after reading the declared 784 bytes and one
    more, with memory to match."""
    path = write_gz(tmp_path / "bomb.gz", struct.pack(">IIII", 0x803, 1, 28, 28) + bytes(784)
                    + bytes(300_000_000))
    assert os.path.getsize(path) < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than 784 data bytes"):
            datasets.read_idx(path, 0x803, 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_idx_header_beyond_addressable_memory(tmp_path):
    path = write_gz(tmp_path / "huge.gz", struct.pack(">IIII", 0x803, 2 ** 32 - 1, 2 ** 32 - 1,
                                                      2 ** 32 - 1) + bytes(64))
    with pytest.raises(ValueError, match="huge.gz.*more than this machine can address"):
        datasets.read_idx(path, 0x803, 3)


def test_idx_short_body_and_valid_file(tmp_path):
    short = write_gz(tmp_path / "short.gz", struct.pack(">IIII", 0x803, 2, 3, 4) + bytes(10))
    with pytest.raises(ValueError, match="short.gz: holds 10 data bytes"):
        datasets.read_idx(short, 0x803, 3)
    ok = write_gz(tmp_path / "ok.gz", struct.pack(">IIII", 0x803, 2, 3, 4) + bytes(range(24)))
    np.testing.assert_array_equal(datasets.read_idx(ok, 0x803, 3), np.arange(24).reshape(2, 3, 4))
