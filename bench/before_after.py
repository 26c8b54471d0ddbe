"""The model layer's figures before and after a change: the same cases run
alternately by two installs of fastnn (another virtual environment's Python
holding the earlier version, and this one), each beside its peer in the same
process, so the ratios to the peer compare the two versions on one machine at
one time.

    python -m fastnn.bench.before_after --before /path/to/old-venv/bin/python
                                        [--label-before TEXT] [--rounds N] [--quick]

Cases (PyTorch and numpy as peers; their time over fastnn's, above 1: fastnn
is faster):
  step 3-5-5-3-1  zero_grad, forward, MSE, backward and an SGD step of the
                  chapters' ReLU net at batch 32, 1 thread (peer PyTorch);
  infer 784-256-10  one sample under no_grad, 1 thread (peer numpy's
                  relu(x @ W1.T + b1) @ W2.T + b2 on the same weights);
  epoch b=64, b=256  100 / 25 SGD steps of 784-256-10 with cross-entropy on
                  6,400 random rows, 2 threads (peer PyTorch).
Each case is one child process per version and round; the rounds alternate
the versions. Both interpreters need fastnn, numpy, torch and threadpoolctl.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from . import common

CASES = [("step 3-5-5-3-1 b=32", "step", 1, "torch"),
         ("infer 784-256-10 b=1", "infer", 1, "numpy"),
         ("epoch 784-256-10 b=64", "epoch64", 2, "torch"),
         ("epoch 784-256-10 b=256", "epoch256", 2, "torch")]
# the GEMM suite's shapes (--gemm): fused linear + ReLU against numpy's bare
# x @ w.T, the backward products against numpy's, a square matmul
GEMM_CASES = [(f"{label} {nt}T", case, nt, "numpy")
              for nt in (1, 2)
              for label, case in (("linear+relu 32x784x256", "lin32"),
                                  ("linear+relu 64x784x256", "lin64"),
                                  ("linear+relu 256x784x256", "lin256"),
                                  ("grad_x 256x256 @ 256x784", "gradx"),
                                  ("grad_w 256x256^T @ 256x784", "gradw"),
                                  ("square 1024", "sq1024"))]

# Run by each interpreter: one case, fastnn and its peer interleaved; prints
# one JSON line. Only public API that every fastnn version has.
CHILD = r'''
import json, sys, time
import numpy as np
import fastnn as fnn
import torch
from fastnn import nn, optim
from threadpoolctl import threadpool_limits

case, nt, quick = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
fnn.set_num_threads(nt)
torch.set_num_threads(nt)
threadpool_limits(nt)
rng = np.random.default_rng(0)


def interleave(fa, fb, calls, reps):
    ta, tb = [], []
    for _ in range(reps):
        for f, acc in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            for _ in range(calls):
                f()
            acc.append((time.perf_counter() - t) / calls)
    return float(np.median(ta)), float(np.median(tb))


reps = 5 if quick else 15
if case == "step":
    fnn.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 3),
                        nn.ReLU(), nn.Linear(3, 1))
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = rng.standard_normal((32, 1)).astype(np.float32)
    X, Y = fnn.from_numpy(x), fnn.from_numpy(y)
    loss_fn, opt = nn.MSELoss(), optim.SGD(net.parameters(), lr=1e-3)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 5),
                               torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.ReLU(),
                               torch.nn.Linear(3, 1))
    tX, tY = torch.from_numpy(x), torch.from_numpy(y)
    tloss_fn, topt = torch.nn.MSELoss(), torch.optim.SGD(tnet.parameters(), lr=1e-3)

    def mine():
        opt.zero_grad()
        loss_fn(net(X), Y).backward()
        opt.step()

    def peer():
        topt.zero_grad()
        tloss_fn(tnet(tX), tY).backward()
        topt.step()
    a, b = interleave(mine, peer, 2000, reps)
elif case == "infer":
    fnn.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    x = rng.random((1, 784), dtype=np.float32)
    X = fnn.from_numpy(x)
    W1, b1, W2, b2 = (p.numpy() for p in net.parameters())

    def mine():
        with fnn.no_grad():
            return net(X)

    def peer():
        return np.maximum(x @ W1.T + b1, 0) @ W2.T + b2
    a, b = interleave(mine, peer, 3000, reps)
elif case.startswith("lin"):
    M, K, N = int(case[3:]), 784, 256
    x = rng.standard_normal((M, K), dtype=np.float32)
    w = rng.standard_normal((N, K), dtype=np.float32) / np.float32(28)
    bias = rng.standard_normal(N, dtype=np.float32)
    out, out_np, wt = np.empty((M, N), np.float32), np.empty((M, N), np.float32), w.T
    from fastnn import ops
    a, b = interleave(lambda: ops.linear(x, w, bias, activation="relu", out=out),
                      lambda: np.matmul(x, wt, out=out_np), max(5, 20000 // M), reps)
elif case in ("gradx", "gradw", "sq1024"):
    from fastnn import ops
    if case == "sq1024":
        A = rng.standard_normal((1024, 1024), dtype=np.float32)
        B = rng.standard_normal((1024, 1024), dtype=np.float32)
        o, o2 = np.empty((1024, 1024), np.float32), np.empty((1024, 1024), np.float32)
        a, b = interleave(lambda: ops.matmul(A, B, out=o), lambda: np.matmul(A, B, out=o2), 3, reps)
    elif case == "gradx":
        dz = rng.standard_normal((256, 256), dtype=np.float32)
        w = rng.standard_normal((256, 784), dtype=np.float32)
        o, o2 = np.empty((256, 784), np.float32), np.empty((256, 784), np.float32)
        a, b = interleave(lambda: ops.matmul(dz, w, out=o), lambda: np.matmul(dz, w, out=o2), 50, reps)
    else:
        dz = rng.standard_normal((256, 256), dtype=np.float32)
        x = rng.standard_normal((256, 784), dtype=np.float32)
        w = np.zeros((256, 784), np.float32)
        gw, gb = np.empty((256, 784), np.float32), np.empty(256, np.float32)
        gw2, gb2 = np.empty((256, 784), np.float32), np.empty(256, np.float32)

        def peer():
            np.matmul(dz.T, x, out=gw2)
            dz.sum(axis=0, out=gb2)
        a, b = interleave(lambda: ops.linear_backward(dz, x, w, need_input_grad=False,
                                                      grad_weight=gw, grad_bias=gb), peer, 50, reps)
else:
    B, N = int(case[5:]), 6400
    xs = rng.random((N, 784), dtype=np.float32)
    ys = rng.integers(0, 10, N)
    fnn.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt, loss_fn = optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss()
    tnet = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(),
                               torch.nn.Linear(256, 10))
    topt, tloss_fn = torch.optim.SGD(tnet.parameters(), lr=0.1), torch.nn.CrossEntropyLoss()
    batches = [(fnn.from_numpy(xs[i:i + B]), fnn.from_numpy(ys[i:i + B])) for i in range(0, N, B)]
    tbatches = [(torch.from_numpy(xs[i:i + B]), torch.from_numpy(ys[i:i + B]))
                for i in range(0, N, B)]

    def mine():
        for X, Y in batches:
            opt.zero_grad()
            loss_fn(net(X), Y).backward()
            opt.step()

    def peer():
        for X, Y in tbatches:
            topt.zero_grad()
            tloss_fn(tnet(X), Y).backward()
            topt.step()
    a, b = interleave(mine, peer, 1, 3 if quick else 7)
print(json.dumps({"fastnn_s": a, "peer_s": b, "version": fnn.__version__}))
'''


def run_case(python, script, case, threads, quick):
    out = subprocess.run([python, script, case, str(threads), "1" if quick else "0"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"{python} failed on {case}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the Python of an install of the earlier version")
    ap.add_argument("--label-before", default="before", help="what the earlier version is")
    ap.add_argument("--label-after", default="after", help="what this version is")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--gemm", action="store_true",
                    help="the GEMM suite's shapes on 1 and 2 threads instead of the model cases")
    args = ap.parse_args(argv)
    versions = [("before", args.before), ("after", sys.executable)]
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "case.py")
        with open(script, "w") as f:
            f.write(CHILD)
        results = []
        for label, case, threads, peer in (GEMM_CASES if args.gemm else CASES):
            runs = {"before": [], "after": []}
            for r in range(args.rounds):          # alternate which version goes first
                for name, python in (versions if r % 2 == 0 else versions[::-1]):
                    runs[name].append(run_case(python, script, case, threads, args.quick))
            row = {"case": label, "threads": threads, "peer": peer}
            for name in runs:
                fast = [r["fastnn_s"] for r in runs[name]]
                ratio = [r["peer_s"] / r["fastnn_s"] for r in runs[name]]
                row[name] = {"fastnn_s": float(np.median(fast)), "ratio": float(np.median(ratio)),
                             "ratio_min": min(ratio), "ratio_max": max(ratio)}
            results.append(row)
            b, a = row["before"], row["after"]
            print(f"{label:26s} {threads}T  {peer:6s} ratio before {b['ratio']:.2f} "
                  f"({b['ratio_min']:.2f}-{b['ratio_max']:.2f})  after {a['ratio']:.2f} "
                  f"({a['ratio_min']:.2f}-{a['ratio_max']:.2f})")
    path = common.write_json("gemm_before_after" if args.gemm else "before_after", {
        "machine": common.machine_info(), "rounds": args.rounds,
        "before": args.label_before, "after": args.label_after, "results": results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
