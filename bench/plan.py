"""The compiled step (fastnn.compile_step, fastnn.compile) beside its peers:
the anchors of the step-plan work, each measured in one run.

    python -m fastnn.bench.plan [--quick] [--repeats N] [--no-torch-compile]

Cases (1 thread unless said; the peers interleaved, medians and ratios):
  small step      zero_grad, forward, MSE, backward, SGD of the ReLU net
                  3-5-5-3-1 at batch 32: fastnn's compiled step beside its
                  eager step, PyTorch eager and torch.compile of the whole
                  step function (its compile time reported);
  step 784-256-10 the same with cross-entropy at batch 64;
  one sample      784-256-10 under no_grad: fastnn.compile(model) beside the
                  eager model, numpy's relu(x @ W1.T + b1) @ W2.T + b2,
                  PyTorch eager and torch.compile;
  epoch           784-256-10, SGD lr 0.1, 2 threads, batch 64 and 256 over
                  60,000 images (Fashion-MNIST, or synthetic images of its
                  shape): the loop fit runs (compiled step) beside fastnn's
                  eager loop and PyTorch's; the plan's own timers give the
                  time inside and outside the GEMM calls, and the epoch's
                  GFLOP/s is shown against the 2-thread FMA peak.
Ratios are the peer's time over fastnn's compiled one (above 1: fastnn is
faster). Same initial weights and data for every peer.
"""
import time

import numpy as np

import fastnn as fnn
from fastnn import _C, nn, optim

from . import common, train

# the flops of 784-256-10 per sample and step: the first layer's forward and
# weight gradient (no input gradient), the second layer's forward, weight
# and input gradients (49.1 GFLOP for an epoch of 60,000 samples)
EPOCH_FLOPS_PER_SAMPLE = 2 * (2 * 784 * 256 + 3 * 256 * 10)


def _net(sizes):
    layers = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _torch_twin(torch, net, sizes):
    layers = [torch.nn.Flatten()]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    tnet = torch.nn.Sequential(*layers)
    tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()})
    return tnet


def step_peers(torch, sizes, batch, loss, use_compile, notes):
    """Peers doing one training step of `sizes` at `batch` with `loss`."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = (rng.integers(0, sizes[-1], batch) if loss == "ce"
         else rng.standard_normal((batch, sizes[-1])).astype(np.float32))
    X, Y = fnn.from_numpy(x), fnn.from_numpy(y)
    peers = {}
    for name in ("fastnn", "fastnn eager"):
        fnn.manual_seed(0)
        net = _net(sizes)
        loss_fn = nn.CrossEntropyLoss() if loss == "ce" else nn.MSELoss()
        opt = optim.SGD(net.parameters(), lr=1e-3)
        if name == "fastnn":
            step = fnn.compile_step(net, loss_fn, opt)
            step(X, Y)
            assert step.reason is None, step.reason
            peers[name] = lambda step=step: step(X, Y)
        else:
            def eager(net=net, loss_fn=loss_fn, opt=opt):
                opt.zero_grad()
                loss_fn(net(X), Y).backward()
                opt.step()
            peers[name] = eager
    if torch is not None:
        tnet = _torch_twin(torch, net, sizes)
        tl = torch.nn.CrossEntropyLoss() if loss == "ce" else torch.nn.MSELoss()
        topt = torch.optim.SGD(tnet.parameters(), lr=1e-3)
        tX, tY = torch.from_numpy(x), torch.from_numpy(y)

        def tstep():
            topt.zero_grad()
            out = tl(tnet(tX), tY)
            out.backward()
            topt.step()
            return out
        peers["torch"] = tstep
        if use_compile:
            t0 = time.perf_counter()
            compiled = torch.compile(tstep)
            compiled()
            notes["torch.compile seconds to compile"] = round(time.perf_counter() - t0, 1)
            peers["torch.compile"] = compiled
    return peers


def inference_peers(torch, use_compile, notes):
    rng = np.random.default_rng(0)
    sizes = (784, 256, 10)
    fnn.manual_seed(0)
    net = _net(sizes)
    net.eval()
    x = rng.random((1, 784), dtype=np.float32)
    X = fnn.from_numpy(x)
    cm = fnn.compile(net)
    with fnn.no_grad():
        cm(X)
    assert cm.reason is None, cm.reason
    W1, b1, W2, b2 = (p.numpy() for p in net.parameters())

    def compiled():
        with fnn.no_grad():
            return cm(X)

    def eager():
        with fnn.no_grad():
            return net(X)

    peers = {"fastnn": compiled, "fastnn eager": eager,
             "numpy": lambda: np.maximum(x @ W1.T + b1, 0) @ W2.T + b2}
    if torch is not None:
        tnet = _torch_twin(torch, net, sizes).eval()
        tX = torch.from_numpy(x)

        def tinfer():
            with torch.no_grad():
                return tnet(tX)
        peers["torch"] = tinfer
        if use_compile:
            t0 = time.perf_counter()
            tc = torch.compile(tnet)
            with torch.no_grad():
                tc(tX)
            notes["torch.compile seconds to compile (inference)"] = round(
                time.perf_counter() - t0, 1)

            def tcinfer():
                with torch.no_grad():
                    return tc(tX)
            peers["torch.compile"] = tcinfer
    return peers


def epoch_rows(torch, data_sets, batches, epochs, peak):
    """Seconds per epoch (median after a warm-up) of fastnn as fit trains
    (compiled), its eager loop and PyTorch (bench/train.py's runners),
    interleaved, and the compiled step's own timers over one more epoch."""
    X, y, Xt, yt = data_sets
    rows = []
    for batch in batches:
        case = dict(hidden=(256,), opt="sgd", lr=0.1, batch=batch)
        w = train.initial_weights((784, 256, 10), seed=0)
        peers = {"fastnn": train.FastnnRunner(case, w, X, y, Xt, yt, seed=1),
                 "fastnn eager": train.FastnnRunner(case, w, X, y, Xt, yt, seed=1,
                                                    compiled=False)}
        if torch is not None:
            peers["torch"] = train.TorchRunner(torch, case, w, X, y, Xt, yt, seed=1)
        times = {k: [] for k in peers}
        for e in range(epochs):
            for name, p in peers.items():
                time.sleep(0.2)
                t = time.perf_counter()
                p.epoch()
                if e > 0:
                    times[name].append(time.perf_counter() - t)
        step = peers["fastnn"].step
        sp = [e for e in step._entries.values() if not isinstance(e, str)][0].sp
        sp.profile(True)
        t = time.perf_counter()
        peers["fastnn"].epoch()
        wall = time.perf_counter() - t
        timers = dict(zip(_C.TIMER_NAMES, (float(v) for v in sp.timers)))
        sp.profile(False)
        gemm = timers["forward_gemm"] + timers["backward_gemm"]
        in_steps = sum(timers.values())
        base = float(np.median(times["fastnn"]))
        gflops = EPOCH_FLOPS_PER_SAMPLE * len(y) / base / 1e9
        row = {"case": f"epoch 784-256-10 SGD b={batch}", "threads": 2, "peers": {},
               "timers_s": timers, "profiled_epoch_s": wall,
               "outside_gemm_of_step": (in_steps - gemm) / in_steps,
               "outside_gemm_of_epoch": (wall - gemm) / wall,
               "gflops": gflops, "fraction_of_peak": gflops / peak if peak else None}
        for name, ts in times.items():
            med = float(np.median(ts))
            row["peers"][name] = {"median_s": med, "min_s": float(min(ts)),
                                  "max_s": float(max(ts)), "ratio": med / base}
        rows.append(row)
    return rows


def main(argv=None):
    import argparse
    import sys
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--no-torch-compile", action="store_true")
    known, rest = ap.parse_known_args(sys.argv[1:] if argv is None else argv)
    args, repeats, batch_s, torch, lim = common.setup(__doc__, rest, threads="1")
    use_compile = torch is not None and not known.no_torch_compile and not args.quick
    notes = {}
    results = []
    head = f"{'case':28s} {'peer':14s} {'median':>10s} {'vs fastnn':>9s}"
    print(f"\n== 1 thread\n{head}\n{'-' * len(head)}")
    with common.threads(1, torch):
        cases = [("small step 3-5-5-3-1 b=32", step_peers(torch, (3, 5, 5, 3, 1), 32, "mse",
                                                          use_compile, notes)),
                 ("step 784-256-10 b=64", step_peers(torch, (784, 256, 10), 64, "ce",
                                                     use_compile, notes)),
                 ("one sample 784-256-10", inference_peers(torch, use_compile, notes))]
        for label, peers in cases:
            timed = common.compare(peers, repeats, batch_s)
            base = timed["fastnn"]["median_s"]
            for name, t in timed.items():
                t["ratio"] = t["median_s"] / base
                ratio = "" if name == "fastnn" else f"{t['ratio']:8.2f}x"
                print(f"{label:28s} {name:14s} {common.fmt_time(t['median_s']):>10s} {ratio:>9s}")
            results.append({"case": label, "threads": 1, "peers": timed})
    X, y, Xt, yt, source = train.load_data(args.quick)
    isa, peaks = common.fma_peak(lim)
    peak = peaks.get("2") if peaks else None
    print(f"\n== 2 threads: epochs ({source}; {len(y)} images)")
    with common.threads(2, torch):
        rows = epoch_rows(torch, (X, y, Xt, yt), (64, 256), 2 if args.quick else 6, peak)
    for r in rows:
        for name, t in r["peers"].items():
            ratio = "" if name == "fastnn" else f"{t['ratio']:8.2f}x"
            print(f"{r['case']:28s} {name:14s} {t['median_s']:9.3f}s {ratio:>9s}")
        frac = f", {100 * r['fraction_of_peak']:.0f}% of the {isa} 2-thread FMA peak" if peak else ""
        print(f"{'':28s} outside the GEMM calls: {100 * r['outside_gemm_of_step']:.1f}% of the "
              f"steps, {100 * r['outside_gemm_of_epoch']:.1f}% of the epoch (data included); "
              f"{r['gflops']:.1f} GFLOP/s{frac}")
    results += rows
    for k, v in notes.items():
        print(f"{k}: {v}")
    path = common.write_json("plan", {"machine": common.machine_info(), "data": source,
                                      "notes": notes, "fma_peak_2t": peak, "isa": isa,
                                      "results": results})
    print(f"\nratio = peer's time / fastnn's compiled step's (above 1: fastnn is faster)\n"
          f"wrote {path}")


if __name__ == "__main__":
    main()
