"""Optimizer-step benchmark: one step of each optimizer over 10^6 and 10^7
float32 parameters, in GB/s of state moved against the measured copy
bandwidth, beside torch.optim with foreach=False, foreach=True and
fused=True; and a step over the 784-256-10 model's parameters.

    python -m fastnn.bench.optim [--threads 1,2] [--quick] [--repeats N]

Bytes per parameter per step (4 each in float32): SGD reads p, g and writes
p (3 arrays); SGD with momentum adds the buffer read and written (5); Adam
and AdamW read p, g, m, v and write p, m, v (7); Adagrad and RMSprop read p,
g, s and write p, s (5). Ratios are PyTorch's time over fastnn's from the
same run (above 1: fastnn is faster).
"""
import numpy as np

import fastnn as fnn
from fastnn import nn, optim

from . import common

CASES = [("SGD", dict(lr=0.01), 3), ("SGD momentum", dict(lr=0.01, momentum=0.9), 5),
         ("Adam", dict(lr=1e-3), 7), ("AdamW", dict(lr=1e-3), 7),
         ("Adagrad", dict(lr=0.01), 5), ("RMSprop", dict(lr=0.01), 5)]


def peers_for(name, kw, shapes, torch, rng):
    cls = name.split()[0]
    params = [nn.Parameter(fnn.tensor(rng.standard_normal(s).astype(np.float32))) for s in shapes]
    for p in params:
        p.grad = fnn.tensor(rng.standard_normal(p.shape).astype(np.float32) * 1e-3)
    opt = getattr(optim, cls)(params, **kw)
    opt.step()
    peers = {"fastnn": opt.step}
    if torch is not None:
        for mode in ("foreach=False", "foreach=True", "fused=True"):
            tparams = [torch.nn.Parameter(torch.from_numpy(p.numpy().copy())) for p in params]
            for tp, p in zip(tparams, params):
                tp.grad = torch.from_numpy(p.grad.numpy().copy())
            flag = {mode.split("=")[0]: True if mode.endswith("True") else False}
            try:
                topt = getattr(torch.optim, cls)(tparams, **kw, **flag)
                topt.step()
            except (RuntimeError, ValueError, TypeError) as e:
                print(f"note: torch.optim.{cls}({mode}) unavailable here: {str(e)[:80]}")
                continue
            peers[f"torch {mode}"] = topt.step
    return peers


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    copy_bw = (lim or {}).get("bandwidth_gbs", {}).get("copy", {})
    rng = np.random.default_rng(0)
    sizes = [10 ** 6] if args.quick else [10 ** 6, 10 ** 7]
    model = [(256, 784), (256,), (10, 256), (10,)]
    results = []
    for nt in args.threads:
        bw = copy_bw.get(str(nt))
        common.bytes_header(nt, bw, label_width=30, peer_width=20)
        with common.threads(nt, torch):
            work = [(f"{name} n={n:.0e}", name, kw, [(n,)], arrays * 4 * n)
                    for n in sizes for name, kw, arrays in CASES]
            work += [(f"{name} 784-256-10 model", name, kw, model,
                      arrays * 4 * sum(int(np.prod(s)) for s in model))
                     for name, kw, arrays in CASES if name in ("SGD", "Adam")]
            for label, name, kw, shapes, nbytes in work:
                peers = peers_for(name, kw, shapes, torch, rng)
                timed = common.compare(peers, repeats=repeats, batch_s=batch_s, pause_s=0.05)
                common.report_bytes(label, timed, nbytes, bw, label_width=30, peer_width=20)
                results.append({"case": label, "threads": nt, "bytes": nbytes, "peers": timed})
    path = common.write_json("optim", {"machine": common.machine_info(), "limits": lim,
                                       "repeats": repeats, "results": results})
    print(f"\nratio = peer's median time / fastnn's (above 1: fastnn is faster)\nwrote {path}")


if __name__ == "__main__":
    main()
