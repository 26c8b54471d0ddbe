"""What every benchmark here shares: the machine's limits (bench/_limits.c),
peers run interleaved in one process, medians and ratios, JSON results.

Timing method. Each case has peers (fastnn, numpy, PyTorch, ...), each a
zero-argument function doing one call. A peer's time is the median over
`repeats` batches, each batch as many calls as fill about `batch_s` seconds,
and the batches of the peers alternate (A B C A B C ...), so that a slow
minute on this shared machine hits every peer alike. Before each batch the
process sleeps briefly and makes two untimed calls: OpenBLAS's and PyTorch's
worker threads keep spinning for ~0.1 s after their last call and, left
alone, steal the core from whichever peer runs next.
"""
import datetime
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# the source checkout this suite runs from, or None when it runs from an
# installed package (the suite is then fastnn/bench/ in site-packages)
SOURCE_TREE = (os.path.dirname(HERE)
               if os.path.isfile(os.path.join(os.path.dirname(HERE), "pyproject.toml")) else None)


def results_dir():
    """Where JSON results (and, off the checkout, BENCHMARKS.md) go:
    $FASTNN_BENCH_RESULTS, else bench/results/ in a source checkout, else
    fastnn-bench-results/ in the current folder."""
    if os.environ.get("FASTNN_BENCH_RESULTS"):
        return os.environ["FASTNN_BENCH_RESULTS"]
    if SOURCE_TREE:
        return os.path.join(HERE, "results")
    return os.path.abspath("fastnn-bench-results")


# the optional peers: import name -> (shown as, what is lost without it, how to get it)
PEERS = {"torch": ("PyTorch", "its columns are skipped", "pip install torch==2.13.0"),
         "sklearn": ("scikit-learn", "its column is skipped", "pip install scikit-learn"),
         "threadpoolctl": ("threadpoolctl", "numpy's BLAS keeps its own thread count",
                           "pip install threadpoolctl"),
         "matplotlib": ("matplotlib", "the report has no plots", "pip install matplotlib"),
         "distributed": ("Dask distributed", "the grid search skips Dask",
                         "pip install dask distributed"),
         "ray": ("Ray", "the grid search skips Ray", "pip install ray")}
_NOTED = set()


def bench_extra():
    """Every peer at once: the peers' own install line, and fastnn's extra."""
    from fastnn import _dist
    return ("every peer: pip install torch==2.13.0 scikit-learn threadpoolctl matplotlib; "
            + _dist.extra_hint("bench"))


def missing_peers():
    """Optional peers that are not installed, as (shown as, what is lost,
    how to get it); found without importing them."""
    import importlib.util
    return [PEERS[m] for m in PEERS if importlib.util.find_spec(m) is None]


def optional(name):
    """Import a peer if it is installed, else None (with a note, once)."""
    try:
        return __import__(name)
    except ImportError:
        if name not in _NOTED:
            _NOTED.add(name)
            shown, lost, how = PEERS.get(name, (name, "skipped", f"pip install {name}"))
            print(f"note: {shown} is not installed: {lost} ({how}; {bench_extra()})")
        return None


_LIMITS = {}


def limits(quick=False):
    """FMA peak and memory bandwidth measured by fastnn.bench._limits (built
    with fastnn from bench/_limits.c), or None (measured once per process)."""
    if quick not in _LIMITS:
        try:
            from . import _limits
        except ImportError as e:
            print(f"note: the machine's limits are not measured ({e})")
            _LIMITS[quick] = None
        else:
            _LIMITS[quick] = json.loads(_limits.measure(quick))
    return _LIMITS[quick]


def fma_peak(lim, dtype="float32"):
    """(ISA name, {threads: GFLOP/s}) of the FMA peak that bounds fastnn's
    kernels here: AVX-512's when fastnn runs its AVX-512 entry and that peak
    was measured, else AVX2's."""
    from fastnn import _C
    lim = lim or {}
    if _C.get_simd() == "avx512" and lim.get("fma_gflops_avx512", {}).get(dtype):
        return "AVX-512", lim["fma_gflops_avx512"][dtype]
    return "AVX2", lim.get("fma_gflops", {}).get(dtype, {})


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info():
    """Machine, versions and libraries, recorded with every result."""
    import fastnn
    info = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "fastnn": fastnn.info()}
    try:
        from threadpoolctl import threadpool_info
        info["numpy_blas"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads")}
                              for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:
        pass
    for mod in ("torch", "sklearn"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    return info


class threads:
    """Context: every library on `n` threads (fastnn, BLAS/OpenMP pools, torch)."""

    def __init__(self, n, torch=None):
        self.n, self.torch = n, torch

    def __enter__(self):
        import fastnn
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:      # numpy's BLAS keeps its own thread count (said once by setup)
            self.limits = None
        else:
            self.limits = threadpool_limits(self.n)
        fastnn.set_num_threads(self.n)
        if self.torch is not None:
            self.torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.limits is not None:
            self.limits.restore_original_limits()


def _batch(fn, calls):
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls


def compare(peers, repeats=7, batch_s=0.03, pause_s=0.15):
    """Time each peer (dict name -> fn) interleaved; returns name -> dict with
    the median, min and max seconds per call."""
    calls = {}
    for name, fn in peers.items():          # calibrate: calls per batch
        fn()
        t = _batch(fn, 3)
        calls[name] = max(1, min(100000, int(batch_s / max(t, 1e-7))))
    times = {name: [] for name in peers}
    names = list(peers)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            time.sleep(pause_s)
            peers[name]()
            peers[name]()
            times[name].append(_batch(peers[name], calls[name]))
    return {name: {"median_s": float(np.median(t)), "min_s": float(np.min(t)),
                   "max_s": float(np.max(t)), "calls": calls[name], "repeats": repeats}
            for name, t in times.items()}


def bytes_header(nt, bw, label_width=26, peer_width=8):
    """Print the heading of a thread count's table of byte-moving kernels."""
    print(f"\n== {nt} thread(s); copy bandwidth {bw if bw else 'not measured'} GB/s")
    head = (f"{'case':{label_width}s} {'peer':{peer_width}s} {'median':>10s} {'GB/s':>7s} "
            f"{'%copy':>6s} {'vs fastnn':>9s}")
    print(head)
    print("-" * len(head))


def fmt_time(seconds):
    return f"{seconds * 1e6:8.1f}us" if seconds < 1e-3 else f"{seconds * 1e3:8.2f}ms"


def report_bytes(label, timed, nbytes, bw, label_width=26, peer_width=8):
    """Add ratio, GB/s and fraction of the copy bandwidth to each peer's
    timing (nbytes None: time only) and print one row per peer."""
    base = timed["fastnn"]["median_s"]
    for name, t in timed.items():
        t["ratio"] = t["median_s"] / base
        gbs = nbytes / t["median_s"] / 1e9 if nbytes else None
        t["gbs"] = gbs
        t["fraction_of_copy"] = gbs / bw if (gbs and bw) else None
        g = f"{gbs:7.1f}" if gbs else "      -"
        pct = f"{100 * gbs / bw:5.0f}%" if (gbs and bw) else "     -"
        ratio = "" if name == "fastnn" else f"{t['ratio']:8.2f}x"
        print(f"{label:{label_width}s} {name:{peer_width}s} {fmt_time(t['median_s']):>10s} {g} "
              f"{pct:>6s} {ratio:>9s}")


def write_json(kind, data):
    """Save as <results_dir()>/<kind>-<date>.json and return the path."""
    folder = results_dir()
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(folder, f"{kind}-{stamp}.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    return path


def setup(doc, argv=None, threads="1,2"):
    """The options every benchmark takes (--threads, default `threads`;
    --quick, --repeats), then the peers and the machine's limits. Returns
    (args, repeats, batch_s, torch or None, limits or None)."""
    import argparse
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default=threads, help=f"thread counts to run (default {threads})")
    ap.add_argument("--quick", action="store_true", help="a few cases, few repeats")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args(argv)
    args.threads = parse_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 7)
    batch_s = 0.01 if args.quick else 0.04
    optional("threadpoolctl")
    return args, repeats, batch_s, optional("torch"), limits(args.quick)


def parse_threads(text):
    out = [int(t) for t in text.split(",") if t.strip()]
    if not out or min(out) < 1:
        sys.exit(f"--threads wants a list like 1,2; got {text!r}")
    return out
