"""End-to-end training benchmark: epochs of the chapters' MLPs on
Fashion-MNIST (synthetic images of the same shape when the data set is
absent, said in the output), fastnn beside PyTorch, a from-scratch numpy MLP
and scikit-learn's MLPClassifier.

    python -m fastnn.bench.train [--threads 1,2] [--quick] [--epochs N]

Cases: 784-256-10 with SGD lr 0.1 at batch 64, 256 and 1024; Adam (lr 1e-3)
at 256; the dropout net 784-256-256-10 (dropout 0.2 and 0.5, SGD lr 0.5) at
256. Every framework starts from the same initial weights and sees the same
batches (one permutation per epoch from one seeded generator) of in-memory
data; epochs of the peers are interleaved. fastnn trains as fit does (each
step one C call, fastnn.compile_step), and its eager loop is shown beside
("fastnn eager"). Reported: seconds per epoch (the
median after one warm-up epoch) and test accuracy after the same number of
epochs. numpy and scikit-learn run the plain SGD cases only.
"""
import time

import numpy as np

import fastnn as fnn
from fastnn import data, datasets, nn, optim

from . import common

CASES = [
    ("SGD b=64", dict(hidden=(256,), opt="sgd", lr=0.1, batch=64)),
    ("SGD b=256", dict(hidden=(256,), opt="sgd", lr=0.1, batch=256)),
    ("SGD b=1024", dict(hidden=(256,), opt="sgd", lr=0.1, batch=1024)),
    ("Adam b=256", dict(hidden=(256,), opt="adam", lr=1e-3, batch=256)),
    ("dropout 784-256-256-10 b=256", dict(hidden=(256, 256), opt="sgd", lr=0.5, batch=256,
                                          dropout=(0.2, 0.5))),
]


def load_data(quick):
    try:
        (X, y), (Xt, yt) = datasets.load_fashion_mnist()
        source = "Fashion-MNIST"
    except datasets.DatasetNotFoundError:
        from fastnn.demo import synthetic_images
        (X, y), (Xt, yt) = synthetic_images()
        source = "synthetic images shaped like Fashion-MNIST (the data set is not installed)"
    if quick:
        X, y, Xt, yt = X[:4096], y[:4096], Xt[:1024], yt[:1024]
    return X, y, Xt, yt, source


def initial_weights(sizes, seed):
    """Weights N(0, 0.01) and zero biases, as the chapters initialise them."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 0.01, (b, a)).astype(np.float32), np.zeros(b, np.float32))
            for a, b in zip(sizes[:-1], sizes[1:])]


class FastnnRunner:
    """fastnn as fit trains: each step one C call (fastnn.compile_step); with
    compiled=False the eager loop (zero_grad, forward, backward, step)."""

    def __init__(self, case, weights, X, y, Xt, yt, seed, compiled=True):
        self.name = "fastnn" if compiled else "fastnn eager"
        self.compiled = compiled
        layers = [nn.Flatten()]
        drops = case.get("dropout", ())
        for i, (W, b) in enumerate(weights):
            lin = nn.Linear(W.shape[1], W.shape[0])
            lin.load_state_dict({"weight": W, "bias": b})
            layers.append(lin)
            if i < len(weights) - 1:
                layers.append(nn.ReLU())
                if drops:
                    layers.append(nn.Dropout(drops[i]))
        self.net = nn.Sequential(*layers)
        self.opt = (optim.SGD(self.net.parameters(), lr=case["lr"]) if case["opt"] == "sgd"
                    else optim.Adam(self.net.parameters(), lr=case["lr"]))
        self.loss = nn.CrossEntropyLoss()
        self.loader = data.DataLoader((X, y), batch_size=case["batch"], shuffle=True, seed=seed)
        self.test = data.DataLoader((Xt, yt), batch_size=1024)
        self.step = fnn.compile_step(self.net, self.loss, self.opt)

    def epoch(self):
        self.net.train()
        for Xb, yb in self.loader:
            if self.compiled:
                self.step(Xb, yb)
                continue
            loss = self.loss(self.net(Xb), yb)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def accuracy(self):
        return fnn.train.evaluate(self.net, self.loss, self.test)["accuracy"]


class TorchRunner:
    name = "torch"

    def __init__(self, torch, case, weights, X, y, Xt, yt, seed):
        self.torch = torch
        tnn = torch.nn
        layers = [tnn.Flatten()]
        drops = case.get("dropout", ())
        for i, (W, b) in enumerate(weights):
            lin = tnn.Linear(W.shape[1], W.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if i < len(weights) - 1:
                layers.append(tnn.ReLU())
                if drops:
                    layers.append(tnn.Dropout(drops[i]))
        self.net = tnn.Sequential(*layers)
        self.opt = (torch.optim.SGD(self.net.parameters(), lr=case["lr"]) if case["opt"] == "sgd"
                    else torch.optim.Adam(self.net.parameters(), lr=case["lr"]))
        self.loss = tnn.CrossEntropyLoss()
        self.X = torch.from_numpy(X.astype(np.float32) / 255)
        self.y = torch.from_numpy(y)
        self.Xt = torch.from_numpy(Xt.astype(np.float32) / 255)
        self.yt = torch.from_numpy(yt)
        self.batch = case["batch"]
        self.gen = np.random.default_rng(seed)     # the same permutations as fastnn's loader

    def epoch(self):
        torch = self.torch
        self.net.train()
        perm = torch.from_numpy(self.gen.permutation(len(self.y)))
        for s in range(0, len(perm), self.batch):
            idx = perm[s:s + self.batch]
            loss = self.loss(self.net(self.X[idx]), self.y[idx])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def accuracy(self):
        self.net.eval()
        with self.torch.no_grad():
            return float((self.net(self.Xt).argmax(1) == self.yt).float().mean())


class NumpyRunner:
    """A textbook from-scratch MLP (one hidden layer, SGD) in numpy."""
    name = "numpy"

    def __init__(self, case, weights, X, y, Xt, yt, seed):
        (self.W1, self.b1), (self.W2, self.b2) = [(W.copy(), b.copy()) for W, b in weights]
        self.X = X.reshape(len(X), -1).astype(np.float32) / 255
        self.y = y
        self.Xt = Xt.reshape(len(Xt), -1).astype(np.float32) / 255
        self.yt = yt
        self.lr, self.batch = case["lr"], case["batch"]
        self.gen = np.random.default_rng(seed)

    def epoch(self):
        perm = self.gen.permutation(len(self.y))
        for s in range(0, len(perm), self.batch):
            idx = perm[s:s + self.batch]
            X, y = self.X[idx], self.y[idx]
            h = np.maximum(X @ self.W1.T + self.b1, 0)
            z = h @ self.W2.T + self.b2
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            dz = p / len(y)
            dh = (dz @ self.W2) * (h > 0)
            self.W2 -= self.lr * (dz.T @ h)
            self.b2 -= self.lr * dz.sum(axis=0)
            self.W1 -= self.lr * (dh.T @ X)
            self.b1 -= self.lr * dh.sum(axis=0)

    def accuracy(self):
        h = np.maximum(self.Xt @ self.W1.T + self.b1, 0)
        return float(((h @ self.W2.T + self.b2).argmax(1) == self.yt).mean())


class SklearnRunner:
    name = "scikit-learn"

    def __init__(self, MLPClassifier, case, weights, X, y, Xt, yt, seed):
        self.clf = MLPClassifier(hidden_layer_sizes=(256,), solver="sgd", learning_rate_init=case["lr"],
                                 batch_size=case["batch"], momentum=0.0, alpha=0.0, shuffle=True,
                                 random_state=seed)
        self.X = X.reshape(len(X), -1).astype(np.float32) / 255
        self.y = y
        self.Xt = Xt.reshape(len(Xt), -1).astype(np.float32) / 255
        self.yt = yt
        self.classes = np.arange(10)

    def epoch(self):
        self.clf.partial_fit(self.X, self.y, classes=self.classes)

    def accuracy(self):
        return float((self.clf.predict(self.Xt) == self.yt).mean())


def main(argv=None):
    import argparse
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    epochs = 2 if args.quick else 5
    X, y, Xt, yt, source = load_data(args.quick)
    print(f"data: {source}; {len(X)} train / {len(Xt)} test images; {epochs} epochs per run "
          f"(the first is a warm-up, not timed)")
    MLPClassifier = None
    if common.optional("sklearn") is not None:
        from sklearn.neural_network import MLPClassifier
    cases = CASES[1:2] + CASES[4:] if args.quick else CASES
    results = []
    for nt in args.threads:
        print(f"\n== {nt} thread(s)")
        head = f"{'case':30s} {'framework':14s} {'s/epoch':>9s} {'min-max':>15s} {'test acc':>9s} {'vs fastnn':>9s}"
        print(head)
        print("-" * len(head))
        with common.threads(nt, torch):
            for label, case in cases:
                sizes = (784,) + case["hidden"] + (10,)
                w = initial_weights(sizes, seed=0)
                runners = [FastnnRunner(case, w, X, y, Xt, yt, seed=1),
                           FastnnRunner(case, w, X, y, Xt, yt, seed=1, compiled=False)]
                if torch is not None:
                    runners.append(TorchRunner(torch, case, w, X, y, Xt, yt, seed=1))
                plain_sgd = case["opt"] == "sgd" and len(case["hidden"]) == 1
                if plain_sgd:
                    runners.append(NumpyRunner(case, w, X, y, Xt, yt, seed=1))
                    if MLPClassifier is not None and case["batch"] == 256:
                        runners.append(SklearnRunner(MLPClassifier, case, w, X, y, Xt, yt, seed=1))
                times = {r.name: [] for r in runners}
                for e in range(epochs):
                    for r in runners:                  # interleaved, one epoch each
                        time.sleep(0.1)
                        t = time.perf_counter()
                        r.epoch()
                        if e > 0:
                            times[r.name].append(time.perf_counter() - t)
                base = float(np.median(times["fastnn"]))
                row = {"case": label, "threads": nt, "epochs": epochs, "peers": {}}
                for r in runners:
                    ts = times[r.name]
                    med = float(np.median(ts))
                    acc = r.accuracy()
                    row["peers"][r.name] = {"median_s": med, "min_s": float(min(ts)),
                                            "max_s": float(max(ts)), "test_accuracy": acc,
                                            "ratio": med / base}
                    ratio = "" if r.name == "fastnn" else f"{med / base:8.2f}x"
                    span = f"{min(ts):.3f}-{max(ts):.3f}"
                    print(f"{label:30s} {r.name:14s} {med:9.3f} {span:>15s} {100 * acc:8.2f}% {ratio:>9s}")
                results.append(row)
    path = common.write_json("train", {"machine": common.machine_info(), "data": source,
                                       "epochs": epochs, "results": results})
    print(f"\nratio = peer's seconds per epoch / fastnn's (above 1: fastnn is faster)\nwrote {path}")


if __name__ == "__main__":
    main()
