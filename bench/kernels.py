"""Benchmark of the non-GEMM kernels: activations, softmax cross-entropy,
dropout and the batch gather, beside their numpy formulation and PyTorch's,
as GB/s against this machine's measured copy bandwidth and as time per call
at training sizes.

    python -m fastnn.bench.kernels [--threads 1,2] [--quick] [--repeats N]

Bytes moved: an elementwise forward reads x and writes y (2 arrays), a
backward reads grad_out and the saved array and writes the gradient (3).
Arrays are 32 Mi float32 elements (128 MiB each, 4x the L3), as the copy limit;
the same ops then run at 256x256, a training size, for their time per call.
Ratios are a peer's time over fastnn's from the same run (above 1: fastnn is
faster).
"""
import numpy as np

from fastnn import ops

from . import common


def elementwise_cases(rng, n, torch):
    x = rng.standard_normal(n, dtype=np.float32)
    g = rng.standard_normal(n, dtype=np.float32)
    y = np.empty_like(x)
    s_out = ops.sigmoid(x)
    t_out = ops.tanh(x)
    tx = torch.from_numpy(x) if torch else None
    tg = torch.from_numpy(g) if torch else None
    ty = torch.empty(n) if torch else None
    F = torch.nn.functional if torch else None
    cases = {
        "relu fwd": (2, {
            "fastnn": lambda: ops.relu(x, out=y),
            "numpy": lambda: np.maximum(x, 0, out=y),
            "torch": (lambda: torch.clamp_min(tx, 0, out=ty)) if torch else None}),
        "sigmoid fwd": (2, {
            "fastnn": lambda: ops.sigmoid(x, out=y),
            "numpy": lambda: np.divide(1, 1 + np.exp(-x), out=y),
            "torch": (lambda: torch.sigmoid(tx, out=ty)) if torch else None}),
        "tanh fwd": (2, {
            "fastnn": lambda: ops.tanh(x, out=y),
            "numpy": lambda: np.tanh(x, out=y),
            "torch": (lambda: torch.tanh(tx, out=ty)) if torch else None}),
        "gelu_tanh fwd": (2, {
            "fastnn": lambda: ops.gelu(x, approximate="tanh", out=y),
            "numpy": lambda: np.multiply(0.5 * x, 1 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)), out=y),
            "torch": (lambda: F.gelu(tx, approximate="tanh")) if torch else None}),
        "gelu (erf) fwd": (2, {
            "fastnn": lambda: ops.gelu(x, out=y),
            "torch": (lambda: F.gelu(tx)) if torch else None}),
        "relu bwd": (3, {
            "fastnn": lambda: ops.relu_backward(g, s_out, out=y),
            "numpy": lambda: np.multiply(g, s_out > 0, out=y),
            "torch": (lambda: torch.ops.aten.threshold_backward(tg, torch.from_numpy(s_out), 0)) if torch else None}),
        "sigmoid bwd": (3, {
            "fastnn": lambda: ops.sigmoid_backward(g, s_out, out=y),
            "numpy": lambda: np.multiply(g, s_out * (1 - s_out), out=y),
            "torch": (lambda: torch.ops.aten.sigmoid_backward(tg, torch.from_numpy(s_out))) if torch else None}),
        "tanh bwd": (3, {
            "fastnn": lambda: ops.tanh_backward(g, t_out, out=y),
            "numpy": lambda: np.multiply(g, 1 - t_out * t_out, out=y),
            "torch": (lambda: torch.ops.aten.tanh_backward(tg, torch.from_numpy(t_out))) if torch else None}),
        "dropout p=0.5": (2, {
            "fastnn": lambda: ops.dropout(x, 0.5, seed=1, out=y),
            "numpy": lambda: np.multiply(x, (rng.random(n, dtype=np.float32) >= 0.5) * np.float32(2), out=y),
            "torch": (lambda: F.dropout(tx, 0.5, training=True)) if torch else None}),
    }
    return {name: (nbytes * 4 * n, {k: v for k, v in peers.items() if v is not None})
            for name, (nbytes, peers) in cases.items()}


def xent_peers(rng, N, C, torch):
    x = rng.standard_normal((N, C), dtype=np.float32)
    t = rng.integers(0, C, N)
    rows = np.arange(N)

    def numpy_stable():
        m = x.max(axis=1, keepdims=True)
        e = np.exp(x - m)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) - (x[rows, t] - m[:, 0]))
        grad = e / s
        grad[rows, t] -= 1
        grad /= N
        return loss, grad

    peers = {"fastnn": lambda: ops.softmax_cross_entropy(x, t),
             "numpy": numpy_stable}
    if torch is not None:
        tt = torch.from_numpy(t)
        tx = torch.from_numpy(x).requires_grad_()

        def torch_ce():
            tx.grad = None
            torch.nn.functional.cross_entropy(tx, tt).backward()
        peers["torch"] = torch_ce
    return peers


def gather_peers(rng, torch):
    src = rng.integers(0, 256, (60000, 784), dtype=np.uint8)
    idx = rng.permutation(60000)[:256]
    out = np.empty((256, 784), np.float32)
    peers = {"fastnn": lambda: ops.gather_rows(src, idx, scale=1 / 255, out=out),
             "numpy": lambda: np.multiply(src[idx], np.float32(1 / 255), out=out)}
    if torch is not None:
        tsrc, tidx = torch.from_numpy(src), torch.from_numpy(idx)
        peers["torch"] = lambda: torch.index_select(tsrc, 0, tidx).float().mul_(1 / 255)
    return peers


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    copy_bw = (lim or {}).get("bandwidth_gbs", {}).get("copy", {})
    rng = np.random.default_rng(0)
    n = (1 << 20) if args.quick else (1 << 25)
    results = []
    for nt in args.threads:
        bw = copy_bw.get(str(nt))
        common.bytes_header(nt, bw)
        with common.threads(nt, torch):
            work = [(f"{name} n={n}", nbytes, peers)
                    for name, (nbytes, peers) in elementwise_cases(rng, n, torch).items()]
            # the same at a training size, 256×256, where the time per call counts
            work += [(f"{name} 256x256", None, peers)
                     for name, (nbytes, peers) in elementwise_cases(rng, 256 * 256, torch).items()
                     if not args.quick or name == "relu fwd"]
            for N, C in ([(256, 10)] if args.quick else [(256, 10), (4096, 1000)]):
                work.append((f"softmax xent {N}x{C}", None, xent_peers(rng, N, C, torch)))
            work.append(("gather 256 of 60000x784 u8", None, gather_peers(rng, torch)))
            for label, nbytes, peers in work:
                timed = common.compare(peers, repeats=repeats, batch_s=batch_s)
                common.report_bytes(label, timed, nbytes, bw)
                results.append({"case": label, "threads": nt, "bytes": nbytes, "peers": timed})
    path = common.write_json("kernels", {"machine": common.machine_info(), "limits": lim,
                                         "repeats": repeats, "results": results})
    print(f"\nratio = peer's median time / fastnn's (above 1: fastnn is faster)\nwrote {path}")


if __name__ == "__main__":
    main()
