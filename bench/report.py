"""Write BENCHMARKS.md from the newest JSON of each kind in the results
folder (common.results_dir()): tables per suite (the scaling suite's with
its done-when checks), with two plots: GFLOP/s against matrix size
beside the FMA peak, and seconds per epoch per framework.

    python -m fastnn.bench.report
"""
import glob
import json
import os

from . import common


def report_path():
    """BENCHMARKS.md sits at the top of a source checkout, or beside the
    results when they are redirected or the suite runs from an install."""
    if common.SOURCE_TREE and not os.environ.get("FASTNN_BENCH_RESULTS"):
        return os.path.join(common.SOURCE_TREE, "BENCHMARKS.md")
    return os.path.join(common.results_dir(), "BENCHMARKS.md")


def newest(kind, back=0):
    """The newest results of a kind (back=1: the run before it)."""
    files = sorted(glob.glob(os.path.join(common.results_dir(), f"{kind}-*.json")))
    if len(files) <= back:
        return None, None
    with open(files[-1 - back]) as f:
        return json.load(f), os.path.basename(files[-1 - back])


# the GEMM shapes of the compact table: (case in gemm.py's results, shape)
GEMM_COMPACT = [("linear M=64", "64x784x256"), ("linear M=256", "256x784x256"),
                ("grad_x M=256", "grad_x 256x256 @ 256x784"),
                ("grad_w M=256", "grad_w 256x256ᵀ @ 256x784"), ("square n=1024", "1024³")]


GEMM_COMPACT_RUNS = 4


def _gemm_compact(runs):
    """GFLOP/s of fastnn / numpy / PyTorch per shape and thread count, one
    row per shape and run."""
    lines = ["| shape | run | 1 thread: fastnn / numpy / PyTorch GF/s | 2 threads |",
             "| --- | --- | --- | --- |"]
    for case, shape in GEMM_COMPACT:
        for res, name in runs:
            cells = []
            for nt in (1, 2):
                row = next((r for r in res["results"] if r["case"] == case and r["threads"] == nt),
                           None)
                if row is None:
                    cells.append("—")
                    continue
                gf = [row["peers"][p]["gflops"] if p in row["peers"] else None
                      for p in ("fastnn", "numpy bare", "torch")]
                cells.append(" / ".join(f"{g:.1f}" if g else "—" for g in gf))
            lines.append(f"| {shape} | `{name}` | {cells[0]} | {cells[1]} |")
    return lines + [""]


def _fmt(seconds):
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.3f} s"


def _peer_table(rows, value, extra=()):
    """Markdown rows: case, threads, fastnn value, then ratios of each peer."""
    peers = []
    for r in rows:
        for p in r["peers"]:
            if p != "fastnn" and p not in peers:
                peers.append(p)
    head = ["case", "threads", "fastnn"] + [c for c, _ in extra] + [f"vs {p}" for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        f = r["peers"]["fastnn"]
        cells = [r["case"], str(r["threads"]), value(f)] + [fn(f) for _, fn in extra]
        cells += [f"{r['peers'][p]['ratio']:.2f}×" if p in r["peers"] else "—" for p in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _plots(gemm, train):
    made = []
    try:
        from fastnn import plot
        plt = plot._pyplot()
    except ImportError:
        return made
    if gemm:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        lim = gemm.get("limits") or {}
        peaks = [(isa, lim.get(key, {}).get("float32", {}))
                 for isa, key in (("AVX2", "fma_gflops"), ("AVX-512", "fma_gflops_avx512"))]
        for nt in sorted({r["threads"] for r in gemm["results"]}):
            rows = [r for r in gemm["results"] if r["kind"] == "square" and r["threads"] == nt]
            xs = [r["shape"][0] for r in rows]
            for peer, style in (("fastnn", "o-"), ("numpy bare", "s--"), ("torch", "^:")):
                ys = [r["peers"][peer]["gflops"] for r in rows if peer in r["peers"]]
                if ys and len(ys) == len(xs):
                    ax.plot(xs, ys, style, label=f"{peer}, {nt}T")
            for isa, peak in peaks:
                if str(nt) in peak:
                    ax.axhline(peak[str(nt)], color="gray", lw=0.8)
                    ax.text(xs[0] if xs else 256, peak[str(nt)], f" {isa} FMA peak {nt}T",
                            va="bottom", fontsize=7)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("n (n×n·n×n, float32)")
        ax.set_ylabel("GFLOP/s")
        ax.legend(fontsize=7)
        ax.grid(True)
        path = os.path.join(common.results_dir(), "gemm.png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        made.append(path)
    if train:
        rows = [r for r in train["results"] if r["threads"] == max(x["threads"] for x in train["results"])]
        peers = sorted({p for r in rows for p in r["peers"]}, key=lambda p: p != "fastnn")
        fig, ax = plt.subplots(figsize=(6, 3.4))
        width = 0.8 / max(len(peers), 1)
        for i, p in enumerate(peers):
            xs = [j + i * width for j, r in enumerate(rows) if p in r["peers"]]
            ys = [r["peers"][p]["median_s"] for r in rows if p in r["peers"]]
            ax.bar(xs, ys, width, label=p)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(rows))])
        ax.set_xticklabels([r["case"].replace(" 784-256-256-10", "") for r in rows], fontsize=7)
        ax.set_ylabel(f"s / epoch ({rows[0]['threads']} threads)")
        ax.legend(fontsize=7)
        path = os.path.join(common.results_dir(), "train.png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        made.append(path)
    return made


def _examples_section():
    """The example scripts' wall times and printed figures beside PyTorch's."""
    res, name = newest("examples")
    if not res:
        return []
    lines = [f"## Example scripts beside PyTorch (`{name}`)", "",
             "Whole-script wall time (median over the seeds; Python start-up and the import "
             "included) and the figures each prints (median over the seeds), the same script "
             "run with its imports switched to PyTorch.", "",
             "| script | threads | seeds | fastnn | PyTorch | ratio | figures: fastnn / PyTorch |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["results"]:
        f, t = r["peers"]["fastnn"], r["peers"].get("torch")
        figs = "; ".join(f"{k} {v:.4f}" + (f" / {t['figures'].get(k, float('nan')):.4f}" if t else "")
                         for k, v in f["figures"].items())
        lines.append(f"| {r['case']} | {r['threads']} | {r['seeds']} | {f['median_s']:.1f} s | "
                     + (f"{t['median_s']:.1f} s | {t['ratio']:.2f}× |" if t else "— | — |") + f" {figs} |")
    return lines + [""]


def _before_after_section(kind="before_after", heading="##", what=""):
    """The figures of an earlier version and this one, run alternately on one
    machine (before_after.py; kind "gemm_before_after" for its --gemm cases)."""
    res, name = newest(kind)
    if not res:
        return []
    lines = [f"{heading} Before and after{what}: {res['before']} → {res['after']} (`{name}`)", "",
             "The same cases run alternately by an install of each version, each beside its "
             f"peer in the same process; median over {res['rounds']} rounds (the range of the "
             "ratio in brackets). Ratio: the peer's time over fastnn's (above 1: fastnn is "
             "faster).", "",
             "| case | threads | peer | fastnn before | fastnn after | after vs before | "
             "ratio before | ratio after |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["results"]:
        b, a = r["before"], r["after"]
        lines.append(f"| {r['case']} | {r['threads']} | {r['peer']} | {_fmt(b['fastnn_s'])} | "
                     f"{_fmt(a['fastnn_s'])} | {b['fastnn_s'] / a['fastnn_s']:.2f}× | "
                     f"{b['ratio']:.2f}× ({b['ratio_min']:.2f}–{b['ratio_max']:.2f}) | "
                     f"{a['ratio']:.2f}× ({a['ratio_min']:.2f}–{a['ratio_max']:.2f}) |")
    return lines + [""]


def _distributed_section():
    """Data-parallel training measured here (distributed.py) and the ring
    all-reduce modelled for larger worlds from those figures."""
    res, name = newest("distributed")
    if not res:
        return []
    one, two = res["epoch_1x2_s"], res["epoch_2x1_s"]
    lines = [f"## Data-parallel training over MPI (`{name}`)", "",
             f"The 784-256-10 MLP, SGD, a global batch of {res['global_batch']}, an epoch of "
             f"{res['rows']} rows ({res['steps']} steps), median of {res['rounds']} alternating "
             "rounds in fresh processes:", "",
             "| run | epoch | vs 1 rank × 2 threads |", "| --- | --- | --- |",
             f"| 1 rank × 2 threads (batch 256) | {_fmt(one)} | 1.00× |",
             f"| 2 ranks × 1 thread (mpiexec, DistributedDataParallel, 128 rows a rank) | "
             f"{_fmt(two)} | {one / two:.2f}× |", "",
             f"The gradient all-reduce (DistributedDataParallel's post-backward hook: one ring "
             f"over the parameter arena) takes {100 * res['allreduce_share']:.1f}% of a 2-rank "
             f"step, waiting for the slower rank included; the ring all_reduce of the 203,530 float32 gradients alone takes "
             f"{_fmt(res['ring_s'])} between two processes of this machine.", "",
             "### Larger worlds (modelled, not measured)", "",
             "A ring all-reduce sends and receives 4·P·2(K−1)/K bytes per rank and step for P "
             "float32 parameters, in 2(K−1) messages; its time is modelled as 2(K−1)·(latency + "
             "4·P/K / bandwidth) with " + ", ".join(
                 f"{k} with {v['latency_s'] * 1e6:.0f} µs per message"
                 for k, v in res["links"].items()) +
             f". The step's arithmetic is 6·P·{res['global_batch']} flops (forward 2, backward 4 "
             f"per parameter and sample), split over K ranks each as fast as one core here "
             f"({res['core_flops'] / 1e9:.1f} GFLOP/s, measured in the epoch above); faster "
             "ranks (whole nodes) make the all-reduce dominate sooner, in proportion.", "",
             "| net | K | bytes sent per rank and step | ring at 10 Gb/s | ring at 100 Gb/s | "
             "arithmetic per rank | all-reduce share at 10 / 100 Gb/s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["model"]:
        c, a, b = r["compute_s"], r["10 Gb/s"], r["100 Gb/s"]
        lines.append(f"| {r['net']} | {r['K']} | {r['bytes_per_rank'] / 1e6:.2f} MB | {_fmt(a)} | "
                     f"{_fmt(b)} | {_fmt(c)} | {100 * a / (a + c):.0f}% / {100 * b / (b + c):.0f}% |")
    dominated = {}
    for r in res["model"]:
        for link in ("10 Gb/s", "100 Gb/s"):
            if r[link] >= r["compute_s"] and (r["net"], link) not in dominated:
                dominated[(r["net"], link)] = r["K"]
    lines += ["", "Communication takes more than half of a step from: " + "; ".join(
        f"{net} at {link}: K = {k}" for (net, link), k in sorted(dominated.items())) +
        (" (at the other settings, not up to K = 64)." if len(dominated) < 4 else "."), "",
        "The same script runs on a cluster: `mpiexec -n K python train.py` under MPICH or Open "
        "MPI (with `-f hostfile` or the cluster's own launcher), or in a Slurm job "
        "`srun -n K python train.py` (`#SBATCH --ntasks=K --cpus-per-task=C`; with mpi4py built "
        "against the cluster's MPI, `pip install mpi4py` without the mpich wheel). Each rank reads "
        "its share through DistributedSampler; the ranks on one node share its CPUs unless "
        "FASTNN_NUM_THREADS is set (set it to C).", ""]
    return lines


# What the thread policy does on machines this project cannot run on; written
# out from the code (csrc/threads.c, csrc/gemm_packed_impl.h), not measured.
PAST_THIS_MACHINE = """## Threads past this machine (reasoned, not measured)

The figures above come from a 2-CPU machine; this is what the policy does on
larger ones, worked out from the code.

**The policy.** A call's team is `min(set_num_threads, usable CPUs, work /
0.5 MFLOP)`, where usable CPUs are the affinity mask within the cgroup CPU
quota. The call is cut into up to 6 parts a thread (each ≥ 0.2 MFLOP) that
idle threads claim one at a time from one shared counter; the caller works
too and returns when every part is done, not when every thread has arrived.
Idle workers spin ≤ 50 µs, then sleep on a futex, and are woken in a binary
tree (each wakes two). The GEMM packs each operand once per call into shared
buffers (a packing pass), then computes blocks of C (a second pass). Every
4th call the caller estimates, from the threads' CPU time per part, the
speedup its team gave; when calls with less than 1.15× per extra thread take
most of the time of 8 such calls, the team is halved for 0.2-0.8 s and then
tried whole again.

**16 cores.** The step's large GEMMs (256×784×256, 103 MFLOP) get 16 threads
of ~6 MFLOP (~80 µs) each, in 96 parts of ~1 MFLOP: a late thread costs about
one part (~12 µs), not a sixteenth of the call. The packing pass moves the
1.6 MB of both operands once, where the old per-thread rectangles (a 4×4
grid) packed each operand 4 times. Waking 15 sleeping workers takes 4 tree
levels (~20-60 µs); inside a step the workers are still spinning from the
previous kernel, so mostly the first call of a step pays it. The collapse the
issue measured at 16 threads (16 GF/s) came from spinning OpenMP workers
competing for cores and a barrier waiting for the slowest; neither exists
now. Expected: close to linear to 8 threads on these GEMMs, then bounded by
the packing pass's memory traffic and, for the epoch, by the Python between
kernels (serial, ~0.3-0.5 ms a step here), as PyTorch's epoch is.

**64 and 128 cores.** The 0.5 MFLOP floor allows ~200 threads for that GEMM,
which is too many: each would get ~15 µs of work, less than a 6- or 7-level
wake tree plus two hand-outs. What should change there (not done): scale the
floor with the team (e.g. 2-4 MFLOP a thread above 32 threads, so that waking
costs < 10% of a call), and replace the one shared claim counter, which 64+
threads claiming µs-sized parts would contend for, by a contiguous run of
parts per thread with stealing from the others once a run is empty (the
hand-out changes, not the parts, so results stay bitwise equal). 1024³ and
larger GEMMs have parts of ≥ 1 MFLOP even at 128 threads and need neither.
The speedup review halves the team when extra threads give < 15% each, so
a team too large for its calls shrinks by itself, a factor of 2 per 32 calls.

**Two sockets (NUMA).** One pool spans both sockets today. The packed
operands are first touched by whichever thread packs a panel, so each buffer
is spread over both memories, and parts go to any thread, so about half of
the reads of packed panels cross the socket link. For MLP-sized calls
(≤ 100 MFLOP) the right default is a team on the caller's socket, using the
other only for calls large enough (≳ 1 GFLOP) that link traffic is small
beside the arithmetic; for those, pack B once per socket and hand out the C
blocks socket by socket. Until then the affinity mask and the cgroup quota
bound the team, so `numactl --cpunodebind=0` (or a container pinned to one
socket) gets the one-socket behaviour.
"""


def _scaling_section():
    """Thread scaling of the training step's products and of the epoch,
    then the hostile conditions and their done-when checks."""
    res, name = newest("scaling")
    if not res:
        return []
    m = res["machine"]
    quota = m.get("cpu_quota")
    limits = res.get("limits") or {}
    peaks = [(isa, limits.get(key, {}).get("float32"))
             for isa, key in (("AVX2", "fma_gflops"), ("AVX-512", "fma_gflops_avx512"))]
    peak_text = "".join(f"; float32 FMA peak ({isa}) "
                        + ", ".join(f"{v:.1f} GFLOP/s ({t}T)" for t, v in per.items())
                        for isa, per in peaks if per)
    lines = [f"## Thread scaling and hostile conditions (`{name}`)", "",
             f"{m.get('cpu')}; {m.get('usable_cpus')} usable CPU(s) of {m.get('cores')}; "
             f"cgroup CPU quota {'%.2f CPUs' % quota['cpus'] if quota else 'none'}{peak_text}.", "",
             "GFLOP/s (median) and, as ×1T, the speedup over the same peer on 1 thread:", ""]
    gemm_rows = [r for r in res["results"] if r["kind"] != "epoch"]
    peers = [p for p in ("fastnn", "numpy", "torch") if any(p in r["peers"] for r in gemm_rows)]
    shown_as = {"fastnn": "fastnn", "numpy": "numpy", "torch": "PyTorch"}
    head = ["case", "threads"] + [c for p in peers for c in (f"{shown_as[p]} GF/s", "×1T")]
    lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]

    def up(t):
        return f"{t['speedup']:.2f}×" if t and t.get("speedup") else "—"
    order = {c: i for i, c in enumerate(dict.fromkeys(r["case"] for r in gemm_rows))}
    for r in sorted(gemm_rows, key=lambda r: (order[r["case"]], r["threads"])):
        cells = [r["case"], str(r["threads"])]
        for p in peers:
            t = r["peers"].get(p)
            cells += [f"{t['gflops']:.1f}" if t else "—", up(t)]
        lines.append("| " + " | ".join(cells) + " |")
    epochs = [r for r in res["results"] if r["kind"] == "epoch"]
    if epochs:
        lines += ["", f"One epoch, {epochs[0]['case'][len('epoch '):]} of the 784-256-10 MLP "
                  f"({res.get('train_images')} images of {res.get('data')}; median of "
                  f"{res.get('epochs')} after a warm-up):", "",
                  "| threads | fastnn | ×1T | PyTorch | ×1T | PyTorch / fastnn |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in epochs:
            f, t = r["peers"]["fastnn"], r["peers"].get("torch")
            lines.append(f"| {r['threads']} | {f['median_s']:.3f} s | {up(f)} | "
                         + (f"{t['median_s']:.3f} s | {up(t)} | {t['ratio']:.2f}× |" if t else "— | — | — |"))
    lines += ["", "fastnn under hostile conditions beside its quiet figure from the same run "
              "(fused linear in GFLOP/s, epoch in seconds; kept = quiet time / hostile time):", "",
              "| condition | workload | threads | quiet | hostile | kept |",
              "| --- | --- | --- | --- | --- | --- |"]
    for r in res["hostile"]:
        def shown(s):
            return f"{s['gflops']:.1f} GF/s" if "gflops" in s else f"{s['median_s']:.3f} s"
        threads = (f"{r['threads']}" if r["threads"] == r["quiet_threads"]
                   else f"{r['threads']} (quiet: {r['quiet_threads']})")
        lines.append(f"| {r['case']} | {r['workload']} | {threads} | {shown(r['quiet'])} | "
                     f"{shown(r['hostile'])} | {r['ratio']:.2f} |")
    lines += ["", "| done when | measured | target | |", "| --- | --- | --- | --- |"]
    for c in res["checks"]:
        lines.append(f"| {c['check']} | {c['value']:.2f} | ≥ {c['target']:.2f} | "
                     f"{'✓ pass' if c['pass'] else '✗ fail'} |")
    return lines + [""]


def _plan_section():
    """The compiled step beside its peers, with the targets of the step-plan
    work checked against the ratios of the same run."""
    res, name = newest("plan")
    if not res:
        return []
    lines = [f"## The compiled step (`{name}`)", "",
             "`fastnn.compile_step` (the loop `fit` and `d2l.train_ch3` run) and `fastnn.compile` "
             "beside fastnn's eager path, PyTorch eager, `torch.compile` and numpy; data: "
             f"{res.get('data')}. " + "; ".join(f"{k}: {v}" for k, v in
                                               (res.get("notes") or {}).items()), ""]
    rows = res["results"]
    lines += _peer_table(rows, lambda f: _fmt(f["median_s"]))
    lines.append("")
    for r in rows:
        if "outside_gemm_of_step" in r:
            frac = r.get("fraction_of_peak")
            lines.append(f"- {r['case']}: {100 * r['outside_gemm_of_step']:.1f}% of the compiled "
                         f"steps' time outside the GEMM calls ({100 * r['outside_gemm_of_epoch']:.1f}"
                         f"% of the epoch, data loading included); {r['gflops']:.1f} GFLOP/s"
                         + (f", {100 * frac:.0f}% of the {res.get('isa')} 2-thread FMA peak"
                            if frac else ""))
    by_case = {r["case"]: r["peers"] for r in rows}

    def ratio(case, peer):
        return by_case.get(case, {}).get(peer, {}).get("ratio")

    targets = [("small step: >= 50x PyTorch eager", ratio("small step 3-5-5-3-1 b=32", "torch"), 50),
               ("small step: >= 50x torch.compile",
                ratio("small step 3-5-5-3-1 b=32", "torch.compile"), 50),
               ("one sample: >= 1.5x numpy", ratio("one sample 784-256-10", "numpy"), 1.5),
               ("epoch b=256, 2 threads: >= 1.4x PyTorch",
                ratio("epoch 784-256-10 SGD b=256", "torch"), 1.4),
               ("epoch b=64, 2 threads: >= 2.0x PyTorch",
                ratio("epoch 784-256-10 SGD b=64", "torch"), 2.0)]
    lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
    for what, got, want in targets:
        if got is not None:
            lines.append(f"| {what} | {got:.2f}× | {'yes' if got >= want else 'no'} |")
    return lines + [""]


def _sklearn_section():
    """fastnn.sklearn beside scikit-learn, and the grid search on each engine,
    with the goals of the estimators' work checked against the same run."""
    res, name = newest("sklearn")
    if not res:
        return []
    lines = [f"## scikit-learn's MLP estimators (`{name}`)", "",
             f"fastnn.sklearn's MLPClassifier/MLPRegressor beside scikit-learn's, same parameters, "
             f"1 thread each, the same number of epochs, {res.get('seeds')} seeds alternating; "
             "time per epoch of `fit`, predict of 10 rows and of the test split (ratios: "
             "scikit-learn's time / fastnn's), mean test accuracy (R² for diabetes).", "",
             "| data, dtype | epoch fastnn | epoch scikit-learn | epoch ratio | predict 10 rows "
             "| predict test split | score fastnn | score scikit-learn |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["results"]:
        f, k = r["peers"]["fastnn"], r["peers"]["scikit-learn"]
        lines.append(f"| {r['case']} | {f['epoch_s'] * 1e3:.2f} ms | {k['epoch_s'] * 1e3:.2f} ms | "
                     f"{k['ratio']:.2f}× | {k['predict10_ratio']:.2f}× | "
                     f"{k['predict_all_ratio']:.2f}× | {f['score_mean']:.4f} | "
                     f"{k['score_mean']:.4f} |")
    for r in res["results"]:
        if "epoch_gflop" in r:
            lines.append("")
            lines.append(f"- {r['case']}: " + "; ".join(
                f"{lib} {p['gflops']:.1f} GFLOP/s" + (
                    f" ({100 * p['fraction_of_peak']:.0f}% of the 1-thread {res.get('isa')} "
                    f"{r['case'].rsplit(' ', 1)[-1]} FMA peak)" if p.get("fraction_of_peak")
                    else "")
                for lib, p in r["peers"].items()))
    search = res.get("grid_search")
    if search:
        lines += ["", "| grid search, 8 candidates x 5 folds | seconds | best parameters |",
                  "| --- | --- | --- |"]
        for label, v in search["runs"].items():
            lines.append(f"| {label} | {v['seconds']:.2f} | `{v['best_params']}` |")
        lines.append("")
        lines.append(f"The same best parameters on every engine: {search['same_best']}.")
    rows = {r["case"]: r["peers"]["scikit-learn"] for r in res["results"]}
    small = [v["ratio"] for c, v in rows.items() if c == "digits float32"]
    fm = [v["ratio"] for c, v in rows.items() if "784" in c and c.endswith("float32")]
    pred = [v["predict10_ratio"] for c, v in rows.items() if "784" not in c]
    acc = [abs(r["peers"]["fastnn"]["score_mean"] - r["peers"]["scikit-learn"]["score_mean"])
           for r in res["results"] if r.get("metric") == "accuracy"]
    goals = [("digits float32, default MLPClassifier: >= 5x per epoch",
              small[0] if small else None, 5),
             ("Fashion-MNIST 10,000 x 784, float32: >= 1.5x per epoch",
              fm[0] if fm else None, 1.5),
             ("predict 10 rows of the small data sets: >= 5x (the lowest)",
              min(pred) if pred else None, 5)]
    lines += ["", "| goal | measured | met |", "| --- | --- | --- |"]
    for what, got, want in goals:
        if got is not None:
            lines.append(f"| {what} | {got:.2f}× | {'yes' if got >= want else 'no'} |")
    if acc:
        lines.append(f"| accuracy within 1 point of scikit-learn's (largest gap) | "
                     f"{100 * max(acc):.2f} points | {'yes' if max(acc) <= 0.01 else 'no'} |")
    return lines + [""]


def write():
    out = report_path()
    lines = ["# Benchmarks", "",
             "Generated by `python -m fastnn bench` from the newest "
             "results in `bench/results/`; method, byte and FLOP counts in "
             "[bench/README.md](bench/README.md). Ratios are a peer's time over fastnn's, "
             "measured in the same run with the peers interleaved (above 1: fastnn is faster).", ""]
    lim, name = newest("limits")
    gemm, gname = newest("gemm")
    limits = (lim or {}).get("limits") or (gemm or {}).get("limits")
    if limits:
        lines += ["## Machine limits", ""]
        for dt, per in limits["fma_gflops"].items():
            lines.append(f"- FMA peak {dt} (AVX2): " + ", ".join(f"{v:.1f} GFLOP/s ({t} thread(s))" for t, v in per.items()))
        for dt, per in limits.get("fma_gflops_avx512", {}).items():
            lines.append(f"- FMA peak {dt} (AVX-512): " + ", ".join(f"{v:.1f} GFLOP/s ({t} thread(s))" for t, v in per.items()))
        for kind, per in limits["bandwidth_gbs"].items():
            lines.append(f"- {kind} bandwidth: " + ", ".join(f"{v:.1f} GB/s ({t} thread(s))" for t, v in per.items()))
        lines.append("")
    train, tname = newest("train")
    if train:
        lines += [f"## Training epochs (`{tname}`)", "", f"Data: {train.get('data')}; "
                  f"{train.get('epochs')} epochs, the first a warm-up.", ""]
        lines += _peer_table(train["results"], lambda f: f"{f['median_s']:.3f} s",
                             [("test acc", lambda f: f"{100 * f['test_accuracy']:.2f}%")])
        lines.append("")
    lines += _plan_section()
    lines += _sklearn_section()
    if gemm:
        lines += [f"## GEMM and fused linear (`{gname}`)", ""]
        runs = [newest("gemm", back=b) for b in range(GEMM_COMPACT_RUNS)]
        lines += ["The step's shapes at a glance (float32, each library in its own phase "
                  f"with a pause between, medians), the newest {GEMM_COMPACT_RUNS} runs, newest "
                  "first (on a shared machine the same code moves between runs; a ratio is "
                  "read within one run):", ""]
        lines += _gemm_compact([r for r in runs if r[0] is not None])
        lines += _peer_table(gemm["results"], lambda f: _fmt(f["median_s"]),
                             [("GFLOP/s", lambda f: f"{f['gflops']:.1f}")])
        lines.append("")
        ukernels = gemm.get("micro_kernels")
        if ukernels:
            lines += ["Each kernel entry's micro-kernel alone (packed panels held in the caches, "
                      "1 thread, depth kc of the cache blocks taken from this CPU's caches) beside "
                      "the FMA peak of its instruction set:", "",
                      "| entry | dtype | GFLOP/s | of the FMA peak | mc | kc | nc |",
                      "| --- | --- | --- | --- | --- | --- | --- |"]
            for u in ukernels:
                pct = f"{100 * u['gflops'] / u['peak']:.1f}%" if u.get("peak") else "—"
                lines.append(f"| {u['entry']} | {u['dtype']} | {u['gflops']:.1f} | {pct} | "
                             f"{u['mc']} | {u['kc']} | {u['nc']} |")
            lines.append("")
        review = gemm.get("team_review")
        if review:
            lines += ["The pool's review in quiet back-to-back loops over the step's shapes "
                      "(on an idle machine every halved call is a false halving; waited: "
                      "reviewed calls in which a thread of the team had queued for a CPU, the "
                      "only calls that can halve the team; moved: a worker found on the "
                      "caller's CPU moved once to a free one):", "",
                      "| case | calls | pool calls | halved | waited | moved | CPU-taken sleeps "
                      "| per call |",
                      "| --- | --- | --- | --- | --- | --- | --- | --- |"]
            for r in review["rows"]:
                lines.append(f"| {r['case']} | {r['calls']} | {r['pool_calls']} | "
                             f"{100 * r['rate']:.2f}% | {r.get('waited', '—')} | "
                             f"{r.get('moved', '—')} | {r.get('contended', '')} | "
                             f"{_fmt(r['median_s'])} |")
            lines += ["", f"All: {100 * review['rate']:.2f}% of {review['calls']} pool calls "
                      "ran on a halved team.", ""]
        lines += _before_after_section("gemm_before_after", "###", " of the GEMM")
    lines += _scaling_section()
    lines += PAST_THIS_MACHINE.splitlines() + [""]
    for kind, title in (("kernels", "Other kernels"), ("optim", "Optimizer steps"),
                        ("overhead", "Model-layer overhead")):
        res, rname = newest(kind)
        if res:
            lines += [f"## {title} (`{rname}`)", ""]
            lines += _peer_table(res["results"], lambda f: _fmt(f["median_s"]),
                                 [("GB/s", lambda f: f"{f['gbs']:.1f}" if f.get("gbs") else "")]
                                 if kind in ("kernels", "optim") else [])
            lines.append("")
    lines += _before_after_section()
    lines += _distributed_section()
    lines += _examples_section()
    for path in _plots(gemm, train):
        rel = os.path.relpath(path, os.path.dirname(out))
        lines += [f"![{os.path.basename(path)}]({rel})", ""]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write("\n".join(lines))
    return out


if __name__ == "__main__":
    print(f"wrote {write()}")
