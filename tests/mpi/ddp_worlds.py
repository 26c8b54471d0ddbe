"""Run by every rank under ``mpiexec -n K`` (tests/test_distributed.py starts
it): data-parallel training against one process on the same data, in float64.

    mpiexec -n K python ddp_worlds.py FOLDER

Checks, each on every rank (an AssertionError aborts the world through
fastnn.distributed's exception hook, so a failure never hangs):
- K ranks at batch B reach the parameters of one process at batch K·B to
  1e-10 (SGD with momentum and weight decay, and Adam), shuffle off and on
  (DistributedSampler.set_epoch), starting from rank 0's weights although
  each rank built its model from another seed;
- every rank holds bitwise the same parameters, and the same History from
  fit; all_reduce is bitwise the same on every rank;
- fit with ModelCheckpoint writes from rank 0 only, and a run resumed from
  the epoch-1 checkpoint ends bitwise where the uninterrupted one does;
- fit's compiled step (gradients averaged between its backward and its
  update) ends in the eager loop's bits;
- an all_reduce with shapes that differ between ranks raises ValueError on
  every rank.
Prints the SHA-256 of fit's final parameters (the test compares two runs)
and "ranks ok K" on rank 0 at the end.
"""
import hashlib
import os
import sys

import numpy as np

import fastnn as fnn
from fastnn import data, distributed as dist, nn, optim, train

dist.init()
K, RANK = dist.get_world_size(), dist.get_rank()
FOLDER = sys.argv[1]
B, STEPS = 4, 3
N = K * B * STEPS


def dataset():
    rng = np.random.default_rng(7)
    return rng.standard_normal((N, 5)), rng.integers(0, 3, N)


def model(seed):
    fnn.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)).to(fnn.float64)


def make_opt(kind, params):
    if kind == "sgd":
        return optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-3)
    return optim.Adam(params, lr=0.01)


def params_of(net):
    return [p.numpy().copy() for p in net.parameters()]


def one_process(kind, shuffle, epochs):
    """The reference: this process alone, batch K·B, rank 0's initial weights."""
    X, y = dataset()
    net = model(0)
    opt = make_opt(kind, net.parameters())
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        order = np.random.default_rng(epoch).permutation(N) if shuffle else np.arange(N)
        for j in range(STEPS):
            idx = order[j * K * B:(j + 1) * K * B]
            opt.zero_grad()
            loss_fn(net(fnn.from_numpy(X[idx])), fnn.from_numpy(y[idx])).backward()
            opt.step()
    return params_of(net)


def data_parallel(kind, shuffle, epochs):
    X, y = dataset()
    net = nn.parallel.DistributedDataParallel(model(0 if RANK == 0 else 100 + RANK))  # rank 0 wins
    opt = make_opt(kind, net.parameters())
    loss_fn = nn.CrossEntropyLoss()
    sampler = data.DistributedSampler(N, shuffle=shuffle, seed=0)
    loader = data.DataLoader((X, y), batch_size=B, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for Xb, yb in loader:
            opt.zero_grad()
            loss_fn(net(Xb), yb).backward()
            opt.step()
    return params_of(net.module)


def same_on_every_rank(arrays, what):
    mine = [a.tobytes() for a in arrays]
    for rank, other in enumerate(dist.all_gather_object(mine)):
        assert other == mine, f"{what}: rank {rank} differs from rank {RANK}"


for kind in ("sgd", "adam"):
    for shuffle, epochs in ((False, 1), (True, 2)):
        got, want = data_parallel(kind, shuffle, epochs), one_process(kind, shuffle, epochs)
        err = max(float(np.max(np.abs(g - w))) for g, w in zip(got, want))
        assert err <= 1e-10, f"{kind} shuffle={shuffle}: max |K ranks - one process| = {err}"
        same_on_every_rank(got, f"{kind} shuffle={shuffle}")

# all_reduce: the same bits everywhere, and the sum it should be
v = np.random.default_rng(RANK).standard_normal(1001).astype(np.float32)
total = sum(np.random.default_rng(r).standard_normal(1001).astype(np.float64) for r in range(K))
dist.all_reduce(v)
same_on_every_rank([v], "all_reduce")
assert np.allclose(v, total, atol=1e-5), "all_reduce: wrong sum"

# fit: one History everywhere, checkpoints from rank 0, resume to the same bits
X, y = dataset()


def fit_run(epochs, resume=None, ckpt=None, compile=True, kind="sgd"):
    net = nn.parallel.DistributedDataParallel(model(0))
    opt = make_opt(kind, net.parameters())
    loader = data.DataLoader((X, y), batch_size=B, sampler=data.DistributedSampler(N, seed=3))
    cbs = [train.ModelCheckpoint(ckpt, save_best_only=False)] if ckpt else []
    hist = train.fit(net, nn.CrossEntropyLoss(), opt, loader, epochs, callbacks=cbs,
                     progress=False, resume=resume, compile=compile)
    return net, hist


# fit's compiled step (the gradients averaged between its backward and its
# update) ends in the eager loop's bits
for kind in ("sgd", "adam"):
    planned, eager = fit_run(2, kind=kind)[0], fit_run(2, compile=False, kind=kind)[0]
    for a, b in zip(params_of(planned.module), params_of(eager.module)):
        assert np.array_equal(a, b), f"fit under DDP ({kind}): compiled and eager steps differ"

ddp_net = nn.parallel.DistributedDataParallel(model(0))
step = fnn.compile_step(ddp_net, nn.CrossEntropyLoss(), make_opt("sgd", ddp_net.parameters()),
                        warn=False)
step(fnn.from_numpy(X[:B]), fnn.from_numpy(y[:B]))
assert step.reason is None, f"the DDP model ran eagerly: {step.reason}"

ckpt = os.path.join(FOLDER, "ckpt-{epoch}.npz")
net_a, hist_a = fit_run(2, ckpt=ckpt)
seen = dist.all_gather_object([(e["loss"], e["accuracy"]) for e in hist_a.epochs])
assert all(s == seen[0] for s in seen), f"fit: Histories differ between ranks: {seen}"
same_on_every_rank(params_of(net_a.module), "fit")
dist.barrier()
assert os.path.exists(ckpt.format(epoch=1)) and os.path.exists(ckpt.format(epoch=2))
net_b, _ = fit_run(2, resume=ckpt.format(epoch=1))
for a, b in zip(params_of(net_a.module), params_of(net_b.module)):
    assert np.array_equal(a, b), "resume: the resumed run ended elsewhere"

# a shape that differs between ranks: ValueError everywhere, no hang
try:
    dist.all_reduce(np.zeros(3 + RANK))
except ValueError as e:
    assert "same shape" in str(e)
else:
    raise AssertionError("all_reduce accepted shapes that differ between ranks")

dist.barrier()
if RANK == 0:
    digest = hashlib.sha256(b"".join(a.tobytes() for a in params_of(net_a.module))).hexdigest()
    print(f"params sha256 {digest}", flush=True)        # run to run: compared by the test
    print(f"ranks ok {K}", flush=True)
