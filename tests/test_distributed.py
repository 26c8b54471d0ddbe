"""fastnn.distributed, DistributedDataParallel and DistributedSampler: in
this process (a world of one), and in worlds of 2 and 3 processes started
with mpiexec (skipped, with the reason, where mpi4py or mpiexec is missing)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastnn as fnn
from fastnn import data, distributed as dist, nn, optim
from fastnn.bench.distributed import mpiexec

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import mpi4py  # noqa: F401
    HAVE_MPI4PY = True
except ImportError:
    HAVE_MPI4PY = False

try:
    import torch
except ImportError:
    torch = None




needs_mpi = pytest.mark.skipif(not HAVE_MPI4PY or mpiexec() is None,
                               reason="mpi4py or mpiexec missing: pip install mpi4py mpich")
slow = pytest.mark.slow         # several fresh interpreters each


def run_world(k, args, timeout=300):
    env = dict(os.environ, FASTNN_NUM_THREADS="1")
    return subprocess.run([mpiexec(), "-n", str(k), sys.executable, *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


# ---- worlds of several processes --------------------------------------------------

@needs_mpi
@slow
@pytest.mark.parametrize("k", [2, 3])
def test_k_ranks_match_one_process(k, tmp_path):
    """tests/mpi/ddp_worlds.py's checks in a world of k; run twice, the
    trained parameters are bitwise the same (the reduction order is fixed)."""
    digests = []
    for run in ("first", "second"):
        folder = tmp_path / run
        folder.mkdir()
        out = run_world(k, [os.path.join(HERE, "mpi", "ddp_worlds.py"), str(folder)])
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        assert out.stdout.count(f"ranks ok {k}") == 1
        digests += [line for line in out.stdout.splitlines() if line.startswith("params sha256")]
    assert len(digests) == 2 and digests[0] == digests[1]


@needs_mpi
@slow
def test_an_error_on_one_rank_aborts_the_world_with_its_message():
    code = ("import fastnn.distributed as d; d.init()\n"
            "if d.get_rank() == 1: raise ValueError('bad labels on this rank')\n"
            "d.barrier()\n")
    out = run_world(2, ["-c", code], timeout=120)      # the other rank waits in barrier: no hang
    assert out.returncode != 0
    assert "[fastnn rank 1 of 2] uncaught ValueError" in out.stderr
    assert "bad labels on this rank" in out.stderr


@needs_mpi
@slow
def test_demo_trains_data_parallel_and_prints_once(tmp_path):
    out = run_world(2, ["-m", "fastnn", "demo", "--epochs", "1", "--out", "", "--no-progress"],
                    timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("test accuracy after 1 epochs") == 1
    assert "2 ranks (data-parallel over MPI)" in out.stdout


# ---- a world of one ------------------------------------------------------------------

def test_a_world_of_one():
    dist.init()
    dist.init()                                  # a second call does nothing
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    a = np.arange(5.0)
    assert dist.all_reduce(a, op="mean") is a and a.tolist() == [0, 1, 2, 3, 4]
    t = fnn.tensor([1.0, 2.0])
    assert dist.broadcast(t) is t
    assert dist.all_gather_object({"x": 1}) == [{"x": 1}]
    dist.barrier()


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: dist.all_reduce(np.zeros(3), op="min"), ValueError, "op must be one of"),
    (lambda: dist.all_reduce([1.0, 2.0]), TypeError, "array must be a numpy array or a fastnn"),
    (lambda: dist.all_reduce(np.zeros((4, 4))[:, ::2]), ValueError, "C-contiguous"),
    (lambda: dist.all_reduce(np.arange(3), op="mean"), TypeError, "needs a float array"),
    (lambda: dist.broadcast(np.zeros(3), src=1), ValueError, "src must be a rank"),
    (lambda: data.DistributedSampler(10, num_replicas=2, rank=2), ValueError, "rank must be in"),
    (lambda: data.DistributedSampler(10, num_replicas=0, rank=0), ValueError, "num_replicas"),
    (lambda: data.DataLoader(np.zeros((4, 2)), sampler=[0, 1], shuffle=True), ValueError,
     "exclude each other"),
    (lambda: nn.parallel.DistributedDataParallel(lambda x: x), TypeError, "fastnn.nn.Module"),
    (lambda: nn.parallel.DistributedDataParallel(nn.Linear(2, 2), device_ids=[0]), ValueError,
     "device_ids"),
])
def test_bad_input(call, exc, pattern):
    dist.init()
    with pytest.raises(exc, match=pattern):
        call()


def test_launched_without_mpi4py_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)        # import mpi4py fails
    monkeypatch.setitem(dist._world, "initialized", False)
    monkeypatch.setenv("PMI_SIZE", "4")
    with pytest.raises(ImportError, match=r'pip install mpi4py mpich \(the extra "mpi" of '):
        dist.init()
    monkeypatch.delenv("PMI_SIZE")
    dist.init()                                              # alone: a world of one
    assert dist.get_world_size() == 1


def test_uninitialized_use_says_what_to_call(monkeypatch):
    monkeypatch.setitem(dist._world, "initialized", False)
    with pytest.raises(RuntimeError, match=r"call fastnn.distributed.init\(\) first"):
        dist.get_rank()


@pytest.mark.parametrize("n,k,drop_last", [(10, 3, False), (10, 3, True), (12, 4, False),
                                           (5, 8, False), (1, 1, False), (7, 2, True)])
def test_sampler_shares_as_pytorch_does(n, k, drop_last):
    """Unshuffled, each rank's indices are PyTorch's: the order padded by its
    start (or cut), every k-th from the rank's position; together the ranks
    cover every sample."""
    shares = [data.DistributedSampler(n, num_replicas=k, rank=r, shuffle=False,
                                      drop_last=drop_last) for r in range(k)]
    total = shares[0].total_size
    order = np.resize(np.arange(n), total)            # the start repeated, or cut
    for r, s in enumerate(shares):
        assert list(s) == order[r::k].tolist() and len(s) == len(list(s))
    if not drop_last:
        assert set(np.concatenate([s.indices() for s in shares]).tolist()) == set(range(n))
    if torch is not None:
        from torch.utils.data import DistributedSampler as TorchSampler
        for r, s in enumerate(shares):
            assert list(s) == list(TorchSampler(range(n), num_replicas=k, rank=r, shuffle=False,
                                                drop_last=drop_last))


def test_sampler_shuffles_by_epoch_alike_on_every_rank():
    shares = [data.DistributedSampler(20, num_replicas=2, rank=r, seed=5) for r in range(2)]
    first = [s.indices() for s in shares]
    assert sorted(np.concatenate(first).tolist()) == list(range(20))
    for s in shares:
        s.set_epoch(1)
    second = [s.indices() for s in shares]
    assert sorted(np.concatenate(second).tolist()) == list(range(20))
    assert any(not np.array_equal(a, b) for a, b in zip(first, second))
    again = data.DistributedSampler(20, num_replicas=2, rank=0, seed=5)
    assert np.array_equal(again.indices(), first[0])


def test_dataloader_takes_a_sampler():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    loader = data.DataLoader((X, y), batch_size=2,
                             sampler=data.DistributedSampler(10, num_replicas=2, rank=1,
                                                             shuffle=False))
    assert len(loader) == 3
    assert [b[1].numpy().tolist() for b in loader] == [[1, 3], [5, 7], [9]]
    plain = data.DataLoader((X, y), batch_size=4, sampler=[9, 8, 7])      # any iterable
    assert [b[1].numpy().tolist() for b in plain] == [[9, 8, 7]]
    with pytest.raises(IndexError, match="outside the dataset"):
        list(data.DataLoader((X, y), sampler=[10]))


def test_ddp_alone_is_the_module():
    """In a world of one, DistributedDataParallel changes nothing: the same
    outputs and gradients; state_dict has the module's keys, and loading
    takes keys with or without PyTorch's 'module.' prefix."""
    fnn.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ref = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ref.load_state_dict(net.state_dict())
    ddp = nn.parallel.DistributedDataParallel(net)
    assert ddp.module is net
    x = fnn.randn(5, 3)
    out, want = ddp(x), ref(x)
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    out.sum().backward()
    want.sum().backward()
    for p, q in zip(ddp.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert list(ddp.state_dict()) == list(net.state_dict()) == ["0.weight", "0.bias", "2.weight",
                                                                 "2.bias"]
    assert [name for name, _ in ddp.named_parameters()][0] == "module.0.weight"
    prefixed = {f"module.{k}": v.numpy() * 2 for k, v in net.state_dict().items()}
    ddp.load_state_dict(prefixed)
    np.testing.assert_array_equal(net[0].weight.numpy(), prefixed["module.0.weight"])
    opt = optim.SGD(ddp.parameters(), lr=0.1)
    opt.step()
