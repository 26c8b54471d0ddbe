"""fastnn's thread pool: the team's size (usable CPUs, cgroup quotas, the
ceiling), bitwise-equal results for any number of threads and parts, calls
from several Python threads at once, and a forked child."""
import os
import platform
import subprocess
import sys
import threading

import numpy as np
import pytest

import fastnn
from conftest import two_threads_available
from fastnn import _C, ops

HAS_AFFINITY = hasattr(os, "sched_getaffinity")


@pytest.fixture
def restore_cpus(restore_threads):
    yield
    _C._set_usable_cpus(0)


# ---- how many CPUs ---------------------------------------------------------

@pytest.mark.skipif(not HAS_AFFINITY, reason="no sched_getaffinity on this OS")
def test_usable_cpus_is_the_affinity_mask_within_the_quota():
    n = len(os.sched_getaffinity(0))
    quota = _C._cgroup_cpus("/proc/self/cgroup", "/sys/fs/cgroup")
    assert fastnn.usable_cpus() == (min(n, quota) if quota else n)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_AFFINITY, reason="no sched_getaffinity on this OS")
def test_a_narrowed_affinity_mask_caps_the_team():
    code = ("import os, fastnn; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "fastnn.set_num_threads(4); i = fastnn.info(); "
            "print(fastnn.usable_cpus(), i['max_team'], fastnn.get_num_threads())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "1", "4"]


def test_the_thread_count_is_a_ceiling(restore_cpus):
    _C._set_usable_cpus(3)
    fastnn.set_num_threads(8)
    assert fastnn.get_num_threads() == 8          # what was asked for
    assert fastnn.info()["max_team"] == 3         # what a call may use
    fastnn.set_num_threads(2)
    assert fastnn.info()["max_team"] == 2


def write_cgroup(tmp_path, proc_lines, files):
    """A fake /proc/self/cgroup and a fake cgroup mount with `files`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    proc = tmp_path / "cgroup"
    proc.write_text("".join(line + "\n" for line in proc_lines))
    root = tmp_path / "fs"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    root.mkdir(exist_ok=True)
    return str(proc), str(root)


def test_cgroup_v2_takes_the_tightest_quota_up_the_tree(tmp_path):
    proc, root = write_cgroup(tmp_path, ["0::/a/b"], {
        "cpu.max": "max 100000",
        "a/cpu.max": "250000 100000",       # 2.5 CPUs -> 3
        "a/b/cpu.max": "max 100000",
    })
    assert _C._cgroup_cpus(proc, root) == 3
    proc, root = write_cgroup(tmp_path / "n", ["0::/a/b"], {
        "a/cpu.max": "800000 100000",
        "a/b/cpu.max": "150000 100000",     # 1.5 CPUs -> 2
    })
    assert _C._cgroup_cpus(proc, root) == 2


def test_cgroup_without_a_limit_gives_none(tmp_path):
    proc, root = write_cgroup(tmp_path, ["0::/x"], {"x/cpu.max": "max 100000"})
    assert _C._cgroup_cpus(proc, root) == 0
    assert _C._cgroup_cpus(str(tmp_path / "absent"), root) == 0


def test_cgroup_v1_reads_the_cpu_controller(tmp_path):
    proc, root = write_cgroup(tmp_path, ["4:memory:/m", "3:cpu,cpuacct:/job", "2:cpuset:/"], {
        "cpu,cpuacct/job/cpu.cfs_quota_us": "50000",
        "cpu,cpuacct/job/cpu.cfs_period_us": "100000",   # half a CPU -> 1
    })
    assert _C._cgroup_cpus(proc, root) == 1
    proc, root = write_cgroup(tmp_path / "u", ["3:cpu:/job"], {
        "cpu/job/cpu.cfs_quota_us": "-1",
        "cpu/job/cpu.cfs_period_us": "100000",
    })
    assert _C._cgroup_cpus(proc, root) == 0


# ---- the same bits for any team and any number of parts --------------------

TEAMS = [1, 2, 3, 5, 8]   # more threads than CPUs too: correctness, not speed


def each_team(fn, restore):
    """fn() under every team size in TEAMS (the usable-CPU count pretended)."""
    out = []
    for n in TEAMS:
        _C._set_usable_cpus(n)
        fastnn.set_num_threads(n)
        out.append(fn())
    return out


def assert_all_equal(results):
    for r in results[1:]:
        if isinstance(r, tuple):
            for a, b in zip(results[0], r):
                np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_array_equal(results[0], r)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("M,K,N", [(256, 784, 256), (1000, 784, 10), (97, 131, 203),
                                   (3, 500, 4000)])
def test_gemm_family_same_bits_for_any_team(restore_cpus, rng, dtype, M, K, N):
    x = rng.standard_normal((M, K)).astype(dtype)
    w = rng.standard_normal((N, K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype)
    dy = rng.standard_normal((M, N)).astype(dtype)

    def run():
        y = ops.linear(x, w, b, activation="tanh")
        grads = ops.linear_backward(dy, x, w, y, activation="tanh")
        return (y,) + tuple(g for g in grads if g is not None) + (ops.matmul(x, x, transpose_a=True),)

    results = each_team(run, restore_cpus)
    assert_all_equal(results)
    y = results[0][0]
    ref = np.tanh(x.astype(np.float64) @ w.T.astype(np.float64) + b)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)


def test_gemm_packed_in_chunks_same_bits_for_any_team(restore_cpus, rng):
    """Operands over the 8 MB packing cap (float64 1201×1000 and 1100×1000)
    are packed and computed chunk by chunk; the row sums of the bias gradient
    are taken on the first column chunk only."""
    x = rng.standard_normal((1201, 1000))
    w = rng.standard_normal((1100, 1000))
    dy = rng.standard_normal((1201, 1100))

    def run():
        gx, gw, gb = ops.linear_backward(dy, x, w)
        return ops.linear(x, w), gx, gw, gb

    results = []
    for n in (1, 2, 3):
        _C._set_usable_cpus(n)
        fastnn.set_num_threads(n)
        results.append(run())
    assert_all_equal(results)
    y, gx, gw, gb = results[0]
    np.testing.assert_allclose(y, x @ w.T, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(gw, dy.T @ x, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(gb, dy.sum(0), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, dy @ w, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_and_elementwise_families_same_bits_for_any_team(restore_cpus, rng, dtype):
    logits = rng.standard_normal((3001, 37)).astype(dtype)
    labels = rng.integers(0, 37, 3001)
    z = rng.standard_normal(200_003).astype(dtype)
    target = rng.standard_normal(200_003).astype(dtype)

    def run():
        loss, grad = ops.softmax_cross_entropy(logits, labels)
        mse, mse_grad = ops.mse_loss(z, target)
        return (ops.softmax(logits), np.asarray(loss), grad, ops.relu(z), ops.sigmoid(z),
                np.asarray(mse), mse_grad, np.asarray(ops.sum_squares([z, target])))

    assert_all_equal(each_team(run, restore_cpus))


def test_optimizer_and_clipping_same_bits_for_any_team(restore_cpus, rng):
    shapes = [(512, 784), (512,), (10, 512), (10,)]
    start = [rng.standard_normal(s) for s in shapes]
    grads = [rng.standard_normal(s) for s in shapes]

    def run():
        params = [fastnn.nn.Parameter(fastnn.tensor(p.copy())) for p in start]
        for p, g in zip(params, grads):
            p.grad = fastnn.tensor(g.copy())
        norm = fastnn.nn.utils.clip_grad_norm_(params, 1.0)
        opt = fastnn.optim.Adam(params, lr=1e-2, weight_decay=1e-3)
        for _ in range(3):
            opt.step()
        return tuple([np.asarray(float(norm))] + [p.detach().numpy() for p in params])

    assert_all_equal(each_team(run, restore_cpus))


@pytest.mark.slow
@pytest.mark.skipif(not HAS_AFFINITY, reason="no sched_getaffinity on this OS")
def test_a_team_that_does_not_help_is_halved():
    """Two threads made to share one CPU give no speedup: the pool's review
    of its calls (in CPU time) sees it and halves the team for a while."""
    code = """
import os, numpy as np, fastnn
from fastnn import _C, ops
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
_C._set_usable_cpus(2)            # pretend two CPUs: both threads share one
fastnn.set_num_threads(2)
before = _C._team_now()
rng = np.random.default_rng(0)
x = rng.standard_normal((256, 784)).astype(np.float32)
w = rng.standard_normal((256, 784)).astype(np.float32)
for _ in range(80):
    ops.linear(x, w)
print(before, _C._team_now())
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2", "1"]


# ---- calls from several places ----------------------------------------------

def test_calls_from_several_python_threads_at_once(restore_threads, rng):
    fastnn.set_num_threads(2)
    x = rng.standard_normal((300, 500)).astype(np.float32)
    w = rng.standard_normal((400, 500)).astype(np.float32)
    b = rng.standard_normal(400).astype(np.float32)
    expected = ops.linear(x, w, b, activation="relu")
    failures = []

    def worker():
        for _ in range(30):
            if not np.array_equal(ops.linear(x, w, b, activation="relu"), expected):
                failures.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a kernel call hung"
    assert failures == []


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this OS")
def test_a_forked_child_gets_a_working_pool():
    code = """
import os, numpy as np, fastnn
from fastnn import ops
fastnn.set_num_threads(2)
rng = np.random.default_rng(0)
x = rng.standard_normal((256, 784)).astype(np.float32)
w = rng.standard_normal((256, 784)).astype(np.float32)
want = ops.linear(x, w)              # the parent's pool is running now
pid = os.fork()
if pid == 0:
    ok = np.array_equal(ops.linear(x, w), want)
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
def test_team_stats_count_the_calls_that_could_share(restore_threads):
    from fastnn import _C
    fastnn.set_num_threads(2)
    x = np.ones((256, 784), np.float32)
    w = np.ones((256, 784), np.float32)
    _C.team_stats(reset=True)
    for _ in range(5):
        _C.linear(x, w)                       # work for two threads: counted
    big = _C.team_stats()
    assert big["calls"] >= 5 and 0 <= big["halved"] <= big["calls"]
    _C.linear(np.ones((1, 3), np.float32), np.ones((2, 3), np.float32))   # one thread's work
    after = _C.team_stats(reset=True)
    assert (after["calls"], after["halved"]) == (big["calls"], big["halved"])
    zeroed = _C.team_stats()
    assert set(zeroed) == {"calls", "halved", "contended", "waited", "moved"}
    assert (zeroed["calls"], zeroed["halved"]) == (0, 0) and zeroed["contended"] >= 0
    fastnn.set_num_threads(1)
    _C.linear(x, w)
    assert _C.team_stats()["calls"] == 0      # a team of one cannot be halved


@pytest.mark.skipif(not two_threads_available() or not HAS_AFFINITY,
                    reason="needs 2 usable CPUs and sched_getaffinity")
def test_workers_keep_the_whole_affinity_set(restore_threads):
    """A worker that finds itself on the caller's CPU moves to another one
    once, then gives the kernel its whole set back: after calls with
    pauses between them (workers asleep, woken where the kernel likes), no
    thread of the process is left pinned."""
    import time
    fastnn.set_num_threads(2)
    mask = os.sched_getaffinity(0)
    x = np.ones((256, 784), np.float32)
    w = np.ones((256, 784), np.float32)
    _C.team_stats(reset=True)
    for _ in range(8):
        time.sleep(0.02)
        for _ in range(10):
            _C.linear(x, w)
    tids = [int(t) for t in os.listdir("/proc/self/task")] if os.path.isdir("/proc/self/task") else []
    for tid in tids:
        try:
            assert os.sched_getaffinity(tid) == mask, tid
        except ProcessLookupError:      # a thread that ended meanwhile
            pass


# ---- the GEMM's cache blocks -------------------------------------------------

def run_with_caches(value, code):
    env = dict(os.environ, FASTNN_CACHES=value)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


BLOCKS = """
import json
from fastnn import _C
print(json.dumps([_C.cpu_caches(), _C.gemm_blocks("float32"), _C.gemm_blocks("float64")]))
"""


@pytest.mark.parametrize("l2", [262144, 1048576, 2097152])
def test_gemm_blocks_follow_the_caches(l2):
    import json
    l3 = 8 << 20
    caches, f32, f64 = json.loads(run_with_caches(f"32768,{l2},{l3}", BLOCKS))
    assert caches == {"l1d": 32768, "l2": l2, "l3": l3, "source": "FASTNN_CACHES"}
    for blocks, size in ((f32, 4), (f64, 8)):
        assert 128 <= blocks["kc"] <= 512 and blocks["kc"] % 8 == 0
        assert blocks["mc"] * blocks["kc"] * size <= l2 * 3 // 4      # A block in L2
        assert blocks["kc"] * blocks["nc"] * size <= l3 // 2          # B block in L3
    small = json.loads(run_with_caches(f"32768,{262144},{l3}", BLOCKS))[1]
    assert f32["mc"] * f32["kc"] >= small["mc"] * small["kc"]       # a bigger L2, bigger blocks


@pytest.mark.skipif(not sys.platform.startswith("linux") or
                    platform.machine() not in ("x86_64", "AMD64"),
                    reason="compares CPUID's cache leaves with Linux's sysfs on x86-64")
def test_cpuid_reads_the_caches_sysfs_reports():
    import json
    by_sysfs = json.loads(run_with_caches("", BLOCKS))[0]
    by_cpuid = json.loads(run_with_caches("cpuid", BLOCKS))[0]
    if by_sysfs["source"] != "sysfs":
        pytest.skip("no cache sizes in sysfs here")
    assert by_cpuid["source"] == "cpuid"
    assert (by_cpuid["l1d"], by_cpuid["l2"]) == (by_sysfs["l1d"], by_sysfs["l2"])


def test_gemm_with_tiny_cache_blocks_matches_float64_on_any_team():
    """Caches so small that every operand is cut into many K blocks, row
    blocks and column blocks: the product still matches float64 and has the
    same bits on 1 and 2 threads."""
    code = """
import numpy as np, fastnn
from fastnn import ops, _C
assert _C.gemm_blocks()["kc"] == 128, _C.gemm_blocks()
rng = np.random.default_rng(5)
out = []
for dtype in (np.float32, np.float64):
    a = rng.standard_normal((301, 1037)).astype(dtype)
    b = rng.standard_normal((1037, 533)).astype(dtype)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    res = []
    for nt in (1, 2):
        fastnn.set_num_threads(nt)
        res.append(ops.matmul(a, b))
    tol = 1e-3 if dtype == np.float32 else 1e-10
    assert np.allclose(res[0], ref, rtol=tol, atol=tol * 40), dtype
    assert np.array_equal(res[0], res[1]), dtype
print("ok")
"""
    assert run_with_caches("4096,65536,262144", code).strip() == "ok"


def test_ukernel_gflops_checks_its_arguments():
    with pytest.raises(TypeError, match="dtype"):
        _C.ukernel_gflops("int32")
    for kc in (0, -3, 2.5, True, 1 << 20):
        with pytest.raises(ValueError, match="kc"):
            _C.ukernel_gflops("float32", kc)
    for dtype in ("float32", "float64"):
        gf = _C.ukernel_gflops(dtype, 7, seconds=0.001)
        assert np.isfinite(gf) and gf > 0
