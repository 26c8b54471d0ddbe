"""Write BENCHMARKS.md from the newest JSON of each kind in the results
folder (common.results_dir()), with two plots: GFLOP/s against matrix size
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


def newest(kind):
    files = sorted(glob.glob(os.path.join(common.results_dir(), f"{kind}-*.json")))
    if not files:
        return None, None
    with open(files[-1]) as f:
        return json.load(f), os.path.basename(files[-1])


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
        peak = (gemm.get("limits") or {}).get("fma_gflops", {}).get("float32", {})
        for nt in sorted({r["threads"] for r in gemm["results"]}):
            rows = [r for r in gemm["results"] if r["kind"] == "square" and r["threads"] == nt]
            xs = [r["shape"][0] for r in rows]
            for peer, style in (("fastnn", "o-"), ("numpy bare", "s--"), ("torch", "^:")):
                ys = [r["peers"][peer]["gflops"] for r in rows if peer in r["peers"]]
                if ys and len(ys) == len(xs):
                    ax.plot(xs, ys, style, label=f"{peer}, {nt}T")
            if str(nt) in peak:
                ax.axhline(peak[str(nt)], color="gray", lw=0.8)
                ax.text(xs[0] if xs else 256, peak[str(nt)], f" FMA peak {nt}T", va="bottom", fontsize=7)
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
    if gemm:
        lines += [f"## GEMM and fused linear (`{gname}`)", ""]
        lines += _peer_table(gemm["results"], lambda f: _fmt(f["median_s"]),
                             [("GFLOP/s", lambda f: f"{f['gflops']:.1f}")])
        lines.append("")
    for kind, title in (("kernels", "Other kernels"), ("optim", "Optimizer steps"),
                        ("overhead", "Model-layer overhead")):
        res, rname = newest(kind)
        if res:
            lines += [f"## {title} (`{rname}`)", ""]
            lines += _peer_table(res["results"], lambda f: _fmt(f["median_s"]),
                                 [("GB/s", lambda f: f"{f['gbs']:.1f}" if f.get("gbs") else "")]
                                 if kind in ("kernels", "optim") else [])
            lines.append("")
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
