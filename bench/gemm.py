"""GEMM benchmark: fastnn's fused linear layer and matmul beside numpy
(OpenBLAS) and PyTorch, as GFLOP/s and as a fraction of this machine's FMA peak.

    python -m fastnn.bench.gemm [--threads 1,2] [--quick] [--repeats N]

Cases (float32):
  linear   y = relu(x @ w.T + b), x M×784, w 256×784, M in 1, 32, 64, 256,
           1024, 4096: fastnn.ops.linear(activation='relu') against numpy's bare
           x @ w.T, numpy's unfused np.maximum(x @ w.T + b, 0) and torch's
           addmm + relu_;
  grad_x   dz @ w at M = 256 (256×256 · 256×784): fastnn.ops.matmul;
  grad_w   dzᵀ @ x and Σ_rows dz at M = 256: fastnn.ops.linear_backward
           (need_input_grad=False) against the same two products;
  square   n×n · n×n for n in 256, 512, 1024, 2048.
First, each kernel entry's micro-kernel alone (packed panels in the caches)
against the FMA peak of its instruction set, with the cache blocks the GEMM
takes from this CPU's caches. FLOPs are 2·M·N·K for every product (the bias, relu and row sum are not
counted). Ratios are a peer's time over fastnn's: above 1, fastnn is faster.
Each row also says how many of fastnn's pool calls in it ran on a halved
team (the pool's review found the extra threads did not help). On 2 or more
threads, a last table counts those halvings in quiet loops of back-to-back
calls over the training step's shapes (10^5 calls in all; 4,000 with
--quick): on an idle machine each halving is a false one.
"""
import time

import numpy as np

import fastnn
from fastnn import ops

from . import common


def linear_case(rng, M, K, N, torch):
    x = rng.standard_normal((M, K), dtype=np.float32)
    w = rng.standard_normal((N, K), dtype=np.float32) / np.float32(np.sqrt(K))
    b = rng.standard_normal(N, dtype=np.float32)
    out = np.empty((M, N), np.float32)
    out_np = np.empty((M, N), np.float32)
    wt = w.T
    peers = {
        "fastnn": lambda: ops.linear(x, w, b, activation="relu", out=out),
        "numpy bare": lambda: np.matmul(x, wt, out=out_np),
        "numpy unfused": lambda: np.maximum(x @ wt + b, 0),
    }
    if torch is not None:
        tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
        to = torch.empty((M, N))
        peers["torch"] = lambda: torch.addmm(tb, tx, tw.t(), out=to).relu_()
    return peers, 2.0 * M * N * K


def grad_x_case(rng, M, K, N, torch):
    dz = rng.standard_normal((M, N), dtype=np.float32)
    w = rng.standard_normal((N, K), dtype=np.float32)
    out = np.empty((M, K), np.float32)
    out_np = np.empty((M, K), np.float32)
    peers = {"fastnn": lambda: ops.matmul(dz, w, out=out),
             "numpy bare": lambda: np.matmul(dz, w, out=out_np)}
    if torch is not None:
        tdz, tw, to = torch.from_numpy(dz), torch.from_numpy(w), torch.empty((M, K))
        peers["torch"] = lambda: torch.mm(tdz, tw, out=to)
    return peers, 2.0 * M * N * K


def grad_w_case(rng, M, K, N, torch):
    dz = rng.standard_normal((M, N), dtype=np.float32)
    x = rng.standard_normal((M, K), dtype=np.float32)
    w = np.zeros((N, K), np.float32)
    gw, gb = np.empty((N, K), np.float32), np.empty(N, np.float32)
    gw_np, gb_np = np.empty((N, K), np.float32), np.empty(N, np.float32)

    def numpy_grads():
        np.matmul(dz.T, x, out=gw_np)
        dz.sum(axis=0, out=gb_np)

    peers = {"fastnn": lambda: ops.linear_backward(dz, x, w, need_input_grad=False,
                                                   grad_weight=gw, grad_bias=gb),
             "numpy bare": numpy_grads}
    if torch is not None:
        tdz, tx = torch.from_numpy(dz), torch.from_numpy(x)
        tgw, tgb = torch.empty((N, K)), torch.empty(N)

        def torch_grads():
            torch.mm(tdz.t(), tx, out=tgw)
            torch.sum(tdz, 0, out=tgb)
        peers["torch"] = torch_grads
    return peers, 2.0 * M * N * K


def square_case(rng, n, torch):
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out, out_np = np.empty((n, n), np.float32), np.empty((n, n), np.float32)
    peers = {"fastnn": lambda: ops.matmul(a, b, out=out),
             "numpy bare": lambda: np.matmul(a, b, out=out_np)}
    if torch is not None:
        ta, tb, to = torch.from_numpy(a), torch.from_numpy(b), torch.empty((n, n))
        peers["torch"] = lambda: torch.mm(ta, tb, out=to)
    return peers, 2.0 * n ** 3


def cases(quick):
    ms = [1, 256] if quick else [1, 32, 64, 256, 1024, 4096]
    for M in ms:
        yield f"linear M={M}", "linear", (M, 784, 256)
    yield "grad_x M=256", "grad_x", (256, 784, 256)
    yield "grad_w M=256", "grad_w", (256, 784, 256)
    for n in ([256] if quick else [256, 512, 1024, 2048]):
        yield f"square n={n}", "square", (n,)


STEP_SHAPES = [("linear", (64, 784, 256)), ("linear", (128, 784, 256)),
               ("linear", (192, 784, 256)), ("linear", (256, 784, 256)),
               ("grad_w", (256, 784, 256)), ("grad_x", (256, 784, 256))]


def halving_rate(stats):
    return stats["halved"] / stats["calls"] if stats["calls"] else 0.0


def team_review(rng, calls):
    """Back-to-back fastnn calls over the step's shapes: the fraction of
    pool calls the review ran on a halved team."""
    from fastnn import _C
    rows = []
    per_shape = max(1, calls // len(STEP_SHAPES))
    for kind, shape in STEP_SHAPES:
        builder = {"linear": linear_case, "grad_x": grad_x_case, "grad_w": grad_w_case}[kind]
        peers, _ = builder(rng, *shape, None)
        fn = peers["fastnn"]
        for _ in range(50):
            fn()
        _C.team_stats(reset=True)
        t = time.perf_counter()
        for _ in range(per_shape):
            fn()
        seconds = (time.perf_counter() - t) / per_shape
        st = _C.team_stats(reset=True)
        rows.append({"case": f"{kind} {'x'.join(map(str, shape))}", "calls": per_shape,
                     "pool_calls": st["calls"], "halved": st["halved"],
                     "contended": st["contended"], "waited": st["waited"],
                     "moved": st["moved"], "rate": halving_rate(st), "median_s": seconds})
        print(f"{rows[-1]['case']:22s} {per_shape:7d} calls {st['calls']:8d} pool calls "
              f"{100 * rows[-1]['rate']:6.2f}% halved {st['waited']:5d} waited "
              f"{st['moved']:5d} moved {st['contended']:5d} CPU-taken sleeps "
              f"{seconds * 1e6:8.1f}us a call")
    total = {"calls": sum(r["pool_calls"] for r in rows),
             "halved": sum(r["halved"] for r in rows)}
    print(f"{'all':22s} {100 * halving_rate(total):6.2f}% of {total['calls']} pool calls halved")
    return {"rows": rows, "rate": halving_rate(total), **total}


def micro_kernels(lim, seconds):
    """Each kernel entry this CPU runs: its micro-kernel alone (packed panels
    held in the caches, depth kc of the GEMM's blocks) beside the 1-thread
    FMA peak of its instruction set, float32 and float64."""
    from fastnn import _C
    lim = lim or {}
    was = _C.get_simd()
    rows = []
    print("\n== the micro-kernel alone, 1 thread (cache blocks from "
          f"{_C.cpu_caches()['source']}: {_C.cpu_caches()})")
    try:
        for entry in _C.simd_entries(include_tests=False):
            if not _C.simd_supported(entry):
                continue
            _C.set_simd(entry)
            for dtype in ("float32", "float64"):
                blocks = _C.gemm_blocks(dtype)
                gf = _C.ukernel_gflops(dtype, blocks["kc"], seconds)
                key = "fma_gflops_avx512" if entry == "avx512" else "fma_gflops"
                peak = lim.get(key, {}).get(dtype, {}).get("1") if entry != "generic" else None
                rows.append({"entry": entry, "dtype": dtype, "gflops": gf, "peak": peak, **blocks})
                pct = f"{100 * gf / peak:5.1f}% of {peak:.1f}" if peak else "(no vector peak)"
                print(f"{entry:8s} {dtype:8s} {gf:7.1f} GFLOP/s {pct}  "
                      f"blocks mc={blocks['mc']} kc={blocks['kc']} nc={blocks['nc']}")
    finally:
        _C.set_simd(was)
    return rows


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    isa, peak = common.fma_peak(lim)
    rng = np.random.default_rng(0)
    ukernels = micro_kernels(lim, 0.05 if args.quick else 0.3)
    results = []
    for nt in args.threads:
        peak_t = peak.get(str(nt))
        print(f"\n== {nt} thread(s); float32 FMA peak ({isa}) "
              f"{peak_t if peak_t else 'not measured'} GFLOP/s")
        head = f"{'case':16s} {'peer':14s} {'median':>10s} {'GFLOP/s':>8s} {'%peak':>6s} {'vs fastnn':>9s}"
        print(head)
        print("-" * len(head))
        with common.threads(nt, torch):
            for label, kind, shape in cases(args.quick):
                builder = {"linear": linear_case, "grad_x": grad_x_case,
                           "grad_w": grad_w_case, "square": square_case}[kind]
                peers, flops = builder(rng, *shape, torch)
                fastnn._C.team_stats(reset=True)
                timed = common.compare(peers, repeats=repeats, batch_s=batch_s)
                team = fastnn._C.team_stats(reset=True)
                base = timed["fastnn"]["median_s"]
                for name, t in timed.items():
                    gf = flops / t["median_s"] / 1e9
                    t.update(gflops=gf, fraction_of_peak=gf / peak_t if peak_t else None,
                             ratio=t["median_s"] / base)
                    when = (f"{t['median_s'] * 1e6:8.1f}us" if t["median_s"] < 1e-3
                            else f"{t['median_s'] * 1e3:8.2f}ms")
                    pct = f"{100 * gf / peak_t:5.1f}%" if peak_t else "   -  "
                    ratio = "" if name == "fastnn" else f"{t['ratio']:8.2f}x"
                    halved = (f"  {100 * halving_rate(team):.1f}% halved"
                              if name == "fastnn" and team["calls"] else "")
                    print(f"{label:16s} {name:14s} {when:>10s} {gf:8.1f} {pct:>6s} {ratio:>9s}"
                          f"{halved}")
                results.append({"case": label, "kind": kind, "shape": shape, "threads": nt,
                                "flops": flops, "peers": timed, "team": team})
    review = None
    two = [nt for nt in args.threads if nt >= 2]
    if two and fastnn.usable_cpus() >= 2:
        print(f"\n== the pool's review on {two[0]} threads: quiet back-to-back loops")
        with common.threads(two[0], torch):
            review = team_review(rng, 4000 if args.quick else 100000)
    path = common.write_json("gemm", {"machine": common.machine_info(), "limits": lim,
                                      "repeats": repeats, "micro_kernels": ukernels,
                                      "results": results, "team_review": review})
    print(f"\nratio = peer's median time / fastnn's (above 1: fastnn is faster)\nwrote {path}")


if __name__ == "__main__":
    main()
