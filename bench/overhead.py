"""Per-step overhead of the model layer (Tensor, autograd, nn) beside
PyTorch: the chapters' small nets, where Python and dispatch cost more than
the arithmetic.

    python -m fastnn.bench.overhead [--threads 1,2] [--quick] [--repeats N]

Cases:
  step 3-5-5-3-1  zero_grad, forward, MSE loss, backward and an SGD step of
                  the ReLU net 3→5→5→3→1 at batch 32 (the chapters'
                  walk-through net);
  fwd  3-5-5-3-1  forward and loss only;
  infer 784-256-10  one sample through Flatten, Linear, ReLU, Linear under
                  no_grad, beside numpy's relu(x @ W1.T + b1) @ W2.T + b2 on
                  the same weights;
  linear node vs kernel  a fused Linear+ReLU autograd node against the bare
                  fastnn.ops.linear call on the same arrays (the node's cost).
Same initial weights in both frameworks; ratios are PyTorch's time over
fastnn's from the same run (above 1: fastnn is faster).
"""
import numpy as np

import fastnn as fnn
from fastnn import nn, ops, optim
from fastnn.nn import functional as F

from . import common


def small_net_peers(torch, rng, forward_only):
    fnn.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(),
                        nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 1))
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = rng.standard_normal((32, 1)).astype(np.float32)
    X, Y = fnn.from_numpy(x), fnn.from_numpy(y)
    loss_fn = nn.MSELoss()
    opt = optim.SGD(net.parameters(), lr=1e-3)

    def fastnn_step():
        opt.zero_grad()
        loss = loss_fn(net(X), Y)
        if not forward_only:
            loss.backward()
            opt.step()

    peers = {"fastnn": fastnn_step}
    if torch is not None:
        tnet = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 5),
                                   torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.ReLU(),
                                   torch.nn.Linear(3, 1))
        tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()})
        tX, tY = torch.from_numpy(x), torch.from_numpy(y)
        tloss_fn = torch.nn.MSELoss()
        topt = torch.optim.SGD(tnet.parameters(), lr=1e-3)

        def torch_step():
            topt.zero_grad()
            loss = tloss_fn(tnet(tX), tY)
            if not forward_only:
                loss.backward()
                topt.step()
        peers["torch"] = torch_step
    return peers


def inference_peers(torch, rng):
    fnn.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    x = rng.random((1, 784), dtype=np.float32)
    X = fnn.from_numpy(x)

    def fastnn_infer():
        with fnn.no_grad():
            return net(X)

    W1, b1, W2, b2 = (p.numpy() for p in net.parameters())

    def numpy_infer():
        return np.maximum(x @ W1.T + b1, 0) @ W2.T + b2

    peers = {"fastnn": fastnn_infer, "numpy": numpy_infer}
    if torch is not None:
        tnet = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 10))
        tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()})
        tX = torch.from_numpy(x)

        def torch_infer():
            with torch.no_grad():
                return tnet(tX)
        peers["torch"] = torch_infer
    return peers


def node_peers(rng):
    fnn.manual_seed(0)
    lin = nn.Linear(5, 5)
    x = rng.standard_normal((32, 5)).astype(np.float32)
    X = fnn.from_numpy(x)
    w, b = lin.weight, lin.bias
    W, B = w.numpy(), b.numpy()
    return {"fastnn": lambda: F.linear(X, w, b, activation="relu"),
            "ops.linear": lambda: ops.linear(x, W, B, activation="relu")}


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    rng = np.random.default_rng(0)
    results = []
    for nt in args.threads:
        print(f"\n== {nt} thread(s)")
        head = f"{'case':26s} {'peer':10s} {'median':>10s} {'min-max':>18s} {'vs fastnn':>9s}"
        print(head)
        print("-" * len(head))
        with common.threads(nt, torch):
            cases = [("step+SGD 3-5-5-3-1 b=32", small_net_peers(torch, rng, False)),
                     ("fwd+loss 3-5-5-3-1 b=32", small_net_peers(torch, rng, True)),
                     ("infer 784-256-10 b=1", inference_peers(torch, rng)),
                     ("linear+relu node 32x5x5", node_peers(rng))]
            for label, peers in cases:
                timed = common.compare(peers, repeats=repeats, batch_s=batch_s, pause_s=0.05)
                base = timed["fastnn"]["median_s"]
                for name, t in timed.items():
                    t["ratio"] = t["median_s"] / base
                    ratio = "" if name == "fastnn" else f"{t['ratio']:8.2f}x"
                    span = f"{t['min_s'] * 1e6:7.1f}-{t['max_s'] * 1e6:7.1f}us"
                    print(f"{label:26s} {name:10s} {t['median_s'] * 1e6:8.1f}us {span:>18s} {ratio:>9s}")
                results.append({"case": label, "threads": nt, "peers": timed})
    path = common.write_json("overhead", {"machine": common.machine_info(), "repeats": repeats,
                                          "results": results})
    print(f"\nratio = peer's median time / fastnn's (above 1: fastnn is faster)\nwrote {path}")


if __name__ == "__main__":
    main()
