"""Thread scaling, and threads under hostile conditions: fastnn beside numpy
(OpenBLAS) and PyTorch at each thread count, then fastnn with a core taken by
another process, with numpy's BLAS called between its calls, and with more
threads than CPUs.

    python -m fastnn.bench.scaling [--threads 1,2,4] [--quick] [--repeats N]

Scaling (float32, the same data for every peer, peers interleaved). The
products of one training step of the 784-256-10 MLP at batch 256, built as in
gemm.py: forward, fused linear + ReLU with bias (256×784 by 256×784ᵀ); grad_x
(256×256 @ 256×784); grad_w (dzᵀx, 256×256ᵀ @ 256×784, with the bias
gradient); and a 1024³ matmul. Each as GFLOP/s and as the speedup over the
same peer on 1 thread. Then one SGD epoch (lr 0.1, batch 256) of the
784-256-10 MLP, run by train.py's runners, fastnn beside PyTorch. The thread
counts default to 1, 2, 4, ... up to the usable CPUs, and that count itself.

Hostile conditions (fastnn only). Each is measured against the quiet figure
from the same run, with quiet and hostile batches alternating. A batch is
many back-to-back calls, or one epoch; the figure is the median over batches:
  one core busy     a separate Python process spins on the last CPU of this
                    process's affinity set while fastnn, unpinned, runs at 1
                    and at 2 threads; done when 2 threads are at least as
                    fast as 1 thread under that load;
  numpy in between  each fastnn call (each training step) comes after an
                    untimed 512×512 numpy matmul on 2 OpenBLAS threads; only
                    fastnn is timed. Fastnn at 2 threads should keep >= 70%
                    of its quiet throughput (at 1 thread, for reference: what
                    the numpy call costs fastnn without any thread waiting);
  oversubscribed    fastnn set to 4× the usable CPUs, against the usable
                    count; should keep >= 70% of that throughput.
The quiet 2-thread epoch should also be >= 1.8× faster than the 1-thread one.

Usable CPUs are fastnn.usable_cpus(): the affinity mask within the cgroup
CPU quota. The machine's record (CPU model, usable CPUs, cgroup CPU quota,
FMA peak and bandwidth) goes into the JSON.
"""
import atexit
import contextlib
import os
import subprocess
import sys
import time

import numpy as np

import fastnn

from . import common, gemm, train

# the targets the hostile cases are checked against (issue 15)
TARGETS = {"busy": 1.0, "numpy": 0.70, "oversubscribed": 0.70, "epoch_speedup": 1.8}
EPOCH_CASE = train.CASES[1]          # ("SGD b=256", 784-256-10, lr 0.1)
HOSTILE_THREADS = 2                  # the thread count of the "busy" and "numpy" cases
NUMPY_SIZE = 512                     # the numpy matmul run between fastnn's calls
# The process that takes a core: a pure-Python busy loop, like
# `while True: pass`, that also ends by itself once its parent is gone, so
# that a benchmark killed with SIGKILL leaves no spinner behind.
SPIN = ("import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n"
        "    for _ in range(1000000):\n        pass\n")


# ---- the machine ---------------------------------------------------------

def usable_cpus():
    """The CPUs this process may run on, as fastnn counts them (affinity mask
    within the cgroup CPU quota)."""
    return fastnn.usable_cpus()


def cpu_quota():
    """The cgroup CPU quota of this process as {"cpus": n} (rounded up, as
    fastnn sizes its team by it), or None when there is none."""
    from fastnn import _C
    n = _C._cgroup_cpus("/proc/self/cgroup", "/sys/fs/cgroup")
    return {"cpus": n} if n else None


def machine():
    """common.machine_info() plus what decides how many threads can run:
    usable CPUs, the affinity set, the cgroup quota."""
    info = common.machine_info()
    try:
        affinity = sorted(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    info.update(usable_cpus=usable_cpus(), cpu_affinity=affinity, cpu_quota=cpu_quota(),
                load_average_start=load_average())
    return info


def load_average():
    """The 1, 5 and 15 minute load averages (a busy shared machine shows
    here), or None where the platform has none."""
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):
        return None


def default_threads():
    """1, 2, 4, ... up to the usable CPUs, and that count itself."""
    top = usable_cpus()
    counts, n = [], 1
    while n <= top:
        counts.append(n)
        n *= 2
    if counts[-1] != top:
        counts.append(top)
    return counts


# ---- timing --------------------------------------------------------------

def stats(times):
    """Median, min and max of a list of seconds."""
    return {"median_s": float(np.median(times)), "min_s": float(np.min(times)),
            "max_s": float(np.max(times)), "repeats": len(times)}


def interleaved(conditions, repeats, pause_s=0.15):
    """Measure each condition (name -> (setting, measure)) `repeats` times,
    the conditions alternating in a rotating order. setting() is a context
    manager that puts the process in the condition; measure() runs one timed
    batch in it and returns seconds per unit. Before each batch the process
    pauses (other libraries' idle workers stop spinning); within a batch it
    never does. Returns name -> stats."""
    times = {name: [] for name in conditions}
    names = list(conditions)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            setting, measure = conditions[name]
            with setting():
                time.sleep(pause_s)
                times[name].append(measure())
    return {name: stats(t) for name, t in times.items()}


def back_to_back(fn, calls, before=None):
    """A batch measure: `calls` calls of fn after two untimed ones. Without
    `before`, one clock around them all; with it, before() runs ahead of
    each call untimed and only fn's own time is summed."""
    def measure():
        fn()
        fn()
        if before is None:
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            return (time.perf_counter() - t) / calls
        spent = 0.0
        for _ in range(calls):
            before()
            t = time.perf_counter()
            fn()
            spent += time.perf_counter() - t
        return spent / calls
    return measure


def calls_for(fn, batch_s):
    """How many calls of fn fill about batch_s seconds (measured now)."""
    fn()
    t = time.perf_counter()
    for _ in range(3):
        fn()
    return max(1, int(batch_s / max((time.perf_counter() - t) / 3, 1e-7)))


def fastnn_epoch(runner, before=None):
    """One epoch of a train.FastnnRunner, its loop written out so that
    before() can run ahead of each step untimed. Returns the seconds spent
    in fastnn: fetching the batch, forward, loss, backward and the SGD step."""
    runner.net.train()
    batches = iter(runner.loader)
    spent = 0.0
    while True:
        if before is not None:
            before()
        t = time.perf_counter()
        try:
            Xb, yb = next(batches)
        except StopIteration:
            return spent
        loss = runner.loss(runner.net(Xb), yb)
        runner.opt.zero_grad()
        loss.backward()
        runner.opt.step()
        spent += time.perf_counter() - t


# ---- hostile settings ----------------------------------------------------

_SPINNERS = set()


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    _SPINNERS.discard(proc)


@atexit.register
def _stop_all():
    for proc in list(_SPINNERS):
        _stop(proc)


def busy_cpu():
    """The CPU the spinner takes: the last of this process's affinity set
    (None where the platform cannot pin)."""
    try:
        return max(os.sched_getaffinity(0))
    except AttributeError:
        return None


@contextlib.contextmanager
def spinning(cpu):
    """A separate process spinning on `cpu` for the duration of the block
    (killed on the way out, and at exit if something escapes)."""
    proc = subprocess.Popen([sys.executable, "-c", SPIN], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _SPINNERS.add(proc)
    try:
        if cpu is not None:
            os.sched_setaffinity(proc.pid, {cpu})
        time.sleep(0.2)                  # the interpreter starts and is spinning
        if proc.poll() is not None:
            raise RuntimeError(f"the spinning process ended early (code {proc.returncode})")
        yield proc
    finally:
        _stop(proc)


def blas_threads(n):
    """Context: numpy's BLAS alone on n threads (threadpoolctl), whatever
    fastnn's count; nothing happens without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(n, user_api="blas")


def setting(nt, busy=False, cpu=None, blas=None):
    """A condition's context factory: fastnn and numpy's BLAS on nt threads
    (the BLAS on `blas` threads if given), and if busy, a process spinning
    on `cpu` (None: unpinned)."""
    @contextlib.contextmanager
    def enter():
        with common.threads(nt), (blas_threads(blas) if blas else contextlib.nullcontext()), \
                (spinning(cpu) if busy else contextlib.nullcontext()):
            yield
    return enter


# ---- the suite -----------------------------------------------------------

def gemm_cases(rng, torch):
    """The training step's products and the square matmul, as gemm.py builds
    them: (label, kind, shape, peers, flops), numpy as its bare product."""
    M, K, N = 256, 784, 256
    built = [("linear+relu 256x784x256", "linear", (M, K, N), gemm.linear_case(rng, M, K, N, torch)),
             ("grad_x 256x256 @ 256x784", "grad_x", (M, K, N), gemm.grad_x_case(rng, M, K, N, torch)),
             ("grad_w 256x256^T @ 256x784", "grad_w", (M, K, N), gemm.grad_w_case(rng, M, K, N, torch)),
             ("square 1024", "square", (1024,), gemm.square_case(rng, 1024, torch))]
    for label, kind, shape, (peers, flops) in built:
        mine = {"fastnn": peers["fastnn"], "numpy": peers["numpy bare"]}
        if "torch" in peers:
            mine["torch"] = peers["torch"]
        yield label, kind, shape, mine, flops


def epoch_runners(torch, X, y, Xt, yt):
    """train.py's fastnn and PyTorch runners for the SGD b=256 case, both
    from the same initial weights, seeing the same batches."""
    case = EPOCH_CASE[1]
    w = train.initial_weights((784,) + case["hidden"] + (10,), seed=0)
    runners = [train.FastnnRunner(case, w, X, y, Xt, yt, seed=1)]
    if torch is not None:
        runners.append(train.TorchRunner(torch, case, w, X, y, Xt, yt, seed=1))
    return runners


def run_scaling(counts, repeats, batch_s, epochs, torch, peak, runners):
    """The scaling table: GEMM rows and epoch rows for each thread count,
    each peer's speedup over its own 1-thread figure."""
    rng = np.random.default_rng(0)
    cases = list(gemm_cases(rng, torch))
    results = []
    one = {}                                   # (case, peer) -> 1-thread median
    for nt in counts:
        peak_t = peak.get(str(nt))
        print(f"\n== {nt} thread(s); float32 FMA peak {peak_t if peak_t else 'not measured'} GFLOP/s")
        head = (f"{'case':28s} {'peer':8s} {'median':>10s} {'GFLOP/s':>8s} {'%peak':>6s} "
                f"{'vs 1T':>7s} {'vs fastnn':>9s}")
        print(head)
        print("-" * len(head))
        with common.threads(nt, torch):
            for label, kind, shape, peers, flops in cases:
                timed = common.compare(peers, repeats=repeats, batch_s=batch_s)
                base = timed["fastnn"]["median_s"]
                for name, t in timed.items():
                    gf = flops / t["median_s"] / 1e9
                    if nt == 1:
                        one[label, name] = t["median_s"]
                    speedup = one[label, name] / t["median_s"] if (label, name) in one else None
                    t.update(gflops=gf, fraction_of_peak=gf / peak_t if peak_t else None,
                             ratio=t["median_s"] / base, speedup=speedup)
                    pct = f"{100 * gf / peak_t:5.1f}%" if peak_t else "     -"
                    up = f"{speedup:6.2f}x" if speedup else "      -"
                    ratio = "" if name == "fastnn" else f"{t['ratio']:8.2f}x"
                    print(f"{label:28s} {name:8s} {common.fmt_time(t['median_s']):>10s} {gf:8.1f} "
                          f"{pct:>6s} {up:>7s} {ratio:>9s}")
                results.append({"case": label, "kind": kind, "shape": list(shape), "threads": nt,
                                "flops": flops, "peers": timed})
            results.append(epoch_row(runners, nt, epochs, one))
    return results


def epoch_row(runners, nt, epochs, one):
    """Epochs of each runner, interleaved, one warm-up then `epochs` timed
    (a pause before each, as train.py does); one holds the 1-thread medians
    for the speedups and gets this count's when nt is 1."""
    times = {r.name: [] for r in runners}
    for e in range(epochs + 1):
        for r in runners:
            time.sleep(0.1)
            t = time.perf_counter()
            r.epoch()
            if e:
                times[r.name].append(time.perf_counter() - t)
    label = f"epoch {EPOCH_CASE[0]}"
    row = {"case": label, "kind": "epoch", "threads": nt, "peers": {}}
    base = float(np.median(times["fastnn"]))
    for name, ts in times.items():
        s = stats(ts)
        if nt == 1:
            one[label, name] = s["median_s"]
        s["speedup"] = one[label, name] / s["median_s"] if (label, name) in one else None
        s["ratio"] = s["median_s"] / base
        row["peers"][name] = s
        up = f"{s['speedup']:6.2f}x" if s["speedup"] else "      -"
        ratio = "" if name == "fastnn" else f"{s['ratio']:8.2f}x"
        print(f"{label:28s} {name:8s} {s['median_s']:9.3f}s {'':8s} {'':>6s} {up:>7s} {ratio:>9s}")
    return row


def _row(case, workload, threads, quiet_threads, quiet, hostile, flops=None):
    """One hostile measurement beside its quiet figure; ratio is the
    fraction of the quiet throughput kept (quiet time / hostile time)."""
    for s in (quiet, hostile):
        if flops:
            s["gflops"] = flops / s["median_s"] / 1e9
    row = {"case": case, "workload": workload, "threads": threads, "quiet_threads": quiet_threads,
           "quiet": quiet, "hostile": hostile, "ratio": quiet["median_s"] / hostile["median_s"]}
    if flops:
        row["flops"] = flops
    shown = (lambda s: f"{s['gflops']:7.1f} GF/s") if flops else (lambda s: f"{s['median_s']:8.3f} s ")
    print(f"{case:22s} {workload:22s} {threads:>3d}T vs {quiet_threads}T  quiet {shown(quiet)}  "
          f"hostile {shown(hostile)}  kept {row['ratio']:6.2f}")
    return row


def run_hostile(repeats, batch_s, epochs, runner):
    """The three hostile cases, each beside its quiet figure from the same
    run, for the fused linear layer and for the epoch. Returns (rows, checks)."""
    rng = np.random.default_rng(1)
    peers, flops = gemm.linear_case(rng, 256, 784, 256, None)
    linear = peers["fastnn"]
    with common.threads(1):
        calls = calls_for(linear, batch_s)         # the slowest quiet setting fills batch_s
    a = rng.standard_normal((NUMPY_SIZE, NUMPY_SIZE), dtype=np.float32)
    b = rng.standard_normal((NUMPY_SIZE, NUMPY_SIZE), dtype=np.float32)
    c = np.empty_like(a)

    def numpy_call():                              # on the setting's 2 BLAS threads
        np.matmul(a, b, out=c)

    # (label, flops or None, measure(before=None) -> a batch, batches)
    workloads = [("linear 256x784x256", flops,
                  lambda before=None: back_to_back(linear, calls, before), repeats),
                 (f"epoch {EPOCH_CASE[0]}", None,
                  lambda before=None: (lambda: fastnn_epoch(runner, before)), epochs)]
    u, nt2 = usable_cpus(), HOSTILE_THREADS
    cpu = busy_cpu()
    print(f"\n== hostile conditions; {u} usable CPU(s); the spinner on CPU "
          f"{cpu if cpu is not None else '(unpinned)'}; {calls} linear calls per batch")
    rows = []
    for label, fl, measure, n in workloads:
        # a. one core busy: fastnn unpinned at 1 and 2 threads, quiet and busy
        res = interleaved({"quiet 1": (setting(1), measure()),
                           "busy 1": (setting(1, busy=True, cpu=cpu), measure()),
                           "quiet 2": (setting(nt2), measure()),
                           "busy 2": (setting(nt2, busy=True, cpu=cpu), measure())}, n)
        rows.append(_row("one core busy", label, 1, 1, res["quiet 1"], res["busy 1"], fl))
        rows.append(_row("one core busy", label, nt2, nt2, res["quiet 2"], res["busy 2"], fl))
        rows[-1]["busy_2t_over_1t"] = res["busy 1"]["median_s"] / res["busy 2"]["median_s"]
        rows[-1]["quiet_2t_over_1t"] = res["quiet 1"]["median_s"] / res["quiet 2"]["median_s"]
        # b. numpy in between: an untimed OpenBLAS matmul (on 2 threads) before
        # each call / step; fastnn on 1 thread too, to tell what the threads
        # lose from what the numpy call costs anyway (caches, frequency)
        res = interleaved({"quiet 1": (setting(1, blas=nt2), measure()),
                           "numpy 1": (setting(1, blas=nt2), measure(numpy_call)),
                           "quiet 2": (setting(nt2, blas=nt2), measure()),
                           "numpy 2": (setting(nt2, blas=nt2), measure(numpy_call))}, n)
        rows.append(_row("numpy in between", label, 1, 1, res["quiet 1"], res["numpy 1"], fl))
        rows.append(_row("numpy in between", label, nt2, nt2, res["quiet 2"], res["numpy 2"], fl))
        # c. oversubscribed: 4x the usable CPUs against the usable count
        res = interleaved({"quiet": (setting(u), measure()),
                           "over": (setting(4 * u), measure())}, n)
        rows.append(_row("oversubscribed", label, 4 * u, u, res["quiet"], res["over"], fl))
    return rows, checks(rows, u)


def checks(rows, u):
    """The done-when checks: name, measured value, target, passed."""
    def find(case, workload, threads):
        return next(r for r in rows if r["case"] == case and r["workload"].startswith(workload)
                    and r["threads"] == threads)
    out = []

    def check(name, value, target):
        out.append({"check": name, "value": value, "target": target, "pass": bool(value >= target)})
    for w in ("linear", "epoch"):
        check(f"one core busy, {w}: 2T throughput / 1T throughput",
              find("one core busy", w, HOSTILE_THREADS)["busy_2t_over_1t"], TARGETS["busy"])
    for w in ("linear", "epoch"):
        check(f"numpy in between, {w}: {HOSTILE_THREADS}T throughput / quiet",
              find("numpy in between", w, HOSTILE_THREADS)["ratio"], TARGETS["numpy"])
    for w in ("linear", "epoch"):
        check(f"{4 * u} threads on {u} CPU(s), {w}: throughput / quiet {u}T",
              find("oversubscribed", w, 4 * u)["ratio"], TARGETS["oversubscribed"])
    check(f"quiet epoch: {HOSTILE_THREADS}T speedup over 1T",
          find("one core busy", "epoch", HOSTILE_THREADS)["quiet_2t_over_1t"], TARGETS["epoch_speedup"])
    return out


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(
        __doc__, argv, threads=",".join(map(str, default_threads())))
    counts = sorted(set(args.threads))
    peak = common.fma_peak(lim)[1]
    epochs = 3 if args.quick else 5
    hostile_batch_s = 0.04 if args.quick else 0.2
    X, y, Xt, yt, source = train.load_data(args.quick)
    info = machine()
    quota = info["cpu_quota"]
    print(f"cpu: {info['cpu']}; {info['usable_cpus']} usable CPU(s) of {info['cores']}; cgroup CPU "
          f"quota {'%.2f CPUs' % quota['cpus'] if quota else 'none'}")
    print(f"data: {source}; {len(X)} training images; {epochs} timed epochs per figure "
          f"(after one warm-up)")
    runners = epoch_runners(torch, X, y, Xt, yt)
    results = run_scaling(counts, repeats, batch_s, epochs, torch, peak, runners)
    with common.threads(1):
        fastnn_epoch(runners[0])                  # warm-up of the hand-written loop
    hostile, done = run_hostile(repeats, hostile_batch_s, epochs, runners[0])
    print("\n== done when")
    for c in done:
        print(f"{c['check']:55s} {c['value']:6.2f} (target >= {c['target']:.2f}) "
              f"{'pass' if c['pass'] else 'FAIL'}")
    info["load_average_end"] = load_average()
    path = common.write_json("scaling", {"machine": info, "limits": lim, "data": source,
                                         "train_images": len(X), "epochs": epochs,
                                         "repeats": repeats, "threads": counts,
                                         "targets": TARGETS, "results": results,
                                         "hostile": hostile, "checks": done})
    print(f"\nvs 1T = the peer's own 1-thread time / this one; kept = quiet time / hostile time"
          f"\nwrote {path}")


if __name__ == "__main__":
    main()
