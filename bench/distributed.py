"""Data-parallel training on this machine, and a model of larger runs.

    python -m fastnn.bench.distributed [--quick] [--rounds N]

Measured (float32, the 784-256-10 MLP, SGD, a global batch of 256 over
random Fashion-MNIST-shaped rows):
  epoch  2 ranks x 1 thread (mpiexec, DistributedDataParallel,
         DistributedSampler, 128 rows a rank a step) against 1 rank x 2
         threads (batch 256), alternately, fresh processes each round;
  share  in the 2-rank run, the time of the gradient all-reduce (the
         post-backward hook) over the time of a step;
  ring   all_reduce of the model's 203,530 float32 gradients alone, 2 ranks.
Modelled (BENCHMARKS.md, from these figures): the ring's bytes per rank
and step, 4·P·2(K−1)/K for P parameters, and its time at 10 and 100 Gb/s
beside the step's arithmetic split over K ranks, for 784-256-10 and a
10-million-parameter MLP, K = 2…64. Needs mpi4py and an mpiexec
(pip install mpi4py mpich, or fastnn's extra "mpi"); without them it says so and measures
nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from . import common

ROWS = 12800
PARAMS_MLP = 784 * 256 + 256 + 256 * 10 + 10          # 203,530
PARAMS_BIG = 10_000_000
GLOBAL_BATCH = 256
KS = [2, 4, 8, 16, 32, 64]
LINKS = {"10 Gb/s": (10e9 / 8, 30e-6), "100 Gb/s": (100e9 / 8, 3e-6)}   # bytes/s, latency

# Run by each process (one rank, or each of K under mpiexec): epochs of the
# MLP; rank 0 prints one JSON line.
CHILD = r'''
import json, sys, time
import numpy as np
import fastnn as fnn
from fastnn import data, distributed as dist, nn, optim

mode, threads, epochs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
parallel = mode == "ddp"
if parallel:
    dist.init()
fnn.set_num_threads(threads)
K = dist.get_world_size() if parallel else 1
rng = np.random.default_rng(0)
X = rng.integers(0, 256, (rows, 784), dtype=np.uint8)
y = rng.integers(0, 10, rows)
fnn.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
if parallel:
    net = nn.parallel.DistributedDataParallel(net)
    sampler = data.DistributedSampler(rows, shuffle=True, seed=0)
    loader = data.DataLoader((X, y), batch_size=256 // K, sampler=sampler)
else:
    sampler = None
    loader = data.DataLoader((X, y), batch_size=256, shuffle=True, seed=0)
opt, loss_fn = optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss()
reduce_s = [0.0]
if parallel:
    hook = net._average_gradients

    def timed():
        t = time.perf_counter()
        hook()
        reduce_s[0] += time.perf_counter() - t
    net._average_gradients = timed
times, shares = [], []
for epoch in range(epochs + 1):            # the first is a warm-up
    if sampler is not None:
        sampler.set_epoch(epoch)
    if parallel:
        dist.barrier()
    reduce_s[0] = 0.0
    t = time.perf_counter()
    for Xb, yb in loader:
        opt.zero_grad()
        loss_fn(net(Xb), yb).backward()
        opt.step()
    dt = time.perf_counter() - t
    if epoch:
        times.append(dt)
        shares.append(reduce_s[0] / dt)
ring = None
if parallel:
    g = np.ones(203530, np.float32)
    dist.all_reduce(g)
    dist.barrier()
    t = time.perf_counter()
    for _ in range(50):
        dist.all_reduce(g)
    ring = (time.perf_counter() - t) / 50
if not parallel or dist.get_rank() == 0:
    print(json.dumps({"epoch_s": float(np.median(times)), "share": float(np.median(shares)),
                      "ring_s": ring, "steps": len(loader)}))
'''


def mpiexec():
    here = shutil.which("mpiexec", path=os.path.dirname(sys.executable))
    return here or shutil.which("mpiexec")


def run(cmd):
    env = dict(os.environ)
    env.pop("FASTNN_NUM_THREADS", None)
    env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])} ... failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ring_seconds(params, k, link):
    """The ring all-reduce of `params` float32 values over K ranks on a link
    of (bandwidth, latency): 2(K−1) steps, each one message of 1/K of the
    array."""
    bandwidth, latency = link
    return 2 * (k - 1) * (latency + 4 * params / k / bandwidth)


def model(step_flops_rate, link_rows=LINKS):
    """Rows of the scaling model: for each network and K, the bytes a rank
    sends per step, the ring's time on each link and the step's arithmetic
    at K ranks (6·P·B flops a step — forward 2, backward 4 — split over K
    ranks, each at the measured rate of one rank)."""
    rows = []
    for name, params in (("784-256-10", PARAMS_MLP), ("10M-parameter MLP", PARAMS_BIG)):
        flops = 6 * params * GLOBAL_BATCH
        for k in KS:
            row = {"net": name, "params": params, "K": k,
                   "bytes_per_rank": 4 * params * 2 * (k - 1) / k,
                   "compute_s": flops / k / step_flops_rate}
            for link, spec in link_rows.items():
                row[link] = ring_seconds(params, k, spec)
            rows.append(row)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    launcher = mpiexec()
    if common.optional("mpi4py") is None or launcher is None:
        print("mpi4py or mpiexec missing (pip install mpi4py mpich): nothing measured")
        return 0
    rows, epochs = (2560, 1) if args.quick else (ROWS, 3)
    rounds = 1 if args.quick else args.rounds
    runs = {"1x2": [], "2x1": []}
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "ddp_child.py")
        with open(script, "w") as f:
            f.write(CHILD)
        for _ in range(rounds):
            runs["1x2"].append(run([sys.executable, script, "one", "2", str(epochs), str(rows)]))
            runs["2x1"].append(run([launcher, "-n", "2", sys.executable, script, "ddp", "1",
                                    str(epochs), str(rows)]))
    one = float(np.median([r["epoch_s"] for r in runs["1x2"]]))
    two = float(np.median([r["epoch_s"] for r in runs["2x1"]]))
    share = float(np.median([r["share"] for r in runs["2x1"]]))
    ring = float(np.median([r["ring_s"] for r in runs["2x1"]]))
    steps = runs["1x2"][0]["steps"]
    step_rate = 6 * PARAMS_MLP * GLOBAL_BATCH / (one / steps) / 2      # flops/s of one core
    print(f"epoch of {rows} rows, batch {GLOBAL_BATCH}: 1 rank x 2 threads {one * 1e3:.1f} ms, "
          f"2 ranks x 1 thread {two * 1e3:.1f} ms ({one / two:.2f}x)")
    print(f"all-reduce share of the 2-rank step: {100 * share:.1f}%; ring all_reduce of "
          f"{PARAMS_MLP} float32 alone: {ring * 1e6:.0f} us "
          f"({4 * PARAMS_MLP * 2 * 1 / 2 / ring / 1e9:.2f} GB/s sent per rank)")
    path = common.write_json("distributed", {
        "machine": common.machine_info(), "rows": rows, "epochs": epochs, "rounds": rounds,
        "global_batch": GLOBAL_BATCH, "steps": steps,
        "epoch_1x2_s": one, "epoch_2x1_s": two, "allreduce_share": share, "ring_s": ring,
        "runs": runs, "core_flops": step_rate,
        "links": {k: {"bytes_per_s": v[0], "latency_s": v[1]} for k, v in LINKS.items()},
        "model": model(step_rate)})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
